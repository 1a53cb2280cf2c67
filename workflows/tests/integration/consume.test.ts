// The consume activity's consumer against a real Kafka broker (KRaft, SASL_SSL SCRAM-SHA-512)
// and the schema-registry stand-in, with a stub rebuild pipeline.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KafkaBroker } from '../harness/kafka';
import { startStandins, type Standins } from '../harness/standins';
import { parseInFlightRecord } from '../../src/activities/consume/dispatch-record';
import { mattermostSkipReporter } from '../../src/activities/consume/report-skipped';
import { consumeEvents, type ConsumeDeps } from '../../src/activities/consume/run';
import type { ConsumeResult } from '../../src/activities/consume/run-tally';
import { mattermostNotifier } from '../../src/activities/mattermost';
import { readPipelineSettings } from '../../src/activities/pipeline-settings';
import type { ProcessEvent } from '../../src/activities/pipeline-types';
import { ociEvent, ociEventSchema } from './oci-events';
import { dispatchedLines, stubPipeline } from './stub-pipeline';

jest.setTimeout(180_000);

/** tsx resolves from here, as from the package. */
const WORKFLOWS_ROOT = path.resolve(__dirname, '..', '..');

let broker: KafkaBroker;
let standins: Standins;
let tmp: string;
let env: Record<string, string>;
let topicCount = 0;

const quietLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

beforeAll(async () => {
  standins = await startStandins();
  const { username, password } = standins.schemaRegistry;
  broker = await KafkaBroker.start({
    users: [
      { username: 'admin', password: 'admin-test-password' },
      { username, password },
    ],
  });
  tmp = mkdtempSync(path.join(os.tmpdir(), 'consume-it-'));
  env = {
    ...standins.env,
    ROCKS_EVENTBUS_KAFKA_ADDRESS: broker.address,
    ROCKS_EVENTBUS_CA_FILE: broker.caFile,
  };
});

