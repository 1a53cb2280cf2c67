import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { rmSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import { TemporalDevServer } from '../harness/temporal';
import { WorkerProcess, copyWorkerRuntime, sampleWorkflowsPackage } from '../harness/worker-process';

jest.setTimeout(180_000); // jest.config.js's per-project testTimeout is not applied by Jest 30

interface SentryEvent {
  release?: string;
  environment?: string;
  tags?: Record<string, string>;
  contexts?: Record<string, Record<string, unknown>>;
  exception?: { values?: { type?: string; value?: string }[] };
}

/** Stands in for Sentry's ingest endpoint: collects the events of every envelope. */
async function startSentryIngest() {
  const events: SentryEvent[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let body = Buffer.concat(chunks);
      if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const lines = body.toString().split('\n').filter(Boolean);
      for (let i = 1; i + 1 < lines.length; i += 2) {
        if (JSON.parse(lines[i]!).type === 'event') events.push(JSON.parse(lines[i + 1]!) as SentryEvent);
      }
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    dsn: `http://publickey@127.0.0.1:${(server.address() as AddressInfo).port}/1`,
    events,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe('the worker with sentry-dsn', () => {
  let server: TemporalDevServer;
  let client: Client;
  let runtime: string;
  let ingest: Awaited<ReturnType<typeof startSentryIngest>>;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    runtime = copyWorkerRuntime();
    server = await TemporalDevServer.start();
    client = await server.client();
    ingest = await startSentryIngest();
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.dispose()));
    await ingest?.close();
    await server?.shutdown();
    rmSync(runtime, { recursive: true, force: true });
  });

  async function startWorker(queue: string, redact: boolean) {
    const worker = await WorkerProcess.start(runtime, {
      TWC_HOST: server.address,
      TWC_QUEUE: queue,
      TWC_WORKFLOWS_DIR: sampleWorkflowsPackage(),
      TWC_SENTRY_DSN: ingest.dsn,
      TWC_SENTRY_RELEASE: '1.2.3',
      TWC_SENTRY_ENVIRONMENT: 'staging',
      TWC_SENTRY_SAMPLE_RATE: '1.0',
      TWC_SENTRY_REDACT_PARAMS: String(redact),
    });
    workers.push(worker);
    await worker.waitForHealth('up');
    return worker;
  }

  it('reports activity and workflow failures with release, environment and temporal tags', async () => {
    const worker = await startWorker('sentry', false);
    await expect(
      client.workflow.execute('FailingActivityWorkflow', {
        taskQueue: 'sentry',
        workflowId: 'sentry-activity',
        args: ['disk full'],
      }),
    ).rejects.toThrow();
    await expect(
      client.workflow.execute('FailingWorkflow', {
        taskQueue: 'sentry',
        workflowId: 'sentry-workflow',
        args: ['bad input'],
      }),
    ).rejects.toThrow();

    const activityEvent = await worker.waitFor(
      () => ingest.events.find((e) => e.tags?.['temporal.execution_type'] === 'activity'),
      'the activity failure at the ingest endpoint',
    );
    expect(activityEvent).toMatchObject({
      release: '1.2.3',
      environment: 'staging',
      tags: {
        'temporal.activity.type': 'failWith',
        'temporal.workflow.type': 'FailingActivityWorkflow',
        'temporal.workflow.id': 'sentry-activity',
        'temporal.activity.task_queue': 'sentry',
        'temporal.workflow.namespace': 'default',
      },
      contexts: { 'temporal.activity.input': { args: ['disk full'] } },
    });
    expect(activityEvent.exception?.values?.[0]?.value).toBe('activity failed: disk full');

    const workflowEvent = await worker.waitFor(
      () =>
        ingest.events.find(
          (e) =>
            e.tags?.['temporal.execution_type'] === 'workflow' &&
            e.tags['temporal.workflow.id'] === 'sentry-workflow',
        ),
      'the workflow failure at the ingest endpoint',
    );
    expect(workflowEvent).toMatchObject({
      release: '1.2.3',
      tags: { 'temporal.workflow.type': 'FailingWorkflow', 'temporal.workflow.task_queue': 'sentry' },
    });
    expect(workflowEvent.exception?.values?.[0]?.value).toBe('bad input');
  });

  it('sends no inputs with sentry-redact-params', async () => {
    const worker = await startWorker('sentry-redacted', true);
    await expect(
      client.workflow.execute('FailingActivityWorkflow', {
        taskQueue: 'sentry-redacted',
        workflowId: 'sentry-redacted',
        args: ['private detail'],
      }),
    ).rejects.toThrow();
    const event = await worker.waitFor(
      () => ingest.events.find((e) => e.tags?.['temporal.workflow.id'] === 'sentry-redacted'),
      'the redacted activity failure',
    );
    expect(event.contexts?.['temporal.activity.input']).toBeUndefined();
    expect(JSON.stringify(event)).not.toContain('"private detail"');
  });
});
