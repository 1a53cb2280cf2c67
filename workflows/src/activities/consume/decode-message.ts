// decode: one delivered message to an OCI event. A message that does not decode is tried a few
// times before it is given up (reported and skipped).
import type { OciEvent, PipelineLogger } from '../pipeline-types';
import { UndecodableMessageError, type EventDecoder } from './event-decoder';
import type { DeliveredMessage } from './kafka-consumer';

/** Decoding attempts before an undecodable message is reported and skipped. */
export const DECODE_ATTEMPTS = 3;

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/**
 * The event, or the last UndecodableMessageError once DECODE_ATTEMPTS are spent (or the run is
 * cancelled). Any other error (the registry is unreachable …) is thrown: worth a retry of the run.
 */
export async function decodeMessage(
  decoder: EventDecoder,
  message: Pick<DeliveredMessage, 'partition' | 'offset' | 'value'>,
  { log, signal }: { log: PipelineLogger; signal: AbortSignal },
): Promise<OciEvent | UndecodableMessageError> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await decoder.decode(message.value);
    } catch (err) {
      if (!(err instanceof UndecodableMessageError)) throw err;
      if (attempt >= DECODE_ATTEMPTS || signal.aborted) return err;
      log.warn('decoding failed, retrying', {
        partition: message.partition,
        offset: message.offset,
        attempt,
        error: err.message,
      });
      await delay(500 * attempt, signal);
    }
  }
}
