// The event bus consumer: one kafkajs group member that stays in its group for a whole
// activity run, hands over one message at a time and commits by hand.
//
// Where the "already dispatched" record lives: in the consumer group's committed offset of the
// partition. While a message is in flight, each dispatch is recorded by committing the
// message's *own* offset (so it is still redelivered) with metadata naming the message_id and
// the last image dispatched (dispatch-record.ts); when the message is done, offset + 1 is committed and the
// record cleared. A commit is acknowledged by the group coordinator before the pipeline goes
// on, so the record is durable at once (heartbeat details are throttled and may be lost with
// the worker), and it sits exactly where any restarted worker, activity attempt or workflow
// run of the group starts reading that partition (workflow state would need the activity to
// report back before it dies). Kafka limits the metadata to offset.metadata.max.bytes (4096 by
// default): about a hundred image names.
import { Kafka, logLevel, type Admin, type Consumer, type KafkaConfig, type LogEntry } from 'kafkajs';
import { errorMessage } from '../error-message';
import type { PipelineLogger } from '../pipeline-types';
import { reportServiceProblem, reportServiceWorking } from '../service-status';
import { KAFKA_SERVICE, reportBrokerLog, watchBroker } from './broker-status';
import {
  encodeInFlightRecord,
  parseInFlightRecord,
  type InFlightRecord,
  type InFlightRecordStore,
} from './dispatch-record';
import type { EventbusSettings } from './eventbus-settings';
import { recordConsumerLag } from '../metrics';
import { ignoreKafkajsNegativeTimeouts } from './kafkajs-warning';

export interface DeliveredMessage {
  topic: string;
  partition: number;
  offset: string;
  value: Buffer | null;
  /** Keeps the group membership alive during long processing. */
  heartbeat(): Promise<void>;
}

export interface TopicConsumer extends InFlightRecordStore {
  /** Joins the group and hands messages to `handle` one at a time; resolves once running. */
  start(handle: (message: DeliveredMessage) => Promise<void>): Promise<void>;
  /** The message is fully processed: commits offset + 1, clearing the record. */
  commitDone(partition: number, offset: string): Promise<void>;
  /** Called when kafkajs gives up on the consumer (a crash it does not restart from). */
  onFatalError(listener: (error: Error) => void): void;
  /** Stops fetching (waits for the message in hand), leaves the group, closes connections. */
  disconnect(): Promise<void>;
}

const COMMIT_ATTEMPTS = 8;
/** Errors after which this member no longer owns the partition: retrying the commit cannot help. */
const LOST_PARTITION_ERRORS = new Set(['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'REBALANCE_IN_PROGRESS']);

/** kafkajs settings for the event bus: SASL_SSL with SCRAM-SHA-512 and the event bus CA. */
export function kafkaClientConfig(
  settings: EventbusSettings,
  log: PipelineLogger,
  clientId: string,
): KafkaConfig {
  return {
    clientId,
    brokers: settings.kafkaBrokers,
    ssl: { ca: [settings.caPem] },
    sasl: { mechanism: 'scram-sha-512', username: settings.username, password: settings.password },
    connectionTimeout: 10_000,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log: entry }: LogEntry) => {
        const { message, ...fields } = entry;
        const line = `kafkajs ${namespace}: ${message}`;
        if (level === logLevel.ERROR) log.error(line, fields);
        else log.warn(line, fields);
        reportBrokerLog(namespace, level, message);
      },
  };
}

function errorType(err: unknown): string | undefined {
  const type = (err as { type?: unknown }).type;
  return typeof type === 'string' ? type : undefined;
}

export interface TopicConsumerOptions {
  settings: EventbusSettings;
  topic: string;
  groupId: string;
  log: PipelineLogger;
  signal?: AbortSignal;
  /** Seam for unit tests: the kafkajs client. */
  createKafka?(config: KafkaConfig): Pick<Kafka, 'consumer' | 'admin'>;
}

