import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { EncryptionCodec } from '../../src/temporal/codec';
import { freePort } from '../../workflows/tests/harness/ports';
import { TemporalDevServer } from '../harness/temporal';
import { WorkerProcess, copyWorkerRuntime, sampleWorkflowsPackage } from '../harness/worker-process';

jest.setTimeout(180_000); // jest.config.js's per-project testTimeout is not applied by Jest 30

const KEY = 'HLCeMJLLiyLrUOukdThNgRfyraIXZk918rtp5VX/uwI=';
const EventType = temporal.api.enums.v1.EventType;

let server: TemporalDevServer;
let client: Client;
let runtime: string;
let workflows: string;
let scratch: string;
const workers: WorkerProcess[] = [];
let queueCounter = 0;

beforeAll(async () => {
  workflows = sampleWorkflowsPackage();
  runtime = copyWorkerRuntime();
  scratch = mkdtempSync(path.join(os.tmpdir(), 'worker-run-'));
  server = await TemporalDevServer.start();
  client = await server.client();
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.dispose()));
});

afterAll(async () => {
  await server?.shutdown();
  rmSync(runtime, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

async function startWorker(env: Record<string, string | undefined> = {}) {
  const queue = `queue-${++queueCounter}`;
  const worker = await WorkerProcess.start(runtime, {
    TWC_HOST: server.address,
    TWC_QUEUE: queue,
    TWC_WORKFLOWS_DIR: workflows,
    ...env,
  });
  workers.push(worker);
  return { worker, queue };
}

async function historyEvents(workflowId: string) {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return history.events ?? [];
}

async function waitForWorkflowTaskFailure(worker: WorkerProcess, workflowId: string) {
  return worker.waitFor(async () => {
    const events = await historyEvents(workflowId);
    return events.find((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
  }, `a failed workflow task in ${workflowId}`);
}

describe('the worker process against a real Temporal server', () => {
  it('connects, reports up and runs workflows and activities from the package end to end', async () => {
    const metricsPort = await freePort();
    const { worker, queue } = await startWorker({
      TWC_PROMETHEUS_PORT: String(metricsPort),
      TWC_PROMETHEUS_BIND_ADDRESS: '127.0.0.1',
      TWC_LOG_LEVEL: 'debug',
    });

    const health = await worker.waitForHealth('up');
    expect(health.code).toBe(200);
    expect(worker.status()).toMatchObject({
      state: 'up',
      message: `worker listening to namespace 'default' on queue '${queue}'`,
      queue,
      pid: worker.pid,
    });

    const greeting = await client.workflow.execute('GreetingWorkflow', {
      taskQueue: queue,
      workflowId: `greet-${queue}`,
      args: ['Juju'],
    });
    expect(greeting).toBe('Hello, Juju!');
    // The activity calls heartbeat() and Context.current() of the worker's own @temporalio/activity.
    const beats = await client.workflow.execute('HeartbeatWorkflow', {
      taskQueue: queue,
      workflowId: `beats-${queue}`,
      args: [3],
    });
    expect(beats).toEqual({ beats: 3, activityType: 'heartbeatAndReport' });

    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toContain('temporal_activity_execution_latency');
    const records = worker.records();
    expect(records.some((r) => r.sdkComponent === 'core')).toBe(true); // Rust core logs forwarded to pino
    expect(records.every((r) => typeof r.level === 'number' && typeof r.msg === 'string')).toBe(true);
  });

  it("maps a workflow's stack trace to the package's source files through the bundle's source map", async () => {
    const { worker, queue } = await startWorker();
    await worker.waitForHealth('up');
    const failure: unknown = await client.workflow
      .execute('FailingWorkflow', { taskQueue: queue, workflowId: `fail-${queue}`, args: ['mapped'] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const stack = (failure as WorkflowFailedError).cause?.stack ?? '';
    expect(stack).toMatch(/^ApplicationFailure: mapped/);
    expect(stack).toMatch(/sample-workflows\/workflows\.ts:\d+:\d+/);
    expect(stack).not.toContain('workflow-bundle');
  });

  it('encrypts every payload like temporal-lib-py when encryption-key is in the secrets file', async () => {
    const secretsFile = path.join(scratch, 'secrets.json');
    writeFileSync(secretsFile, JSON.stringify({ TWC_ENCRYPTION_KEY: KEY }), { mode: 0o600 });
    const { worker, queue } = await startWorker({ TWC_SECRETS_FILE: secretsFile });
    await worker.waitForHealth('up');

    const encryptingClient = new Client({
      connection: client.connection,
      dataConverter: { payloadCodecs: [new EncryptionCodec(Buffer.from(KEY, 'base64'))] },
    });
    const workflowId = `encrypted-${queue}`;
    const input = { kafka_topic: 'rocks', consumer_group: 'oci-factory', note: 'secret stuff' };
    const result = await encryptingClient.workflow.execute('EchoWorkflow', {
      taskQueue: queue,
      workflowId,
      args: [input],
    });
    expect(result).toEqual(input);

    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const payloads: temporal.api.common.v1.IPayload[] = [];
    for (const event of history.events ?? []) {
      payloads.push(...(event.workflowExecutionStartedEventAttributes?.input?.payloads ?? []));
      payloads.push(...(event.workflowExecutionCompletedEventAttributes?.result?.payloads ?? []));
    }
    expect(payloads).toHaveLength(2);
    for (const payload of payloads) {
      expect(Buffer.from(payload.metadata!.encoding!).toString()).toBe('binary/encrypted');
      expect(Buffer.from(payload.data!).toString()).not.toContain('secret stuff');
    }
    expect(worker.logs).not.toContain(KEY);
    expect(JSON.stringify(worker.status())).not.toContain(KEY);
  });

  it('fails the workflow task loudly when encrypted input reaches a worker without the key', async () => {
    const { worker, queue } = await startWorker();
    await worker.waitForHealth('up');
    const encryptingClient = new Client({
      connection: client.connection,
      dataConverter: { payloadCodecs: [new EncryptionCodec(Buffer.from(KEY, 'base64'))] },
    });
    const workflowId = `no-key-${queue}`;
    const handle = await encryptingClient.workflow.start('EchoWorkflow', {
      taskQueue: queue,
      workflowId,
      args: ['x'],
    });
    const failure = await waitForWorkflowTaskFailure(worker, workflowId);
    expect(failure.workflowTaskFailedEventAttributes?.failure?.message).toMatch(/binary\/encrypted/);
    await handle.terminate('test done');
  });

  it('registers only the selected workflows and activities', async () => {
    const { worker, queue } = await startWorker({
      TWC_SUPPORTED_WORKFLOWS: 'GreetingWorkflow, HeartbeatWorkflow',
      TWC_SUPPORTED_ACTIVITIES: 'greet',
    });
    await worker.waitForHealth('up');
    expect(worker.records().find((r) => r.msg === 'loaded the workflows package')).toMatchObject({
      workflows: ['GreetingWorkflow', 'HeartbeatWorkflow'],
      activities: ['greet'],
    });

    await expect(
      client.workflow.execute('GreetingWorkflow', {
        taskQueue: queue,
        workflowId: `sel-greet-${queue}`,
        args: ['x'],
      }),
    ).resolves.toBe('Hello, x!');

    const echo = await client.workflow.start('EchoWorkflow', {
      taskQueue: queue,
      workflowId: `sel-echo-${queue}`,
      args: [1],
    });
    const failure = await waitForWorkflowTaskFailure(worker, echo.workflowId);
    expect(failure.workflowTaskFailedEventAttributes?.failure?.message).toMatch(/EchoWorkflow/);
    await echo.terminate('test done');

    await expect(
      client.workflow.execute('HeartbeatWorkflow', {
        taskQueue: queue,
        workflowId: `sel-beat-${queue}`,
        args: [1],
      }),
    ).rejects.toMatchObject({
      cause: { cause: { message: expect.stringMatching(/heartbeatAndReport.*not registered/) } },
    });
  });

  it.each([
    ['TWC_SUPPORTED_WORKFLOWS', 'GreetingWorkflow,NoSuchWorkflow', /supported-workflows.*'NoSuchWorkflow'/],
    ['TWC_SUPPORTED_ACTIVITIES', 'greet,noSuchActivity', /supported-activities.*'noSuchActivity'/],
  ])('stops with an error naming an unknown name in %s', async (variable, value, message) => {
    const { worker } = await startWorker({ [variable]: value });
    expect(await worker.waitForExit()).not.toBe(0);
    expect(worker.status()).toMatchObject({ state: 'failed', message: expect.stringMatching(message) });
  });

  it('refuses a package built with another Temporal SDK version', async () => {
    const other = path.join(scratch, 'other-sdk');
    cpSync(workflows, other, { recursive: true });
    const manifest = JSON.parse(readFileSync(path.join(other, 'manifest.json'), 'utf8'));
    writeFileSync(
      path.join(other, 'manifest.json'),
      JSON.stringify({ ...manifest, temporalSdkVersion: '1.11.0' }),
    );
    const { worker } = await startWorker({ TWC_WORKFLOWS_DIR: other });
    expect(await worker.waitForExit()).not.toBe(0);
    expect(worker.status()?.message).toMatch(/built with Temporal SDK 1\.11\.0.*runs 1\.24\.0/);
  });

  it('on SIGTERM stops polling, cancels the running activity and exits within the kill delay', async () => {
    const marker = path.join(scratch, 'activity-marker');
    const { worker, queue } = await startWorker({ SAMPLE_ACTIVITY_MARKER: marker });
    await worker.waitForHealth('up');
    const handle = await client.workflow.start('WaitForCancellationWorkflow', {
      taskQueue: queue,
      workflowId: `sigterm-${queue}`,
    });
    await worker.waitFor(() => (existsSync(marker) ? true : undefined), 'the activity running');

    const killDelay = setTimeout(() => void worker.stop('SIGKILL'), 20_000);
    const exitCode = await worker.stop('SIGTERM');
    clearTimeout(killDelay);

    expect(exitCode).toBe(0); // not the SIGKILL of the 20 s kill delay
    expect(readFileSync(marker, 'utf8')).toMatch(/^cancelled/);
    expect(worker.records().some((r) => r.state === 'stopping')).toBe(true);
    await handle.terminate('test done');
  });
});
