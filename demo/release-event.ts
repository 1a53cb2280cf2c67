// One OCI release event as the Ubuntu image pipeline publishes it: the `bo.schema.avro.Oci`
// record (workflows/schemas) with the `release` field production events carry, in the
// Confluent wire format, under a schema registered in the registry as `<topic>-value`.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Schema } from 'avsc';
import type { KafkaBroker } from '../workflows/tests/harness/kafka';
import type { SchemaRegistryStandin } from '../workflows/tests/harness/standins';
import { PROJECT_ROOT } from '../tests/harness/tools';

const SCHEMAS = path.join(PROJECT_ROOT, 'workflows', 'schemas');
const NAMESPACE = 'bo.schema.avro';

function schemaFile(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(SCHEMAS, `${NAMESPACE}.${name}.avsc`), 'utf8')) as Record<
    string,
    unknown
  >;
}

/** Replaces each reference to a named type of the namespace by its definition, as a producer registers it. */
function inlineReferences(node: unknown): unknown {
  if (typeof node === 'string' && node.startsWith(`${NAMESPACE}.`)) {
    return inlineReferences(schemaFile(node.slice(NAMESPACE.length + 1)));
  }
  if (Array.isArray(node)) return node.map(inlineReferences);
  if (node && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) => [key, key === 'name' ? value : inlineReferences(value)]),
    );
  }
  return node;
}

/** The self-contained writer schema: `bo.schema.avro.Oci` plus `release`. */
export function releaseEventSchema(): Extract<Schema, object> {
  const schema = inlineReferences(schemaFile('Oci')) as { fields: unknown[] };
  return { ...schema, fields: [...schema.fields, { name: 'release', type: 'string' }] } as Extract<
    Schema,
    object
  >;
}

/** Creates the topic and registers its value schema, as the event bus has them before any consumer. */
export async function prepareTopic(
  broker: KafkaBroker,
  registry: SchemaRegistryStandin,
  topic: string,
): Promise<number> {
  await broker.createTopic(topic);
  return registry.register(`${topic}-value`, releaseEventSchema());
}

export function ubuntuReleaseEvent(
  release: string,
  series: string,
  now = new Date(),
): Record<string, unknown> {
  const serial = now.toISOString().slice(0, 10).replace(/-/g, '');
  const time = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const digest = (seed: string) => `sha256:${Buffer.from(seed).toString('hex').padEnd(64, '0').slice(0, 64)}`;
  return {
    message_id: randomUUID(),
    name: 'ubuntu',
    description: `New release for the Ubuntu ${release} container image`,
    series,
    serial,
    build_url: `https://jenkins.canonical.com/server-team/job/${release}-UbuntuOCI-Build-Images/${serial}/`,
    digest: digest(`ubuntu-${release}-${serial}`),
    published_on: time,
    extras: 'Published by npm run demo',
    architectures: {
      amd64: {
        digest: digest(`ubuntu-${release}-${serial}-amd64`),
        created: time,
        layers: [{ digest: digest(`ubuntu-${release}-${serial}-layer`), size: 29528717 }],
        artefacts: [
          {
            digest: digest(`ubuntu-${release}-${serial}-sbom`),
            type: 'application/spdx+json',
            size: 557,
            created: time,
          },
        ],
      },
    },
    registry_tags: [
      `public.ecr.aws/ubuntu/ubuntu:${release}`,
      `public.ecr.aws/ubuntu/ubuntu:${series}`,
      `docker.io/ubuntu/ubuntu:${release}_edge`,
    ],
    release,
  };
}

export async function publishEvent(
  broker: KafkaBroker,
  topic: string,
  schemaId: number,
  event: Record<string, unknown>,
): Promise<void> {
  await broker.produceAvro(topic, schemaId, releaseEventSchema(), [event]);
}
