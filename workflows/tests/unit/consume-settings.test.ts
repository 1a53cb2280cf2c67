// The event bus settings and the Kafka client configuration the consume activity builds from them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DEFAULT_KAFKA_ADDRESS,
  DEFAULT_KARAPACE_URL,
  readEventbusSettings,
} from '../../src/activities/consume/eventbus-settings';
import { encodeInFlightRecord, parseInFlightRecord } from '../../src/activities/consume/dispatch-record';
import { kafkaClientConfig } from '../../src/activities/consume/kafka-consumer';

const credentials = { ROCKS_EVENTBUS_USERNAME: 'rocks', ROCKS_EVENTBUS_PASSWORD: 'pw-not-logged' };
const log = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };

const CA_PEM = '-----BEGIN CERTIFICATE-----\nreal\n-----END CERTIFICATE-----';

test('defaults are the production event bus', () => {
  const settings = readEventbusSettings({ ...credentials, ROCKS_EVENTBUS_CA: CA_PEM });

  expect(settings.kafkaBrokers).toEqual([DEFAULT_KAFKA_ADDRESS]);
  expect(DEFAULT_KAFKA_ADDRESS).toBe('kafka.staging.cs.canonical.com:9094');
  expect(settings.karapaceUrl).toBe(DEFAULT_KARAPACE_URL);
  expect(DEFAULT_KARAPACE_URL).toBe('https://karapace.staging.cs.canonical.com');
  expect(settings).toMatchObject({ maxEventsPerRun: 100, maxRunMs: 600_000 });
});

test('the event bus CA comes from the env file as PEM (ROCKS_EVENTBUS_CA), before a file', () => {
  const settings = readEventbusSettings({
    ...credentials,
    ROCKS_EVENTBUS_CA: `${CA_PEM}\n`,
    ROCKS_EVENTBUS_CA_FILE: '/nonexistent/ca.pem',
  });
  expect(settings).toMatchObject({ caPem: `${CA_PEM}\n`, caFile: 'ROCKS_EVENTBUS_CA' });
  expect(() => readEventbusSettings({ ...credentials, ROCKS_EVENTBUS_CA: '/srv/ca.pem' })).toThrow(
    /^ROCKS_EVENTBUS_CA must hold the event bus CA in PEM/,
  );
});

test('with only the placeholder CA the package ships, it fails at once naming ROCKS_EVENTBUS_CA', () => {
  expect(() => readEventbusSettings(credentials)).toThrow(
    /^the event bus CA is not set: put its PEM in the env file as ROCKS_EVENTBUS_CA=/,
  );
});

test('every setting can be overridden from the env file', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'eventbus-ca-'));
  try {
    const caFile = path.join(dir, 'ca.pem');
    writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nreal\n-----END CERTIFICATE-----\n');
    const settings = readEventbusSettings({
      ...credentials,
      ROCKS_EVENTBUS_KAFKA_ADDRESS: ' 127.0.0.1:9093, 127.0.0.1:9094 ',
      ROCKS_EVENTBUS_KARAPACE_URL: 'http://127.0.0.1:8081/',
      ROCKS_EVENTBUS_CA_FILE: caFile,
      ROCKS_EVENTBUS_MAX_EVENTS_PER_RUN: '5',
      ROCKS_EVENTBUS_MAX_RUN_SECONDS: '30',
    });

    expect(settings).toMatchObject({
      kafkaBrokers: ['127.0.0.1:9093', '127.0.0.1:9094'],
      karapaceUrl: 'http://127.0.0.1:8081',
      caFile,
      maxEventsPerRun: 5,
      maxRunMs: 30_000,
    });
    expect(settings.caPem).toContain('real');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('missing credentials and unreadable CA files fail naming the variable, never a value', () => {
  expect(() => readEventbusSettings({ ROCKS_EVENTBUS_PASSWORD: 'pw-not-logged' })).toThrow(
    'ROCKS_EVENTBUS_USERNAME is not set',
  );
  expect(() => readEventbusSettings({ ROCKS_EVENTBUS_USERNAME: 'rocks' })).toThrow(
    'ROCKS_EVENTBUS_PASSWORD is not set',
  );
  expect(() =>
    readEventbusSettings({ ...credentials, ROCKS_EVENTBUS_CA_FILE: '/nonexistent/ca.pem' }),
  ).toThrow(/ROCKS_EVENTBUS_CA_FILE/);
  expect(() =>
    readEventbusSettings({
      ...credentials,
      ROCKS_EVENTBUS_CA: CA_PEM,
      ROCKS_EVENTBUS_MAX_RUN_SECONDS: 'soon',
    }),
  ).toThrow("ROCKS_EVENTBUS_MAX_RUN_SECONDS must be a positive number, not 'soon'");
});

test('the Kafka client uses SASL_SSL with SCRAM-SHA-512, the event bus CA and the brokers', () => {
  const settings = readEventbusSettings({
    ...credentials,
    ROCKS_EVENTBUS_CA: CA_PEM,
    ROCKS_EVENTBUS_KAFKA_ADDRESS: 'a:1,b:2',
  });

  const config = kafkaClientConfig(settings, log, 'client');

  expect(config.brokers).toEqual(['a:1', 'b:2']);
  expect(config.ssl).toEqual({ ca: [settings.caPem] });
  expect(config.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'rocks', password: 'pw-not-logged' });
});

test('kafkajs logs go to the activity log', () => {
  const config = kafkaClientConfig(
    readEventbusSettings({ ...credentials, ROCKS_EVENTBUS_CA: CA_PEM }),
    log,
    'client',
  );
  const logEntry = config.logCreator!(0);

  logEntry({
    namespace: 'Consumer',
    level: 1,
    label: 'ERROR',
    log: { message: 'Crash', timestamp: 't', groupId: 'g' },
  });

  expect(log.error).toHaveBeenCalledWith('kafkajs Consumer: Crash', { timestamp: 't', groupId: 'g' });
});

test('the dispatch record round-trips through the offset metadata, and anything else reads as none', () => {
  const record = { message_id: 'm', doneThrough: 'kafka', postId: 'x9k3bq7n1pgdfm4w8rj6ty2zhe', failures: 1 };

  expect(parseInFlightRecord(encodeInFlightRecord(record))).toEqual(record);
  // A record of the earlier format (every name dispatched) still reads: the last name is done-through.
  expect(
    parseInFlightRecord(
      '{"oci-factory-in-flight":{"message_id":"m","dispatched":["kafka","grafana"],"failures":1}}',
    ),
  ).toEqual({ message_id: 'm', doneThrough: 'kafka', failures: 1 });
  expect(encodeInFlightRecord(record).length).toBeLessThan(4096);
  expect(parseInFlightRecord(null)).toBeUndefined();
  expect(parseInFlightRecord('')).toBeUndefined();
  expect(parseInFlightRecord('written by another consumer')).toBeUndefined();
  expect(parseInFlightRecord('{"other": 1}')).toBeUndefined();
});
