// The in-flight dispatch record of the message in hand: the images already dispatched for its
// message_id and how many deliveries of it failed. It lives in the consumer group's committed
// offset metadata of the message's partition (kafka-consumer.ts says why there); everything
// about it, from its format to what one message's processing does with it, is here.
import { createHash } from 'node:crypto';
import type { PipelineLogger } from '../pipeline-types';
import { byCodeUnit } from '../rebuild/released-state';

export interface InFlightRecord {
  message_id: string;
  /**
   * The last image (code-unit order, the order of dispatch) dispatched for this message: every
   * image up to it was dispatched or failed for good. One name whatever the number of images,
   * so the record stays within Kafka's offset metadata limit.
   */
  doneThrough?: string;
  /** The event's Mattermost post, updated by a redelivery. */
  postId?: string;
  /**
   * The one image whose dispatch was sent without its answer recorded yet, and when it was
   * first sent (ms since the epoch): a redelivery looks its run up before sending it again.
   */
  sending?: { image: string; since: number };
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
/** Kafka's `offset.metadata.max.bytes` default: a longer metadata string is refused by the broker. */
export const MAX_RECORD_BYTES = 4096;
/** A longer message_id is kept as its SHA-256, so it cannot crowd the record. */
const MAX_KEPT_ID_LENGTH = 128;
/** Mattermost post ids are 26 characters; anything longer is not kept. */
const MAX_POST_ID_LENGTH = 64;

export function recordedMessageId(messageId: string): string {
  return messageId.length <= MAX_KEPT_ID_LENGTH
    ? messageId
    : `sha256:${createHash('sha256').update(messageId).digest('hex')}`;
}

export class RecordTooLargeError extends Error {
  override readonly name = 'RecordTooLargeError';
}

export function encodeInFlightRecord(record: InFlightRecord): string {
  const text = JSON.stringify({
    [RECORD_KEY]: {
      m: recordedMessageId(record.message_id),
      ...(record.doneThrough !== undefined && { t: record.doneThrough }),
      ...(record.postId && record.postId.length <= MAX_POST_ID_LENGTH && { p: record.postId }),
      ...(record.sending && { s: [record.sending.image, Math.floor(record.sending.since / 1000)] }),
      f: record.failures,
    },
  });
  if (Buffer.byteLength(text) > MAX_RECORD_BYTES) {
    throw new RecordTooLargeError(
      `the in-flight record is ${Buffer.byteLength(text)} bytes, over Kafka's ${MAX_RECORD_BYTES}`,
    );
  }
  return text;
}

interface EncodedRecord {
  m?: unknown;
  t?: unknown;
  p?: unknown;
  s?: unknown;
  f?: unknown;
  /** The earlier format: the names dispatched (in dispatch order). */
  message_id?: unknown;
  dispatched?: unknown;
  failures?: unknown;
}

export function parseInFlightRecord(metadata: string | null | undefined): InFlightRecord | undefined {
  if (!metadata) return undefined;
  try {
    const record = (JSON.parse(metadata) as Record<string, EncodedRecord>)[RECORD_KEY];
    const messageId = record?.m ?? record?.message_id;
    if (!record || typeof messageId !== 'string') return undefined;
    const earlier = Array.isArray(record.dispatched)
      ? record.dispatched.filter((x): x is string => typeof x === 'string').sort(byCodeUnit)
      : [];
    const doneThrough = typeof record.t === 'string' ? record.t : earlier[earlier.length - 1];
    const failures = record.f ?? record.failures;
    const [sendingImage, sendingSince] = Array.isArray(record.s) ? (record.s as unknown[]) : [];
    return {
      message_id: messageId,
      ...(doneThrough !== undefined && { doneThrough }),
      ...(typeof record.p === 'string' && { postId: record.p }),
      ...(typeof sendingImage === 'string' &&
        typeof sendingSince === 'number' && { sending: { image: sendingImage, since: sendingSince * 1000 } }),
      failures: typeof failures === 'number' ? failures : 0,
    };
  } catch {
    return undefined;
  }
}

/** One message's record while it is processed. */
export class DispatchRecord {
  /** Why a dispatch could not be recorded, if one could not. */
  private notRecorded: { error: unknown } | undefined;

  private constructor(
    private readonly store: InFlightRecordStore,
    private readonly message: { partition: number; offset: string },
    private readonly record: InFlightRecord,
  ) {}

  /** The record an earlier delivery of this message_id left, or a fresh one (a record of another message is not this one's). */
  static async open(
    store: InFlightRecordStore,
    message: { partition: number; offset: string },
    messageId: string,
    log: PipelineLogger,
  ): Promise<DispatchRecord> {
    const earlier = await store.inFlightRecord(message.partition);
    const record =
      earlier?.message_id === recordedMessageId(messageId)
        ? { ...earlier, message_id: messageId }
        : { message_id: messageId, failures: 0 };
    if (record.doneThrough !== undefined) {
      log.info('event redelivered: its earlier dispatches are not repeated', {
        message_id: messageId,
        doneThrough: record.doneThrough,
      });
    }
    return new DispatchRecord(store, message, record);
  }

  /** Images up to this one were handled by an earlier delivery. */
  get doneThrough(): string | undefined {
    return this.record.doneThrough;
  }

  get postId(): string | undefined {
    return this.record.postId;
  }

  get sending(): InFlightRecord['sending'] {
    return this.record.sending;
  }

  get failures(): number {
    return this.record.failures;
  }

  /** Whether the record can say this image is being sent, and then dispatched (checked before sending it). */
  canRecord(image: string): boolean {
    try {
      encodeInFlightRecord({
        ...this.record,
        doneThrough: this.later(image),
        sending: { image, since: Date.now() },
      });
      return true;
    } catch {
      return false;
    }
  }

  /** Records a dispatch durably before the pipeline goes on; when that fails, the message cannot be done. */
  async dispatched(image: string): Promise<void> {
    this.record.doneThrough = this.later(image);
    delete this.record.sending;
    try {
      await this.save();
    } catch (error) {
      this.notRecorded ??= { error };
      throw error;
    }
  }

  /** Records, before its first send, that the image is being sent; a redelivery then looks before sending. */
  async sendingNow(image: string, since: number): Promise<void> {
    this.record.sending = { image, since };
    try {
      await this.save();
    } catch (error) {
      this.notRecorded ??= { error };
      throw error;
    }
  }

  /** Records the event's Mattermost post before any dispatch. */
  async posted(postId: string): Promise<void> {
    this.record.postId = postId;
    await this.save();
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

  private later(image: string): string {
    const current = this.record.doneThrough;
    return current !== undefined && byCodeUnit(current, image) > 0 ? current : image;
  }
}
