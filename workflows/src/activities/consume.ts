// The `consume` activity: reads OCI release events from the event bus, decodes them and hands
// each one to the rebuild pipeline, at least once and without dispatching an image twice.
//
// One activity run stays in the consumer group and processes events one after the other until
// it has handled (processed or skipped) ROCKS_EVENTBUS_MAX_EVENTS_PER_RUN messages (100) or ROCKS_EVENTBUS_MAX_RUN_SECONDS
// (600 s) have passed, then returns; the workflow continues as new, so its history stays small
// and the run ends well inside the 1800 s start-to-close timeout (the event in hand is finished).
import { activityInfo, cancellationSignal, heartbeat, log as activityLog } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { UndecodableMessageError, createEventDecoder, type EventDecoder } from './event-decoder';
import { readEventbusSettings, type Env, type EventbusSettings } from './eventbus-settings';
import {
  openTopicConsumer,
  type DeliveredMessage,
  type TopicConsumer,
  type TopicConsumerOptions,
} from './kafka-consumer';
import { mattermostNotifier } from './mattermost';
import { readPipelineSettings } from './pipeline-settings';
import type { EventOutcome, OciEvent, PipelineLogger, ProcessEvent, RebuildOutcome } from './pipeline-types';
import { processEvent } from './process-event';

/** Decoding attempts before an undecodable message is reported and skipped. */
export const DECODE_ATTEMPTS = 3;
/** Deliveries whose processing threw before the message is reported and skipped. */
export const PROCESSING_ATTEMPTS = 3;
const KEEPALIVE_MS = 2_000;

export interface ProcessedEvent {
  message_id: string;
  partition: number;
  offset: string;
  release: string | null;
  status: EventOutcome['status'];
  rebuilds: RebuildOutcome[];
}

export interface SkippedMessage {
  partition: number;
  offset: string;
  message_id?: string;
  reason: string;
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

export interface ConsumeProgress {
  topic: string;
  consumer_group: string;
  processed: number;
  skipped: number;
  /** The message in hand, if any. */
  partition?: number;
  offset?: string;
}

export interface ConsumeDeps {
  env: Env;
  processEvent: ProcessEvent;
  log: PipelineLogger;
  workflow: { workflowId: string; runId: string };
  /** Aborted when the activity is cancelled (worker shutdown). */
  signal: AbortSignal;
  /** Temporal heartbeat, with progress details (never a secret). */
  heartbeat(progress: ConsumeProgress): void;
  /** Tells people about a message that is skipped (Mattermost); the log has it anyway. */
  reportSkipped?(topic: string, skipped: SkippedMessage): Promise<void>;
  /** Seams for unit tests. */
  openConsumer?(options: TopicConsumerOptions): TopicConsumer;
  createDecoder?(settings: EventbusSettings): EventDecoder;
}

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

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function consumeEvents(
  kafka_topic: string,
  consumer_group: string,
  deps: ConsumeDeps,
): Promise<ConsumeResult> {
  const { log, signal } = deps;
  const settings = readEventbusSettings(deps.env);
  if (settings.caIsPlaceholder) {
    log.warn(
      'using the placeholder event bus CA shipped with the package: set ROCKS_EVENTBUS_CA_FILE to the real one',
      {
        caFile: settings.caFile,
      },
    );
  }
  const decoder = (deps.createDecoder ?? createEventDecoder)(settings);
  const events: ProcessedEvent[] = [];
  const skipped: SkippedMessage[] = [];
  let lastOutcome: EventOutcome | undefined;
  let inHand: { partition: number; offset: string } | undefined;

  const progress = (): ConsumeProgress => ({
    topic: kafka_topic,
    consumer_group,
    processed: events.length,
    skipped: skipped.length,
    ...inHand,
  });

  // The run ends (finish) on its limits or cancellation, or fails (fail) on an error worth a retry.
  let stopping = false;
  let failure: unknown;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => {
    finish = () => {
      stopping = true;
      resolve();
    };
  });
  const fail = (err: unknown) => {
    failure ??= err;
    finish();
  };

  async function skip(
    message: DeliveredMessage,
    reason: string,
    consumer: TopicConsumer,
    message_id?: string,
  ) {
    const entry: SkippedMessage = {
      partition: message.partition,
      offset: message.offset,
      reason,
      ...(message_id && { message_id }),
    };
    log.error('skipping a message of the event bus', { topic: kafka_topic, ...entry });
    await deps
      .reportSkipped?.(kafka_topic, entry)
      .catch((err) => log.warn('reporting a skipped message failed', { error: errorMessage(err) }));
    await consumer.commitDone(message.partition, message.offset);
    skipped.push(entry);
    if (events.length + skipped.length >= settings.maxEventsPerRun) finish();
  }

