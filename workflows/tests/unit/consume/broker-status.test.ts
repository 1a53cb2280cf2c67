// The event bus as the service `kafka` the worker shows: what the consume activity's kafkajs
// consumer reports of the broker, with kafkajs replaced by an in-memory client.
import { logLevel, type Admin, type Consumer, type KafkaConfig } from 'kafkajs';
import { readEventbusSettings } from '../../../src/activities/consume/eventbus-settings';
import { openTopicConsumer, type TopicConsumer } from '../../../src/activities/consume/kafka-consumer';
import { recordServiceStatus, type ServiceStatusRecorder } from '../../harness/service-status';

const REFUSED = 'Connection error: connect ECONNREFUSED 127.0.0.1:9093';
const settings = readEventbusSettings({
  ROCKS_EVENTBUS_USERNAME: 'rocks',
  ROCKS_EVENTBUS_PASSWORD: 's3cret-eventbus-password',
  ROCKS_EVENTBUS_CA: '-----BEGIN CERTIFICATE-----\nunit-test\n-----END CERTIFICATE-----',
  ROCKS_EVENTBUS_KAFKA_ADDRESS: '127.0.0.1:9093',
});

/** The kafkajs consumer's surface the activity uses: its events, connection and commits. */
class FakeKafkaConsumer {
  readonly events = {
    CRASH: 'consumer.crash',
    GROUP_JOIN: 'consumer.group_join',
    FETCH: 'consumer.fetch',
    START_BATCH_PROCESS: 'consumer.start_batch_process',
  };
  connectFailure: Error | undefined;
  readonly commitFailures: Error[] = [];
  private readonly listeners = new Map<string, ((event: unknown) => void)[]>();

  on(name: string, listener: (event: unknown) => void): () => void {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener]);
    return () => undefined;
  }

  emit(name: string, payload: unknown): void {
    for (const listener of this.listeners.get(name) ?? [])
      listener({ id: 1, type: name, timestamp: 0, payload });
  }

  async connect(): Promise<void> {
    if (this.connectFailure) throw this.connectFailure;
  }
  async subscribe(): Promise<void> {}
  async run(): Promise<void> {}
  async commitOffsets(): Promise<void> {
    const failure = this.commitFailures.shift();
    if (failure) throw failure;
  }
  async disconnect(): Promise<void> {}
}

let recorder: ServiceStatusRecorder;
let kafka: FakeKafkaConsumer;
let config: KafkaConfig;
let consumer: TopicConsumer;

beforeEach(() => {
  recorder = recordServiceStatus();
  kafka = new FakeKafkaConsumer();
  const admin = { connect: async () => undefined, disconnect: async () => undefined };
  consumer = openTopicConsumer({
    settings,
    topic: 't',
    groupId: 'g',
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    createKafka: (given) => {
      config = given;
      return { consumer: () => kafka as unknown as Consumer, admin: () => admin as unknown as Admin };
    },
  });
});

afterEach(() => recorder.stop());

test('a failed connection kafkajs logs (and retries) is a kafka problem; its other errors are not', () => {
  const logEntry = config.logCreator!(logLevel.WARN);
  const entry = (namespace: string, level: logLevel, message: string) =>
    logEntry({ namespace, level, label: 'ERROR', log: { message, timestamp: 't' } });

  entry('Connection', logLevel.ERROR, REFUSED);
  entry('Connection', logLevel.ERROR, 'Connection timeout');
  // The broker answered: a rebalance, not an outage.
  entry('Connection', logLevel.ERROR, 'Response Heartbeat(key: 12, version: 3)');
  entry('Consumer', logLevel.WARN, 'The group is rebalancing, re-joining');

  expect(recorder.of('kafka')).toEqual([
    { service: 'kafka', problem: REFUSED },
    { service: 'kafka', problem: 'Connection timeout' },
  ]);
});

test('a crash of the consumer is a kafka problem; joining the group and each fetch say it works', () => {
  kafka.emit(kafka.events.CRASH, { error: new Error(REFUSED), groupId: 'g', restart: true });
  kafka.emit(kafka.events.GROUP_JOIN, { groupId: 'g' });
  kafka.emit(kafka.events.FETCH, { numberOfBatches: 0, duration: 1 });

  expect(recorder.of('kafka')).toEqual([
    { service: 'kafka', problem: REFUSED },
    { service: 'kafka' },
    { service: 'kafka' },
  ]);
});

test('a failed connection at the start is a kafka problem', async () => {
  kafka.connectFailure = new Error(REFUSED);

  await expect(consumer.start(async () => undefined)).rejects.toThrow(REFUSED);

  expect(recorder.of('kafka')).toEqual([{ service: 'kafka', problem: REFUSED }]);
});

test('a commit retried after a broker failure is a kafka problem until committed; a rebalance is none', async () => {
  // The broker answered: a rebalance took the partition, the next run rejoins.
  kafka.commitFailures.push(
    Object.assign(new Error('The coordinator is not aware of this member'), { type: 'UNKNOWN_MEMBER_ID' }),
  );
  await expect(consumer.commitDone(0, '4')).rejects.toThrow('committing offset 5 of t/0 failed');
  kafka.commitFailures.push(new Error(REFUSED));

  await consumer.commitDone(0, '4');

  expect(recorder.of('kafka')).toEqual([{ service: 'kafka', problem: REFUSED }, { service: 'kafka' }]);
});
