// End to end on real servers: ConsumeEventsWorkflow on the Temporal dev server, the real
// `consume` activity and rebuild pipeline, a real Kafka broker (SASL_SSL SCRAM-SHA-512) and
// the HTTP stand-ins seeded with a realistic OCI Factory state.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import * as tar from 'tar';
import { parse as parseYaml } from 'yaml';
import { KafkaBroker } from '../harness/kafka';
import { startStandins, type Standins } from '../harness/standins';
import { expectedTriggers2204, seedOciFactoryScenario } from '../harness/standins/oci-factory-scenario';
import { temporalBinary } from '../harness/tools';
import type { WorkflowsManifest } from '../../scripts/package-types';
import * as activities from '../../src/activities';
import { ConsumeEventsWorkflow } from '../../src/workflows';
import { ociEvent, ociEventSchema } from './oci-events';

jest.setTimeout(240_000);

let broker: KafkaBroker;
let standins: Standins;
let temporal: TestWorkflowEnvironment;
const envBefore = { ...process.env };
const seededAt = new Date();

beforeAll(async () => {
  standins = await startStandins();
  // The worker judges end-of-life by the real clock: seed the scenario for it.
  seedOciFactoryScenario(standins, { now: seededAt });
  const { username, password } = standins.schemaRegistry;
  [broker, temporal] = await Promise.all([
    KafkaBroker.start({
      users: [
        { username: 'admin', password: 'admin-test-password' },
        { username, password },
      ],
    }),
    TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: temporalBinary() } },
    }),
  ]);
  // The activity reads its settings from the worker's environment, as from the env file.
  Object.assign(process.env, standins.env, {
    ROCKS_EVENTBUS_KAFKA_ADDRESS: broker.address,
    ROCKS_EVENTBUS_CA_FILE: broker.caFile,
    ROCKS_EVENTBUS_MAX_EVENTS_PER_RUN: '1',
    ROCKS_EVENTBUS_MAX_RUN_SECONDS: '60',
  });
});

afterAll(async () => {
  process.env = envBefore;
  await temporal?.teardown();
  await broker?.stop();
  await standins?.stop();
});

async function until(condition: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (const started = Date.now(); !(await condition());) {
    if (Date.now() - started > 150_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

test('an event on the topic: the right images are dispatched once, Mattermost is posted and patched, the offset committed', async () => {
  const topic = 'oci-releases';
  await broker.createTopic(topic);
  const schemaId = standins.schemaRegistry.register(`${topic}-value`, ociEventSchema({ withRelease: true }));
  const event = ociEvent({ release: 'ubuntu@22.04' });
  await broker.produceAvro(topic, schemaId, ociEventSchema({ withRelease: true }), [event]);

  const worker = await Worker.create({
    connection: temporal.nativeConnection,
    taskQueue: 'oci-factory',
    workflowBundle: await bundleWorkflowCode({
      workflowsPath: path.resolve(__dirname, '../../src/workflows/index.ts'),
      logger: new DefaultLogger('WARN'),
    }),
    activities,
  });
  await worker.runUntil(async () => {
    const handle = await temporal.client.workflow.start(ConsumeEventsWorkflow, {
      taskQueue: 'oci-factory',
      workflowId: 'consume-events-e2e',
      args: [topic, 'oci-factory-e2e'],
    });
    await until(
      async () => (await broker.committedOffset('oci-factory-e2e', topic)).offset === '1',
      'the commit',
    );
    // The next run is consuming again when the worker shuts down: it is cancelled cleanly.
    await handle.terminate('test done');
  });

  const dispatched = standins.github.dispatches.map((d) => d.inputs['oci-image-name']);
  expect(dispatched.sort()).toEqual(Object.keys(expectedTriggers2204(seededAt)).sort());
  for (const dispatch of standins.github.dispatches) {
    const trigger = parseYaml(Buffer.from(String(dispatch.inputs['b64-image-trigger']), 'base64').toString());
    expect(trigger).toEqual(expectedTriggers2204(seededAt)[String(dispatch.inputs['oci-image-name'])]);
  }
  const [post] = standins.mattermost.posts;
  expect(standins.mattermost.posts).toHaveLength(1);
  expect(JSON.stringify(post!.props)).toContain('**Release:** ubuntu@22.04\\n**Status:** Success');
  expect(JSON.stringify(post!.props)).toContain('#33CC33');
  expect(await broker.committedOffset('oci-factory-e2e', topic)).toEqual({ offset: '1', metadata: null });
});

test('the built package runs the same: prebuilt workflow bundle and self-contained activities bundle', async () => {
  // Under the package so that the bundle's two externals (@temporalio/activity and
  // /common) resolve to the worker's own copies, as they do in the worker.
  const workflowsRoot = path.resolve(__dirname, '../..');
  mkdirSync(path.join(workflowsRoot, '.tmp'), { recursive: true });
  const dir = mkdtempSync(path.join(workflowsRoot, '.tmp', 'workflows-package-'));
  try {
    const outFile = path.join(dir, 'oci-factory-workflows.tgz');
    const options = {
      name: 'oci-factory-workflows',
      version: '0.0.1',
      workflowsPath: path.join(workflowsRoot, 'src', 'workflows', 'index.ts'),
      activitiesPath: path.join(workflowsRoot, 'src', 'activities', 'index.ts'),
      extraFiles: [{ from: path.join(workflowsRoot, 'certs'), to: 'certs' }],
      outFile,
    };
    execFileSync(
      process.execPath,
      [path.join(workflowsRoot, 'scripts', 'build.mjs'), '--options', JSON.stringify(options)],
      {
        stdio: 'ignore',
      },
    );
    await tar.x({ file: outFile, cwd: dir });
    const root = path.join(dir, 'package');
    const manifest = JSON.parse(readFileSync(path.join(root, 'manifest.json'), 'utf8')) as WorkflowsManifest;
    expect(manifest).toMatchObject({ workflowNames: ['ConsumeEventsWorkflow'], activityNames: ['consume'] });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const packagedActivities = require(path.join(root, manifest.activities)) as typeof activities;

    const topic = 'oci-releases-packaged';
    await broker.createTopic(topic);
    const schemaId = standins.schemaRegistry.register(
      `${topic}-value`,
      ociEventSchema({ withRelease: true }),
    );
    await broker.produceAvro(topic, schemaId, ociEventSchema({ withRelease: true }), [
      ociEvent({ release: 'ubuntu@22.04' }),
    ]);
    const dispatchesBefore = standins.github.dispatches.length;

    const worker = await Worker.create({
      connection: temporal.nativeConnection,
      taskQueue: 'oci-factory-packaged',
      workflowBundle: { codePath: path.join(root, manifest.workflowBundle) },
      activities: packagedActivities,
    });
    await worker.runUntil(async () => {
      const handle = await temporal.client.workflow.start('ConsumeEventsWorkflow', {
        taskQueue: 'oci-factory-packaged',
        workflowId: 'consume-events-packaged',
        args: [topic, 'oci-factory-packaged'],
      });
      await until(
        async () => (await broker.committedOffset('oci-factory-packaged', topic)).offset === '1',
        'the commit',
      );
      await handle.terminate('test done');
    });

    const dispatched = standins.github.dispatches
      .slice(dispatchesBefore)
      .map((d) => d.inputs['oci-image-name']);
    expect(dispatched.sort()).toEqual(Object.keys(expectedTriggers2204(seededAt)).sort());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
