import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TemporalDevServer } from '../harness/temporal';
import { makeCertificates, startTlsProxy } from '../harness/tls-frontend';
import { WorkerProcess, copyWorkerRuntime, sampleWorkflowsPackage } from '../harness/worker-process';

jest.setTimeout(180_000); // jest.config.js's per-project testTimeout is not applied by Jest 30

describe('the worker with tls-root-cas', () => {
  let server: TemporalDevServer;
  let runtime: string;
  let dir: string;
  let certificates: ReturnType<typeof makeCertificates>;
  let proxy: Awaited<ReturnType<typeof startTlsProxy>>;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'worker-tls-'));
    certificates = makeCertificates(dir);
    runtime = copyWorkerRuntime();
    server = await TemporalDevServer.start();
    proxy = await startTlsProxy(server, certificates.key, certificates.cert);
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.dispose()));
    await proxy?.close();
    await server?.shutdown();
    rmSync(runtime, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects over TLS, trusting that CA, with the host part as server name', async () => {
    const worker = await WorkerProcess.start(runtime, {
      TWC_HOST: `127.0.0.1:${proxy.port}`,
      TWC_QUEUE: 'tls',
      TWC_TLS_ROOT_CAS: certificates.ca,
      TWC_WORKFLOWS_DIR: sampleWorkflowsPackage(),
    });
    workers.push(worker);
    await worker.waitForHealth('up');
    expect(proxy.handshakes()).toBeGreaterThan(0);
    const client = await server.client();
    await expect(
      client.workflow.execute('GreetingWorkflow', {
        taskQueue: 'tls',
        workflowId: 'over-tls',
        args: ['TLS'],
      }),
    ).resolves.toBe('Hello, TLS!');
  });

  it('stays down, saying why, when the server certificate is not signed by that CA', async () => {
    const worker = await WorkerProcess.start(runtime, {
      TWC_HOST: `127.0.0.1:${proxy.port}`,
      TWC_QUEUE: 'tls-wrong-ca',
      TWC_TLS_ROOT_CAS: certificates.otherCa,
      TWC_WORKFLOWS_DIR: sampleWorkflowsPackage(),
    });
    workers.push(worker);
    const down = await worker.waitFor(async () => {
      const health = await worker.health();
      return health && health.body.error !== 'not connected yet' ? health : undefined;
    }, 'a connection error');
    expect(down.code).toBe(503);
    expect(down.body.error).toMatch(/certificate|tls|transport/i);
  });
});
