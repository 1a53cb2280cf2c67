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

/**
 * The registry answered with an error other than "not found", or something that is not a schema
 * (a proxy's page), or did not answer: transient (retried) unless it is a plain 4xx.
 */
export class SchemaRegistryError extends Error {
  override readonly name = 'SchemaRegistryError';
  readonly transient: boolean;
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
    this.transient = status === undefined || status >= 500 || status === 429 || status === 408;
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

/** A schema id the registry says it does not have: `Schema <id> not found` (error code 40403). */
function isSchemaNotFound(err: unknown): boolean {
  return isResponseError(err) && err.status === 404 && /not found/i.test(err.message);
}

export function createEventDecoder(settings: EventbusSettings): EventDecoder {
  const agent = registryAgent(settings);
  const registry = new SchemaRegistry({
    host: settings.karapaceUrl,
    clientId: CLIENT_ID,
    auth: { username: settings.username, password: settings.password },
    agent,
    // Retried by the caller (outside-call.ts), with the other services' policy.
    retry: { retries: 0 },
    // The socket's idle timeout: a registry that accepts and never answers fails the request.
    middlewares: [
      () => ({
        prepareRequest: (next) =>
          next().then((request) => request.enhance({ timeout: settings.registryTimeoutMs })),
      }),
    ],
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
      const id = value.readInt32BE(1);
      try {
        // Fetched (or found in the client's cache) on its own, so that any failure here is the registry's.
        await registry.getSchema(id);
      } catch (err) {
        if (isSchemaNotFound(err)) {
          throw new UndecodableMessageError(`schema ${id}: ${registryMessage(err as ResponseErrorLike)}`);
        }
        if (isResponseError(err)) {
          throw new SchemaRegistryError(`schema ${id}: ${registryMessage(err)}`, err.status);
        }
        // No answer, or an answer that is not a schema (an HTML page …).
        throw new SchemaRegistryError(
          `schema ${id}: the registry gave no schema: ${(err as Error).message}`,
          undefined,
        );
      }
      let decoded: unknown;
      try {
        decoded = await registry.decode(value);
      } catch (err) {
        throw new UndecodableMessageError(
          `Avro decoding with schema ${id} failed: ${(err as Error).message}`,
        );
      }
      return asOciEvent(decoded);
    },

    close() {
      agent?.destroy();
    },
  };
}
