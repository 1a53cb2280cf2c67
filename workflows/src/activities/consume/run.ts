// One run of the consume activity: stays in the consumer group and hands each message received
// to handleMessage, one after the other, until it has handled (processed or skipped)
// ROCKS_EVENTBUS_MAX_EVENTS_PER_RUN messages or ROCKS_EVENTBUS_MAX_RUN_SECONDS have passed
// (the event in hand is finished), or it is cancelled, or a step fails.
import { CancelledFailure } from '@temporalio/common';
import { errorMessage } from '../error-message';
import { declareTopic } from '../metrics';
import { callOutside } from '../outside-call';
import type { PipelineLogger, ProcessEvent, WorkflowRun } from '../pipeline-types';
import { createEventDecoder, type EventDecoder } from './event-decoder';
import { readEventbusSettings, type Env, type EventbusSettings } from './eventbus-settings';
import { handleMessage, type MessageSteps, type ReportSkipped } from './handle-message';
import {
  openTopicConsumer,
  type DeliveredMessage,
  type TopicConsumer,
  type TopicConsumerOptions,
} from './kafka-consumer';
import { RunTally, type ConsumeProgress, type ConsumeResult } from './run-tally';

const KEEPALIVE_MS = 2_000;

export interface ConsumeDeps {
  env: Env;
  processEvent: ProcessEvent;
  log: PipelineLogger;
  workflow: WorkflowRun;
  /** Aborted when the activity is cancelled (worker shutdown). */
  signal: AbortSignal;
  /** Temporal heartbeat, with progress details (never a secret). */
  heartbeat(progress: ConsumeProgress): void;
  reportSkipped?: ReportSkipped;
  /** Seams for unit tests. */
  openConsumer?(options: TopicConsumerOptions): TopicConsumer;
  createDecoder?(settings: EventbusSettings): EventDecoder;
}

/** How a run ends: it finishes (limits reached, cancelled) or fails with the first error worth a retry. */
class RunEnd {
  stopping = false;
  failure: unknown;
  readonly reached: Promise<void>;
  readonly finish: () => void;

  constructor() {
    let resolve!: () => void;
    this.reached = new Promise<void>((r) => (resolve = r));
    this.finish = () => {
      this.stopping = true;
      resolve();
    };
  }

  fail(error: unknown): void {
    this.failure ??= error;
    this.finish();
  }
}

export async function consumeEvents(
  kafka_topic: string,
  consumer_group: string,
  deps: ConsumeDeps,
): Promise<ConsumeResult> {
  const { log, signal } = deps;
  // Fails at once, naming the variable, without the event bus CA (the package ships a placeholder).
  const settings = readEventbusSettings(deps.env);
  const decoder = (deps.createDecoder ?? createEventDecoder)(settings);
  const tally = new RunTally(kafka_topic, consumer_group);
  declareTopic(kafka_topic);
  const end = new RunEnd();

  try {
    // Fails with the registry's own message ("Subject '<topic>-value' not found.") before joining the group.
    // Retried like a message's decoding while the registry fails transiently.
    await callOutside(
      'schema-registry',
      `subject of ${kafka_topic}`,
      { timeoutMs: settings.registryTimeoutMs + 1_000, retryBudgetMs: settings.retryBudgetMs, signal },
      () => decoder.requireValueSubject(kafka_topic),
    );
    const consumer = (deps.openConsumer ?? openTopicConsumer)({
      settings,
      topic: kafka_topic,
      groupId: consumer_group,
      log,
      signal,
    });
    const steps: MessageSteps = {
      ...deps,
      topic: kafka_topic,
      consumer,
      decoder,
      settings,
      eventDeadlineMs: settings.eventDeadlineMs,
      progress: (progress) => {
        tally.eventProgress = progress;
      },
    };

    const receive = async (message: DeliveredMessage): Promise<void> => {
      if (end.stopping) return; // left unprocessed and uncommitted: the next run reads it again
      tally.inHand = message;
      try {
        tally.add(await handleMessage(message, steps));
        if (tally.handled >= settings.maxEventsPerRun) end.finish();
      } catch (err) {
        // Never thrown into kafkajs (it would restart the consumer and go on): the run stops and fails.
        if (!signal.aborted) end.fail(err);
      } finally {
        tally.inHand = undefined;
        tally.eventProgress = undefined;
        deps.heartbeat(tally.progress());
      }
    };

    consumer.onFatalError((error) => end.fail(error));
    const deadline = setTimeout(end.finish, settings.maxRunMs);
    // Temporal's heartbeat, and the group's while a message is in hand.
    const keepalive = setInterval(() => {
      tally.inHand
        ?.heartbeat()
        .catch((err) => log.warn('Kafka group heartbeat failed', { error: errorMessage(err) }));
      deps.heartbeat(tally.progress());
    }, KEEPALIVE_MS);
    signal.addEventListener('abort', end.finish, { once: true });
    try {
      deps.heartbeat(tally.progress());
      await consumer.start(receive);
      await end.reached;
    } catch (err) {
      end.fail(err);
    } finally {
      clearTimeout(deadline);
      clearInterval(keepalive);
      signal.removeEventListener('abort', end.finish);
      await consumer.disconnect();
    }
  } finally {
    decoder.close();
  }

  if (signal.aborted) {
    throw signal.reason instanceof Error ? signal.reason : new CancelledFailure('consume cancelled');
  }
  if (end.failure !== undefined) throw end.failure;
  return tally.result();
}