  async function decode(message: DeliveredMessage): Promise<OciEvent | UndecodableMessageError> {
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

  async function handle(consumer: TopicConsumer, message: DeliveredMessage): Promise<void> {
    if (stopping) return; // left unprocessed and uncommitted: the next run reads it again
    inHand = { partition: message.partition, offset: message.offset };
    const keepalive = setInterval(() => {
      message
        .heartbeat()
        .catch((err) => log.warn('Kafka group heartbeat failed', { error: errorMessage(err) }));
      deps.heartbeat(progress());
    }, KEEPALIVE_MS);
    try {
      const decoded = await decode(message);
      if (decoded instanceof UndecodableMessageError) {
        await skip(message, `undecodable after ${DECODE_ATTEMPTS} attempts: ${decoded.message}`, consumer);
        return;
      }
      const event = decoded;
      const earlier = await consumer.inFlightRecord(message.partition);
      const record =
        earlier?.message_id === event.message_id
          ? { ...earlier, dispatched: [...earlier.dispatched] }
          : { message_id: event.message_id, dispatched: [], failures: 0 };
      if (record.dispatched.length > 0) {
        log.info('event redelivered: its earlier dispatches are not repeated', {
          message_id: event.message_id,
          dispatched: record.dispatched,
        });
      }
      let outcome: EventOutcome;
      // A dispatch that could not be recorded must not be committed as done: the run fails instead.
      let recordingFailure: unknown;
      try {
        outcome = await deps.processEvent(event, {
          env: deps.env,
          log,
          workflow: deps.workflow,
          signal,
          alreadyDispatched: new Set(record.dispatched),
          onDispatched: async (image) => {
            if (!record.dispatched.includes(image)) record.dispatched.push(image);
            try {
              await consumer.recordInFlight(message.partition, message.offset, record);
            } catch (err) {
              recordingFailure ??= err;
              throw err;
            }
          },
        });
      } catch (err) {
        if (signal.aborted) return;
        record.failures += 1;
        if (record.failures >= PROCESSING_ATTEMPTS) {
          await skip(
            message,
            `processing failed ${record.failures} times: ${errorMessage(err)}`,
            consumer,
            event.message_id,
          );
          return;
        }
        await consumer.recordInFlight(message.partition, message.offset, record);
        throw err;
      }
      if (signal.aborted) return; // cancelled mid-event: not committed, processed again next run
      if (recordingFailure !== undefined) throw recordingFailure;
      await consumer.commitDone(message.partition, message.offset);
      lastOutcome = outcome;
      events.push({
        message_id: event.message_id,
        partition: message.partition,
        offset: message.offset,
        release: outcome.release,
        status: outcome.status,
        rebuilds: outcome.rebuilds,
      });
      log.info('event processed', {
        message_id: event.message_id,
        release: outcome.release,
        status: outcome.status,
      });
      if (events.length + skipped.length >= settings.maxEventsPerRun) finish();
    } catch (err) {
      // Never thrown into kafkajs (it would restart the consumer and go on): the run stops and fails.
      if (!signal.aborted) fail(err);
    } finally {
      clearInterval(keepalive);
      inHand = undefined;
      deps.heartbeat(progress());
    }
  }

  try {
    // Fails with the registry's own message ("Subject '<topic>-value' not found.") before joining the group.
    await decoder.requireValueSubject(kafka_topic);
    const consumer = (deps.openConsumer ?? openTopicConsumer)({
      settings,
      topic: kafka_topic,
      groupId: consumer_group,
      log,
      signal,
    });
    consumer.onFatalError(fail);
    const deadline = setTimeout(finish, settings.maxRunMs);
    const keepalive = setInterval(() => deps.heartbeat(progress()), KEEPALIVE_MS);
    signal.addEventListener('abort', finish, { once: true });
    try {
      deps.heartbeat(progress());
      await consumer.start((message) => handle(consumer, message));
      await finished;
    } catch (err) {
      fail(err);
    } finally {
      clearTimeout(deadline);
      clearInterval(keepalive);
      signal.removeEventListener('abort', finish);
      await consumer.disconnect();
    }
  } finally {
    decoder.close();
  }

  if (signal.aborted) {
    throw signal.reason instanceof Error ? signal.reason : new CancelledFailure('consume cancelled');
  }
  if (failure !== undefined) throw failure;
  return {
    eventbus_message: lastOutcome?.eventbus_message ?? null,
    release: lastOutcome?.release ?? null,
    status: lastOutcome?.status ?? 'Idle',
    rebuilds: lastOutcome?.rebuilds ?? [],
    events,
    skipped,
  };
}

export function mattermostReporter(env: Env, log: PipelineLogger): ConsumeDeps['reportSkipped'] {
  const { mattermost } = readPipelineSettings(env);
  if (!mattermost) return undefined;
  return async (topic, entry) => {
    const notifier = mattermostNotifier(mattermost);
    const text =
      `**Topic:** ${topic}\n**Partition:** ${entry.partition}\n**Offset:** ${entry.offset}\n` +
      (entry.message_id ? `**Message:** ${entry.message_id}\n` : '') +
      `**Skipped:** ${entry.reason}`;
    const postId = await notifier.sendMessage(
      '[OCI Factory Temporal Workflow]: consume: Skipped an event bus message',
      text,
    );
    await notifier.updateStatusAndMessage(postId, false);
    log.info('reported the skipped message on Mattermost', { postId });
  };
}

/** The activity: `consume(kafka_topic, consumer_group)`, as in the OCI Factory's Python workflows. */
export async function consume(kafka_topic: string, consumer_group: string): Promise<ConsumeResult> {
  const workflow = activityInfo().workflowExecution ?? { workflowId: 'unknown', runId: 'unknown' };
  return consumeEvents(kafka_topic, consumer_group, {
    env: process.env,
    processEvent,
    log: activityLog,
    workflow: { workflowId: workflow.workflowId, runId: workflow.runId },
    signal: cancellationSignal(),
    heartbeat: (progress) => heartbeat(progress),
    reportSkipped: mattermostReporter(process.env, activityLog),
  });
}
