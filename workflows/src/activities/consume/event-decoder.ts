// Decodes event bus messages: Confluent wire format (magic byte 0, 4-byte schema id, Avro)
// against the schema registry (Karapace), with the writer schema the message names by id.
import * as https from 'node:https';
import * as tls from 'node:tls';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { EventbusSettings } from './eventbus-settings';
import type { OciEvent } from '../pipeline-types';

const CLIENT_ID = 'oci-factory-workflows';

/** The message can never be decoded (not the wire format, unknown schema id, bad Avro, not an OCI event). */
export class UndecodableMessageError extends Error {
  override readonly name = 'UndecodableMessageError';
}

/** The registry answered with an error other than "not found", or could not be reached: worth retrying later. */
export class SchemaRegistryError extends Error {
  override readonly name = 'SchemaRegistryError';
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

interface ResponseErrorLike {
  name: string;
  message: string;
  status?: number;
}

function isResponseError(err: unknown): err is ResponseErrorLike {
  return err instanceof Error && err.name === 'ResponseError';
}

/** The registry's own message: the client prefixes it with "<clientId> - ". */
function registryMessage(err: ResponseErrorLike): string {
  const prefix = `${CLIENT_ID} - `;
  return err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
}

export function valueSubject(topic: string): string {
  return `${topic}-value`;
}

export interface EventDecoder {
  /** Fails with the registry's message ("Subject '<topic>-value' not found.") when the topic has no value schema. */
  requireValueSubject(topic: string): Promise<void>;
  /** UndecodableMessageError for a message that will never decode; SchemaRegistryError for a registry problem. */
  decode(value: Buffer | null): Promise<OciEvent>;
  close(): void;
}

function registryAgent(settings: EventbusSettings): https.Agent | undefined {
  if (!settings.karapaceUrl.startsWith('https:')) return undefined;
  // The public roots plus the event bus CA, so either kind of registry certificate verifies.
  return new https.Agent({ ca: [...tls.rootCertificates, settings.caPem], keepAlive: true });
}

function asOciEvent(decoded: unknown): OciEvent {
  // Plain JSON data (avsc returns record class instances and Buffers for bytes).
  const event = JSON.parse(JSON.stringify(decoded)) as Record<string, unknown> | null;
  if (!event || typeof event !== 'object' || typeof event.message_id !== 'string' || !event.message_id) {
    throw new UndecodableMessageError('the decoded value is not an OCI event: it has no message_id');
  }
  return event as OciEvent;
}

export function createEventDecoder(settings: EventbusSettings): EventDecoder {
  const agent = registryAgent(settings);
  const registry = new SchemaRegistry({
    host: settings.karapaceUrl,
    clientId: CLIENT_ID,
    auth: { username: settings.username, password: settings.password },
    agent,
    retry: { retries: 2, initialRetryTimeInSecs: 0.2, maxRetryTimeInSecs: 2 },
  });

  return {
    async requireValueSubject(topic) {
      try {
        await registry.getLatestSchemaId(valueSubject(topic));
      } catch (err) {
        if (isResponseError(err)) throw new SchemaRegistryError(registryMessage(err), err.status);
        throw err;
      }
    },

    async decode(value) {
      if (!value) throw new UndecodableMessageError('the message has no value (tombstone)');
      if (value.length < 5)
        throw new UndecodableMessageError(
          `the message is ${value.length} bytes: too short for the wire format`,
        );
      if (value[0] !== 0)
        throw new UndecodableMessageError(
          `the message starts with byte ${value[0]}, not the wire format's magic byte 0`,
        );
      let decoded: unknown;
      try {
        decoded = await registry.decode(value);
      } catch (err) {
        if (isResponseError(err)) {
          const message = `schema ${value.readInt32BE(1)}: ${registryMessage(err)}`;
          if (err.status === 404) throw new UndecodableMessageError(message);
          throw new SchemaRegistryError(message, err.status);
        }
        throw new UndecodableMessageError(
          `Avro decoding with schema ${value.readInt32BE(1)} failed: ${(err as Error).message}`,
        );
      }
      return asOciEvent(decoded);
    },

    close() {
      agent?.destroy();
    },
  };
}
