import { rmSync } from 'node:fs';
import { TemporalDevServer } from '../harness/temporal';
import { WorkerProcess, copyWorkerRuntime, sampleWorkflowsPackage } from '../harness/worker-process';

jest.setTimeout(180_000); // jest.config.js's per-project testTimeout is not applied by Jest 30

describe('the worker when the Temporal server goes away', () => {
  let server: TemporalDevServer;
  let runtime: string;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    runtime = copyWorkerRuntime();
    server = await TemporalDevServer.start();
  });

  afterAll(async () => {
    await worker?.dispose();
    await server?.shutdown();
    rmSync(runtime, { recursive: true, force: true });
  });

  it('reports down with the reason, then resumes polling on the same process when it returns', async () => {
    worker = await WorkerProcess.start(runtime, {
      TWC_HOST: server.address,
      TWC_QUEUE: 'reconnect',
      TWC_WORKFLOWS_DIR: sampleWorkflowsPackage(),
    });
    await worker.waitForHealth('up');

    await server.stop();
    const down = await worker.waitForHealth('down');
    expect(down.code).toBe(503);
    expect(down.body.error).toBeTruthy();
    expect(worker.status()).toMatchObject({
      state: 'down',
      message: expect.stringMatching(/^worker not connected: /),
    });

    await server.resume();
    await worker.waitForHealth('up');
    const client = await server.client();
    await expect(
      client.workflow.execute('GreetingWorkflow', {
        taskQueue: 'reconnect',
        workflowId: 'after-restart',
        args: ['again'],
      }),
    ).resolves.toBe('Hello, again!');
    expect(worker.status()?.pid).toBe(worker.pid); // the same process: no restart needed
  });

  it('keeps retrying while the server is not there at start, and comes up once it is', async () => {
    await worker?.dispose();
    await server.stop();
    worker = await WorkerProcess.start(runtime, {
      TWC_HOST: server.address,
      TWC_QUEUE: 'late-server',
      TWC_WORKFLOWS_DIR: sampleWorkflowsPackage(),
    });
    const down = await worker.waitForHealth('down');
    expect(down.body.error).not.toBe('');
    await worker.waitFor(() => (worker!.status()?.state === 'down' ? true : undefined), 'status down');
    await server.resume();
    await worker.waitForHealth('up');
  });

  it('exits cleanly on SIGTERM while it is still waiting to connect', async () => {
    await worker?.dispose();
    await server.stop();
    worker = await WorkerProcess.start(runtime, {
      TWC_HOST: server.address,
      TWC_QUEUE: 'never-connected',
      TWC_WORKFLOWS_DIR: sampleWorkflowsPackage(),
    });
    await worker.waitFor(() => (worker!.status()?.state === 'down' ? true : undefined), 'status down');
    const killDelay = setTimeout(() => void worker!.stop('SIGKILL'), 20_000);
    const exitCode = await worker.stop('SIGTERM');
    clearTimeout(killDelay);
    expect(exitCode).toBe(0);
    expect(worker.status()?.state).toBe('stopping');
    await server.resume(); // afterAll shuts it down
  });
});
