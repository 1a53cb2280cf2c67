// One message through the steps after receive: decode → process (with its dispatch record) →
// commit, or skip (report and commit) the message that cannot be processed. A message left
// uncommitted (the run was cancelled mid-event) is read again by the next run.
import { errorMessage } from '../error-message';
import { recordEventProcessed, recordEventSkipped, type SkipReason } from '../metrics';
import { classify, TransientError } from '../outside-call';
import { timeLimit } from '../time-limit';
import type {
  EventOutcome,
  EventProgress,
  OciEvent,
  PipelineLogger,
  ProcessEvent,
  WorkflowRun,
} from '../pipeline-types';
import { decodeMessage } from './decode-message';
import { DispatchRecord } from './dispatch-record';
import { UndecodableMessageError, type EventDecoder } from './event-decoder';
import type { Env, EventbusSettings } from './eventbus-settings';
import type { DeliveredMessage, TopicConsumer } from './kafka-consumer';

/** Deliveries whose processing threw before the message is reported and skipped. */
export const PROCESSING_ATTEMPTS = 3;

export interface ProcessedEvent {
  message_id: string;
  partition: number;
  offset: string;
  release: string | null;
  status: EventOutcome['status'];
  rebuilds: EventOutcome['rebuilds'];
}

export interface SkippedMessage {
  partition: number;
  offset: string;
  message_id?: string;
  reason: string;
}

/** Tells people about a message that is skipped (Mattermost); the log has it anyway. */
export type ReportSkipped = (topic: string, skipped: SkippedMessage) => Promise<void>;

export type HandledMessage =
  | { processed: ProcessedEvent; outcome: EventOutcome }
  | { skipped: SkippedMessage }
  /** Cancelled mid-event: neither done nor committed. */
  | { left: true };

/** What the steps use, for the whole run. */
export interface MessageSteps {
  topic: string;
  consumer: TopicConsumer;
  decoder: EventDecoder;
  processEvent: ProcessEvent;
  env: Env;
  log: PipelineLogger;
  workflow: WorkflowRun;
  signal: AbortSignal;
  /** The registry's timeout and retry budget. */
  settings?: Pick<EventbusSettings, 'registryTimeoutMs' | 'retryBudgetMs'>;
  /** One event's processing is abandoned after this long (left uncommitted, processed again later). */
  eventDeadlineMs?: number;
  /** The event's progress, for the heartbeat. */
  progress?(progress: EventProgress): void;
  reportSkipped?: ReportSkipped;
}

type Message = Pick<DeliveredMessage, 'partition' | 'offset' | 'value'>;

/** Throws when the run should stop and be retried (the registry or the group failed, or processing may succeed later). */
export async function handleMessage(message: Message, steps: MessageSteps): Promise<HandledMessage> {
  const event = await decodeMessage(steps.decoder, message, steps);
  if (event instanceof UndecodableMessageError) {
    return skipMessage(message, 'undecodable', `undecodable: ${event.message}`, steps);
  }
  const record = await DispatchRecord.open(steps.consumer, message, event.message_id, steps.log);
  const result = await processWithRecord(event, record, steps);
  if ('left' in result) return result;
  if ('giveUp' in result) {
    return skipMessage(message, 'processing-failed', result.giveUp, steps, event.message_id);
  }
  const { outcome } = result;
  await steps.consumer.commitDone(message.partition, message.offset);
  recordEventProcessed(steps.topic);
  steps.log.info('event processed', {
    message_id: event.message_id,
    release: outcome.release,
    status: outcome.status,
  });
  return {
    outcome,
    processed: {
      message_id: event.message_id,
      partition: message.partition,
      offset: message.offset,
      release: outcome.release,
      status: outcome.status,
      rebuilds: outcome.rebuilds,
    },
  };
}

/**
 * process: the event through the pipeline, each dispatch recorded as it happens. A transient
 * failure (an outside service still failing once its retries are spent, the event's deadline) is
 * thrown as it is: the message stays uncommitted and is processed again. Any other failure is
 * counted in the record; the last allowed one gives the message up, the others are thrown.
 */
export async function processWithRecord(
  event: OciEvent,
  record: DispatchRecord,
  steps: Pick<
    MessageSteps,
    'processEvent' | 'env' | 'log' | 'workflow' | 'signal' | 'eventDeadlineMs' | 'progress'
  >,
): Promise<{ outcome: EventOutcome } | { giveUp: string } | { left: true }> {
  const { signal } = steps;
  const deadline = steps.eventDeadlineMs ? timeLimit(steps.eventDeadlineMs, signal) : undefined;
  let outcome: EventOutcome;
  try {
    outcome = await steps.processEvent(event, {
      env: steps.env,
      log: steps.log,
      workflow: steps.workflow,
      signal: deadline?.signal ?? signal,
      doneThrough: record.doneThrough,
      postId: record.postId,
      sending: record.sending,
      canRecord: (image) => record.canRecord(image),
      onPosted: (postId) => record.posted(postId),
      onSending: (image, since) => record.sendingNow(image, since),
      onDispatched: (image) => record.dispatched(image),
      progress: steps.progress,
    });
  } catch (err) {
    if (signal.aborted) return { left: true };
    record.throwIfDispatchNotRecorded();
    if (deadline?.expired) {
      throw new TransientError(
        `event ${event.message_id} not done within its deadline of ${steps.eventDeadlineMs} ms`,
        'event-deadline',
        { cause: err },
      );
    }
    if (classify(err).transient) throw err;
    const failures = record.countFailure();
    if (failures >= PROCESSING_ATTEMPTS)
      return { giveUp: `processing failed ${failures} times: ${errorMessage(err)}` };
    await record.save();
    throw err;
  } finally {
    deadline?.end();
  }
  if (signal.aborted) return { left: true };
  record.throwIfDispatchNotRecorded();
  return { outcome };
}

/** skip: logs and reports the message, then commits it, so that the next one can be processed. */
export async function skipMessage(
  message: Pick<Message, 'partition' | 'offset'>,
  kind: SkipReason,
  reason: string,
  steps: Pick<MessageSteps, 'topic' | 'consumer' | 'log' | 'reportSkipped'>,
  message_id?: string,
): Promise<{ skipped: SkippedMessage }> {
  const skipped: SkippedMessage = {
    partition: message.partition,
    offset: message.offset,
    reason,
    ...(message_id && { message_id }),
  };
  steps.log.error('skipping a message of the event bus', { topic: steps.topic, ...skipped });
  await steps
    .reportSkipped?.(steps.topic, skipped)
    .catch((err) => steps.log.warn('reporting a skipped message failed', { error: errorMessage(err) }));
  await steps.consumer.commitDone(message.partition, message.offset);
  recordEventSkipped(steps.topic, kind);
  return { skipped };
}
