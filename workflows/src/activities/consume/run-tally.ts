// What one activity run has handled so far: its heartbeat progress and, at the end, its result.
import type { EventOutcome, EventProgress, OciEvent, RebuildOutcome } from '../pipeline-types';
import type { HandledMessage, ProcessedEvent, SkippedMessage } from './handle-message';
import type { DeliveredMessage } from './kafka-consumer';

export interface ConsumeProgress {
  topic: string;
  consumer_group: string;
  processed: number;
  skipped: number;
  /** The message in hand, if any. */
  partition?: number;
  offset?: string;
  /** How far the event in hand is: images decided and dispatched, the call being retried. */
  event?: EventProgress;
}

/** Like the Python activity's result (`eventbus_message` …) for the last event, plus the whole run. */
export interface ConsumeResult {
  /** The last event processed in this run, or null when none came. */
  eventbus_message: OciEvent | null;
  release: string | null;
  status: EventOutcome['status'] | 'Idle';
  rebuilds: RebuildOutcome[];
  events: ProcessedEvent[];
  skipped: SkippedMessage[];
}

export class RunTally {
  private readonly events: ProcessedEvent[] = [];
  private readonly skipped: SkippedMessage[] = [];
  private lastOutcome: EventOutcome | undefined;
  /** The message being handled, if any. */
  inHand: DeliveredMessage | undefined;
  /** The pipeline's progress on the message in hand. */
  eventProgress: EventProgress | undefined;

  constructor(
    private readonly topic: string,
    private readonly consumerGroup: string,
  ) {}

  add(handled: HandledMessage): void {
    if ('processed' in handled) {
      this.events.push(handled.processed);
      this.lastOutcome = handled.outcome;
    } else if ('skipped' in handled) {
      this.skipped.push(handled.skipped);
    }
  }

  /** Messages processed or skipped. */
  get handled(): number {
    return this.events.length + this.skipped.length;
  }

  progress(): ConsumeProgress {
    return {
      topic: this.topic,
      consumer_group: this.consumerGroup,
      processed: this.events.length,
      skipped: this.skipped.length,
      ...(this.inHand && { partition: this.inHand.partition, offset: this.inHand.offset }),
      ...(this.inHand && this.eventProgress && { event: this.eventProgress }),
    };
  }

  result(): ConsumeResult {
    return {
      eventbus_message: this.lastOutcome?.eventbus_message ?? null,
      release: this.lastOutcome?.release ?? null,
      status: this.lastOutcome?.status ?? 'Idle',
      rebuilds: this.lastOutcome?.rebuilds ?? [],
      events: this.events,
      skipped: this.skipped,
    };
  }
}
