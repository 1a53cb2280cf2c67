// OCI release events for the consumer tests: the `bo.schema.avro.Oci` schema from
// workflows/schemas made self-contained (as a producer registers it), with or without the
// `release` field production events carry, and events of that shape.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';

const SCHEMAS = path.resolve(__dirname, '..', '..', 'schemas');
const NAMESPACE = 'bo.schema.avro';

function loadSchema(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(SCHEMAS, `${NAMESPACE}.${name}.avsc`), 'utf8')) as Record<
    string,
    unknown
  >;
}

/** Replaces each reference to a named type by its definition (each is used once). */
function inline(node: unknown): unknown {
  if (typeof node === 'string' && node.startsWith(`${NAMESPACE}.`))
    return inline(loadSchema(node.slice(NAMESPACE.length + 1)));
  if (Array.isArray(node)) return node.map(inline);
  if (node && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) => [key, key === 'name' ? value : inline(value)]),
    );
  }
  return node;
}

export function ociEventSchema({ withRelease }: { withRelease: boolean }): Record<string, unknown> {
  const schema = inline(loadSchema('Oci')) as { fields: unknown[] };
  if (withRelease) schema.fields = [...schema.fields, { name: 'release', type: 'string' }];
  return schema as Record<string, unknown>;
}

export function ociEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    message_id: randomUUID(),
    name: 'ubuntu',
    description: 'New release for the Ubuntu 22.04 container image',
    series: 'jammy',
    serial: '20240101',
    build_url: 'https://jenkins.example/22.04-UbuntuOCI-Build-Images/5/',
    digest: 'sha256:678c136e4e918eff1c5e83383859e1ea2227d754a2a',
    published_on: '2024-01-01T13:40:25Z',
    extras: 'Some custom, additional and optional data',
    architectures: {
      amd64: {
        digest: 'sha256:52293638ba652a2e8f9356',
        created: '2024-01-01T04:58:02Z',
        layers: [{ digest: 'sha256:67707603536', size: 29528717 }],
        artefacts: [
          {
            digest: 'sha256:552122182943123',
            type: 'application/spdx+json',
            size: 557,
            created: '2024-01-01T13:40:25Z',
          },
        ],
      },
    },
    registry_tags: ['public.ecr.aws/ubuntu/ubuntu:22.04', 'docker.io/ubuntu:jammy'],
    ...overrides,
  };
}