afterAll(async () => {
  await broker?.stop();
  await standins?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** A fresh topic with its value schema registered; returns the topic and the schema id. */
async function freshTopic(withRelease = true): Promise<{ topic: string; schemaId: number }> {
  topicCount += 1;
  const topic = `oci-events-${topicCount}`;
  await broker.createTopic(topic);
  const schemaId = standins.schemaRegistry.register(`${topic}-value`, ociEventSchema({ withRelease }));
  return { topic, schemaId };
}

function deps(
  processEvent: ProcessEvent,
  extra: Partial<ConsumeDeps> & { envOverrides?: Record<string, string> } = {},
): ConsumeDeps {
  const { envOverrides, ...rest } = extra;
  return {
    env: { ...env, ROCKS_EVENTBUS_MAX_RUN_SECONDS: '60', ...envOverrides },
    processEvent,
    log: quietLog,
    workflow: { namespace: 'default', workflowId: 'wf', runId: 'run' },
    signal: new AbortController().signal,
    heartbeat: () => undefined,
    ...rest,
  };
}

test('one event is processed, and its offset is committed only after processing', async () => {
  const { topic, schemaId } = await freshTopic();
  const event = ociEvent({ release: 'ubuntu@22.04' });
  await broker.produceAvro(topic, schemaId, ociEventSchema({ withRelease: true }), [event]);
  const committedWhileProcessing: string[] = [];
  const dispatchLog = path.join(tmp, 'one-event.log');
  const pipeline = stubPipeline({ images: ['img-a'], dispatchLog });

  const result = await consumeEvents(
    topic,
    'group-one',
    deps(
      async (e, ctx) => {
        committedWhileProcessing.push((await broker.committedOffset('group-one', topic)).offset);
        return pipeline(e, ctx);
      },
      { envOverrides: { ROCKS_EVENTBUS_MAX_EVENTS_PER_RUN: '1' } },
    ),
  );

  expect(result.eventbus_message).toMatchObject({ message_id: event.message_id, release: 'ubuntu@22.04' });
  expect(result.status).toBe('Success');
  expect(result.events).toEqual([expect.objectContaining({ message_id: event.message_id, offset: '0' })]);
  expect(committedWhileProcessing).toEqual(['-1']);
  expect(await broker.committedOffset('group-one', topic)).toEqual({ offset: '1', metadata: null });
  expect(dispatchedLines(dispatchLog)).toEqual([`${event.message_id} img-a`]);
});

test("a topic without a value schema fails with the registry's message", async () => {
  await broker.createTopic('no-schema-topic');
  const processEvent = jest.fn<ReturnType<ProcessEvent>, Parameters<ProcessEvent>>();

  await expect(consumeEvents('no-schema-topic', 'group-no-schema', deps(processEvent))).rejects.toThrow(
    "Subject 'no-schema-topic-value' not found.",
  );
  expect(processEvent).not.toHaveBeenCalled();
});

test('an undecodable message is reported and skipped, and the next one is processed', async () => {
  const { topic, schemaId } = await freshTopic();
  const good = ociEvent({ release: 'ubuntu@24.04' });
  await broker.produceRaw(topic, [Buffer.from('{"not": "avro"}')]);
  await broker.produceAvro(topic, schemaId, ociEventSchema({ withRelease: true }), [good]);
  const mattermostPostsBefore = standins.mattermost.requests.filter((r) => r.method === 'POST').length;

  const result = await consumeEvents(
    topic,
    'group-undecodable',
    deps(stubPipeline({ images: [], dispatchLog: path.join(tmp, 'undecodable.log') }), {
      envOverrides: { ROCKS_EVENTBUS_MAX_EVENTS_PER_RUN: '2' },
      reportSkipped: mattermostSkipReporter(
        mattermostNotifier(readPipelineSettings(env).mattermost!),
        quietLog,
      ),
    }),
  );

  expect(result.skipped).toEqual([
    expect.objectContaining({ partition: 0, offset: '0', reason: expect.stringContaining('magic byte 0') }),
  ]);
  expect(result.events.map((e) => e.message_id)).toEqual([good.message_id]);
  const posts = standins.mattermost.requests.filter((r) => r.method === 'POST').slice(mattermostPostsBefore);
  expect(posts).toHaveLength(1);
  expect(posts[0]!.body).toContain('Skipped an event bus message');
  expect(posts[0]!.body).toContain('magic byte 0');
  expect((await broker.committedOffset('group-undecodable', topic)).offset).toBe('2');
});

test('an event written with the schema without `release` decodes with its own writer schema', async () => {
  const { topic, schemaId } = await freshTopic(false);
  const event = ociEvent();
  await broker.produceAvro(topic, schemaId, ociEventSchema({ withRelease: false }), [event]);
  const seen: unknown[] = [];

  await consumeEvents(
    topic,
    'group-no-release',
    deps(
      async (e) => {
        seen.push(e);
        return { eventbus_message: e, release: null, status: 'Skipped', rebuilds: [] };
      },
      { envOverrides: { ROCKS_EVENTBUS_MAX_EVENTS_PER_RUN: '1' } },
    ),
  );

  expect(seen).toEqual([event]);
});

test('a worker killed mid-message: the event is processed again, each image dispatched once', async () => {
  const { topic, schemaId } = await freshTopic();
  const event = ociEvent({ release: 'ubuntu@22.04' });
  await broker.produceAvro(topic, schemaId, ociEventSchema({ withRelease: true }), [event]);
  const dispatchLog = path.join(tmp, 'killed.log');
  const marker = path.join(tmp, 'killed.marker');

  const child = spawn(
    process.execPath,
    [
      // tsx as a loader, not its CLI: the CLI runs the script in a grandchild SIGKILL would miss
      '--import',
      'tsx',
      path.join(__dirname, 'consume-child.ts'),
      topic,
      'group-killed',
    ],
    {
      cwd: WORKFLOWS_ROOT,
      env: { ...process.env, ...env, DISPATCH_LOG: dispatchLog, CHILD_MARKER: marker },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let childStderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (childStderr += chunk.toString()));
  const childExited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    for (let waited = 0; !existsSync(marker); waited += 200) {
      if (waited > 90_000 || child.exitCode !== null)
        throw new Error(`the worker process never dispatched:\n${childStderr}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    child.kill('SIGKILL');
    await childExited;
  }
  expect(dispatchedLines(dispatchLog)).toEqual([`${event.message_id} img-a`]);
  const afterKill = await broker.committedOffset('group-killed', topic);
  expect(afterKill.offset).toBe('0');
  expect(parseInFlightRecord(afterKill.metadata)).toEqual({
    message_id: event.message_id,
    doneThrough: 'img-a',
    failures: 0,
  });

  // The dead member's session expires before the group hands the partition to the new one.
  const doneThrough: (string | undefined)[] = [];
  const pipeline = stubPipeline({ images: ['img-a', 'img-b'], dispatchLog });
  const result = await consumeEvents(
    topic,
    'group-killed',
    deps(
      (e, ctx) => {
        doneThrough.push(ctx.doneThrough);
        return pipeline(e, ctx);
      },
      { envOverrides: { ROCKS_EVENTBUS_MAX_EVENTS_PER_RUN: '1', ROCKS_EVENTBUS_MAX_RUN_SECONDS: '120' } },
    ),
  );

  expect(doneThrough).toEqual(['img-a']);
  expect(result.events.map((e) => e.message_id)).toEqual([event.message_id]);
  expect(dispatchedLines(dispatchLog).sort()).toEqual([
    `${event.message_id} img-a`,
    `${event.message_id} img-b`,
  ]);
  expect((await broker.committedOffset('group-killed', topic)).offset).toBe('1');
});

test('consumption resumes after the broker restarts', async () => {
  const { topic, schemaId } = await freshTopic();
  const schema = ociEventSchema({ withRelease: true });
  const [first, second] = [ociEvent({ release: 'ubuntu@22.04' }), ociEvent({ release: 'ubuntu@24.04' })];
  await broker.produceAvro(topic, schemaId, schema, [first]);
  let sawFirst!: () => void;
  const firstProcessed = new Promise<void>((resolve) => (sawFirst = resolve));

  const run: Promise<ConsumeResult> = consumeEvents(
    topic,
    'group-restart',
    deps(
      async (e) => {
        if (e.message_id === first.message_id) sawFirst();
        return { eventbus_message: e, release: e.release ?? null, status: 'Success', rebuilds: [] };
      },
      { envOverrides: { ROCKS_EVENTBUS_MAX_EVENTS_PER_RUN: '2', ROCKS_EVENTBUS_MAX_RUN_SECONDS: '150' } },
    ),
  );
  await firstProcessed;
  await broker.restart();
  await broker.produceAvro(topic, schemaId, schema, [second]);

  const result = await run;
  expect(result.events.map((e) => e.message_id)).toEqual([first.message_id, second.message_id]);
  expect((await broker.committedOffset('group-restart', topic)).offset).toBe('2');
});
