// The in-flight dispatch record of the message in hand: the images already dispatched for its
// message_id and how many deliveries of it failed. It lives in the consumer group's committed
// offset metadata of the message's partition (kafka-consumer.ts says why there); everything
// about it, from its format to what one message's processing does with it, is here.
import type { PipelineLogger } from '../pipeline-types';

export interface InFlightRecord {
  message_id: string;
  /** Images whose rebuild was dispatched for this message. */
  dispatched: string[];
  /** Deliveries of this message whose processing failed. */
  failures: number;
}

/** Where records are kept: the consumer group (kafka-consumer.ts); in memory in unit tests. */
export interface InFlightRecordStore {
  /** The record committed with the partition's offset, if any. */
  inFlightRecord(partition: number): Promise<InFlightRecord | undefined>;
  /** Commits the message's own offset (it stays unconsumed) with the record. */
  recordInFlight(partition: number, offset: string, record: InFlightRecord): Promise<void>;
}

const RECORD_KEY = 'oci-factory-in-flight';

export function encodeInFlightRecord(record: InFlightRecord): string {
  return JSON.stringify({ [RECORD_KEY]: record });
}

export function parseInFlightRecord(metadata: string | null | undefined): InFlightRecord | undefined {
  if (!metadata) return undefined;
  try {
    const record = (JSON.parse(metadata) as Record<string, Partial<InFlightRecord>>)[RECORD_KEY];
    if (!record || typeof record.message_id !== 'string') return undefined;
    return {
      message_id: record.message_id,
      dispatched: Array.isArray(record.dispatched)
        ? record.dispatched.filter((x) => typeof x === 'string')
        : [],
      failures: typeof record.failures === 'number' ? record.failures : 0,
    };
  } catch {
    return undefined;
  }
}

/** One message's record while it is processed. */
export class DispatchRecord {
  /** What earlier deliveries dispatched, as the pipeline is handed it. */
  readonly alreadyDispatched: ReadonlySet<string>;
  /** Why a dispatch could not be recorded, if one could not. */
  private notRecorded: { error: unknown } | undefined;

  private constructor(
    private readonly store: InFlightRecordStore,
    private readonly message: { partition: number; offset: string },
    private readonly record: InFlightRecord,
  ) {
    this.alreadyDispatched = new Set(record.dispatched);
  }

  /** The record an earlier delivery of this message_id left, or a fresh one (a record of another message is not this one's). */
  static async open(
    store: InFlightRecordStore,
    message: { partition: number; offset: string },
    messageId: string,
    log: PipelineLogger,
  ): Promise<DispatchRecord> {
    const earlier = await store.inFlightRecord(message.partition);
    const record =
      earlier?.message_id === messageId
        ? { ...earlier, dispatched: [...earlier.dispatched] }
        : { message_id: messageId, dispatched: [], failures: 0 };
    if (record.dispatched.length > 0) {
      log.info('event redelivered: its earlier dispatches are not repeated', {
        message_id: messageId,
        dispatched: record.dispatched,
      });
    }
    return new DispatchRecord(store, message, record);
  }

  get failures(): number {
    return this.record.failures;
  }

  /** Records a dispatch durably before the pipeline goes on; when that fails, the message cannot be done. */
  async dispatched(image: string): Promise<void> {
    if (!this.record.dispatched.includes(image)) this.record.dispatched.push(image);
    try {
      await this.save();
    } catch (error) {
      this.notRecorded ??= { error };
      throw error;
    }
  }

  /** Counts one more failed delivery (saved by the next `save`). */
  countFailure(): number {
    this.record.failures += 1;
    return this.record.failures;
  }

  async save(): Promise<void> {
    await this.store.recordInFlight(this.message.partition, this.message.offset, this.record);
  }

  /** A dispatch that could not be recorded must not be committed as done, even if the pipeline went on. */
  throwIfDispatchNotRecorded(): void {
    if (this.notRecorded) throw this.notRecorded.error;
  }
}
