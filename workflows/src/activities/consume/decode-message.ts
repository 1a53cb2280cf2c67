// decode: one delivered message to an OCI event. A message that can never decode (a tombstone,
// not the wire format, an unknown schema id, bad Avro) is given up at once, to be reported and
// skipped; a registry that fails or answers something other than a schema is retried like any
// outside service (outside-call.ts), and never makes a message be skipped.
import { callOutside, untilAborted } from '../outside-call';
import type { OciEvent, PipelineLogger } from '../pipeline-types';
import { UndecodableMessageError, type EventDecoder } from './event-decoder';
import type { EventbusSettings } from './eventbus-settings';
import type { DeliveredMessage } from './kafka-consumer';

/**
 * The event, or the UndecodableMessageError saying why it never will be one. A registry failure
 * still failing once the retry budget is spent is thrown: worth a retry of the run.
 */
export async function decodeMessage(
  decoder: EventDecoder,
  message: Pick<DeliveredMessage, 'partition' | 'offset' | 'value'>,
  {
    log,
    signal,
    settings,
  }: {
    log: PipelineLogger;
    signal: AbortSignal;
    settings?: Pick<EventbusSettings, 'registryTimeoutMs' | 'retryBudgetMs'>;
  },
): Promise<OciEvent | UndecodableMessageError> {
  const policy = {
    // The client's own timeout fails the request first; this one is the backstop.
    timeoutMs: (settings?.registryTimeoutMs ?? 10_000) + 1_000,
    retryBudgetMs: settings?.retryBudgetMs ?? 90_000,
    signal,
    onRetry: (notice: { attempt: number; waitMs: number; error: string }) =>
      log.warn('schema registry failed, retrying', {
        partition: message.partition,
        offset: message.offset,
        ...notice,
      }),
  };
  try {
    return await callOutside('schema-registry', `decoding offset ${message.offset}`, policy, (attempt) =>
      untilAborted(decoder.decode(message.value), attempt),
    );
  } catch (err) {
    if (err instanceof UndecodableMessageError) return err;
    throw err;
  }
}
