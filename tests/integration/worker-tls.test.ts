import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { TemporalDevServer } from '../harness/temporal';
import { WorkerProcess, copyWorkerRuntime, sampleWorkflowsPackage } from '../harness/worker-process';

jest.setTimeout(180_000); // jest.config.js's per-project testTimeout is not applied by Jest 30

/** A CA of the test's own and a server certificate it signed for 127.0.0.1. */
function makeCertificates(dir: string) {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=test CA',
  );
  run(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1',
  );
  writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '1',
    '-extfile',
    'san.ext',
  );
  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'other.key',
    '-out',
    'other-ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=other CA',
  );
  const read = (file: string) => readFileSync(path.join(dir, file), 'utf8');
  return {
    ca: read('ca.pem'),
    otherCa: read('other-ca.pem'),
    key: read('server.key'),
    cert: read('server.pem'),
  };
}

/** Terminates TLS (ALPN h2) on 127.0.0.1 and pipes the bytes to the dev server. */
async function startTlsProxy(target: { port: number }, key: string, cert: string) {
  const sockets = new Set<net.Socket>();
  const proxy = tls.createServer({ key, cert, ALPNProtocols: ['h2'] }, (socket) => {
    const upstream = net.connect(target.port, '127.0.0.1');
    sockets.add(socket).add(upstream);
    socket.pipe(upstream).pipe(socket);
    const close = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  let handshakes = 0;
  proxy.on('secureConnection', () => handshakes++);
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    port: (proxy.address() as net.AddressInfo).port,
    handshakes: () => handshakes,
    close: () => {
      sockets.forEach((socket) => socket.destroy());
      return new Promise((resolve) => proxy.close(resolve));
    },
  };
}

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