export function openTopicConsumer({
  settings,
  topic,
  groupId,
  log,
  signal,
  createKafka = (config) => new Kafka(config),
}: TopicConsumerOptions): TopicConsumer {
  ignoreKafkajsNegativeTimeouts();
  const kafka = createKafka(kafkaClientConfig(settings, log, `oci-factory-workflows-${groupId}`));
  const consumer: Consumer = kafka.consumer({
    groupId,
    // A member that dies (worker killed) is expelled after 10 s; the run heartbeats every 2 s meanwhile.
    sessionTimeout: 10_000,
    // How long a rebalance waits for a live member busy with an event to rejoin.
    rebalanceTimeout: 60_000,
    heartbeatInterval: 3_000,
    maxWaitTimeInMs: 1_000,
    allowAutoTopicCreation: false,
  });
  const admin: Admin = kafka.admin();
  const records = new Map<number, InFlightRecord | undefined>();
  const fatalListeners: ((error: Error) => void)[] = [];

  // A new generation may hand us partitions another member was working on: read their records again.
  consumer.on(consumer.events.GROUP_JOIN, () => records.clear());
  // The lag: messages of the partition from the next one to handle to its end.
  const highWatermarks = new Map<number, bigint>();
  consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
    highWatermarks.set(payload.partition, BigInt(payload.highWatermark));
    recordConsumerLag(
      topic,
      payload.partition,
      Number(BigInt(payload.highWatermark) - BigInt(payload.firstOffset)),
    );
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) for (const listener of fatalListeners) listener(payload.error);
  });
  watchBroker(consumer);

  async function commit(partition: number, offset: string, metadata: string | null): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await consumer.commitOffsets([{ topic, partition, offset, metadata }]);
        reportServiceWorking(KAFKA_SERVICE);
        return;
      } catch (err) {
        const type = errorType(err);
        const lostPartition = type !== undefined && LOST_PARTITION_ERRORS.has(type);
        // A rebalance took the partition: the broker answered, and the next run rejoins.
        if (!lostPartition && !signal?.aborted) reportServiceProblem(KAFKA_SERVICE, errorMessage(err));
        if (attempt >= COMMIT_ATTEMPTS || signal?.aborted || lostPartition) {
          throw new Error(
            `committing offset ${offset} of ${topic}/${partition} failed: ${(err as Error).message}`,
            {
              cause: err,
            },
          );
        }
        log.warn('offset commit failed, retrying', {
          topic,
          partition,
          offset,
          attempt,
          error: (err as Error).message,
        });
        await new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** (attempt - 1), 5_000)));
      }
    }
  }

  return {
    async start(handle) {
      try {
        await Promise.all([consumer.connect(), admin.connect()]);
      } catch (err) {
        if (!signal?.aborted) reportServiceProblem(KAFKA_SERVICE, errorMessage(err));
        throw err;
      }
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: ({ topic: from, partition, message, heartbeat }) =>
          handle({ topic: from, partition, offset: message.offset, value: message.value, heartbeat }),
      });
    },

    async inFlightRecord(partition) {
      if (!records.has(partition)) {
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        const entry = committed?.partitions.find((p) => p.partition === partition);
        records.set(partition, parseInFlightRecord(entry?.metadata));
      }
      return records.get(partition);
    },

    async recordInFlight(partition, offset, record) {
      await commit(partition, offset, encodeInFlightRecord(record));
      records.set(partition, { ...record });
    },

    async commitDone(partition, offset) {
      const next = BigInt(offset) + 1n;
      await commit(partition, next.toString(), null);
      records.set(partition, undefined);
      const end = highWatermarks.get(partition);
      if (end !== undefined) recordConsumerLag(topic, partition, Number(end - next));
    },

    onFatalError(listener) {
      fatalListeners.push(listener);
    },

    async disconnect() {
      await Promise.allSettled([consumer.disconnect(), admin.disconnect()]);
    },
  };
}
