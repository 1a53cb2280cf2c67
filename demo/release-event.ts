// One OCI release event as the Ubuntu image pipeline publishes it: the `bo.schema.avro.Oci`
// record with its `release` field, in the Confluent wire format, under a schema registered
// in the registry as `<topic>-value`.
import type { KafkaBroker } from '../tests/harness/kafka';
import type { SchemaRegistryStandin } from '../tests/harness/standins';
import { ociEvent, ociEventSchema } from '../workflows/tests/integration/oci-events';

export interface PublishedEvent {
  topic: string;
  schemaId: number;
  event: Record<string, unknown>;
}

/** Creates the topic and registers its value schema, as the event bus has them before any consumer. */
export async function prepareTopic(
  broker: KafkaBroker,
  registry: SchemaRegistryStandin,
  topic: string,
): Promise<number> {
  await broker.createTopic(topic);
  return registry.register(`${topic}-value`, ociEventSchema({ withRelease: true }));
}

export function ubuntuReleaseEvent(
  release: string,
  series: string,
  now = new Date(),
): Record<string, unknown> {
  const serial = now.toISOString().slice(0, 10).replace(/-/g, '');
  return ociEvent({
    description: `New release for the Ubuntu ${release} container image`,
    series,
    serial,
    release,
    published_on: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    build_url: `https://jenkins.canonical.com/server-team/job/${release}-UbuntuOCI-Build-Images/${serial}/`,
    registry_tags: [
      `public.ecr.aws/ubuntu/ubuntu:${release}`,
      `public.ecr.aws/ubuntu/ubuntu:${series}`,
      `docker.io/ubuntu/ubuntu:${release}_edge`,
    ],
  });
}

export async function publishEvent(
  broker: KafkaBroker,
  topic: string,
  schemaId: number,
  event: Record<string, unknown>,
): Promise<PublishedEvent> {
  await broker.produceAvro(topic, schemaId, ociEventSchema({ withRelease: true }), [event]);
  return { topic, schemaId, event };
}
