import * as http from 'node:http';
import * as net from 'node:net';
import { rmSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import { TemporalDevServer } from '../harness/temporal';
import { WorkerProcess, copyWorkerRuntime, sampleWorkflowsPackage } from '../harness/worker-process';

jest.setTimeout(180_000); // jest.config.js's per-project testTimeout is not applied by Jest 30

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

describe("the worker's activities behind HTTP_PROXY / NO_PROXY", () => {
  let server: TemporalDevServer;
  let client: Client;
  let runtime: string;
  let worker: WorkerProcess;
  let target: http.Server;
  let proxy: http.Server;
  let targetPort: number;
  const tunnels: string[] = [];

  beforeAll(async () => {
    runtime = copyWorkerRuntime();
    server = await TemporalDevServer.start();
    client = await server.client();
    target = http.createServer((request, response) => response.end(`hello from ${request.url}`));
    targetPort = await listen(target);
    // A forward proxy: records each CONNECT and tunnels it.
    proxy = http.createServer((_request, response) => response.writeHead(405).end());
    proxy.on('connect', (request: http.IncomingMessage, socket: net.Socket) => {
      tunnels.push(request.url ?? '');
      const [host, port] = (request.url ?? '').split(':');
      const upstream = net.connect(Number(port), host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(socket).pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    const proxyPort = await listen(proxy);
    worker = await WorkerProcess.start(runtime, {
      TWC_HOST: server.address,
      TWC_QUEUE: 'proxied',
      TWC_WORKFLOWS_DIR: sampleWorkflowsPackage(),
      HTTP_PROXY: `http://127.0.0.1:${proxyPort}`,
      http_proxy: `http://127.0.0.1:${proxyPort}`,
      NO_PROXY: 'localhost',
      no_proxy: 'localhost',
    });
    await worker.waitForHealth('up'); // the gRPC connection itself does not use the proxy
  });

  afterAll(async () => {
    await worker?.dispose();
    proxy?.closeAllConnections();
    target?.closeAllConnections();
    await new Promise((resolve) => proxy?.close(resolve));
    await new Promise((resolve) => target?.close(resolve));
    await server?.shutdown();
    rmSync(runtime, { recursive: true, force: true });
  });

  it("sends an activity's fetch through HTTP_PROXY", async () => {
    const text = await client.workflow.execute('FetchWorkflow', {
      taskQueue: 'proxied',
      workflowId: 'via-proxy',
      args: [`http://127.0.0.1:${targetPort}/through`],
    });
    expect(text).toBe('hello from /through');
    expect(tunnels).toContain(`127.0.0.1:${targetPort}`);
  });

  it('goes direct for hosts in NO_PROXY', async () => {
    const before = tunnels.length;
    const text = await client.workflow.execute('FetchWorkflow', {
      taskQueue: 'proxied',
      workflowId: 'no-proxy',
      args: [`http://localhost:${targetPort}/direct`],
    });
    expect(text).toBe('hello from /direct');
    expect(tunnels.length).toBe(before);
  });
});
