import { generateKeyPairSync } from 'node:crypto';
import { rmSync } from 'node:fs';
import { startTokenEndpoint } from '../harness/google-token-endpoint';
import { startRecordingGrpcProxy } from '../harness/grpc-proxy';
import { TemporalDevServer } from '../harness/temporal';
import { WorkerProcess, copyWorkerRuntime, sampleWorkflowsPackage } from '../harness/worker-process';

jest.setTimeout(180_000); // jest.config.js's per-project testTimeout is not applied by Jest 30

const CLIENT_EMAIL = 'worker@rocks-project.iam.gserviceaccount.com';
const TOKEN_LIFETIME_S = 6;

describe("the worker with auth-provider 'google'", () => {
  let server: TemporalDevServer;
  let runtime: string;
  let worker: WorkerProcess | undefined;
  let tokenEndpoint: Awaited<ReturnType<typeof startTokenEndpoint>>;
  let proxy: Awaited<ReturnType<typeof startRecordingGrpcProxy>>;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });

  beforeAll(async () => {
    runtime = copyWorkerRuntime();
    server = await TemporalDevServer.start();
    tokenEndpoint = await startTokenEndpoint({
      publicKey,
      clientEmail: CLIENT_EMAIL,
      lifetimeSeconds: TOKEN_LIFETIME_S,
    });
    proxy = await startRecordingGrpcProxy(server.address);
  });

  afterAll(async () => {
    await worker?.dispose();
    await proxy?.close();
    await tokenEndpoint?.close();
    await server?.shutdown();
    rmSync(runtime, { recursive: true, force: true });
  });

  it('sends the service account token as a bearer and renews it before it expires, without restarting', async () => {
    worker = await WorkerProcess.start(runtime, {
      TWC_HOST: proxy.address,
      TWC_QUEUE: 'oidc',
      TWC_WORKFLOWS_DIR: sampleWorkflowsPackage(),
      TWC_AUTH_PROVIDER: 'google',
      TWC_OIDC_AUTH_TYPE: 'service_account',
      TWC_OIDC_PROJECT_ID: 'rocks-project',
      TWC_OIDC_PRIVATE_KEY_ID: 'key-id-1',
      TWC_OIDC_PRIVATE_KEY: privateKey,
      TWC_OIDC_CLIENT_EMAIL: CLIENT_EMAIL,
      TWC_OIDC_CLIENT_ID: '1234',
      TWC_OIDC_AUTH_URI: 'https://accounts.google.com/o/oauth2/auth',
      TWC_OIDC_TOKEN_URI: tokenEndpoint.uri,
      TWC_OIDC_AUTH_CERT_URL: 'https://www.googleapis.com/oauth2/v1/certs',
      TWC_OIDC_CLIENT_CERT_URL: 'https://www.googleapis.com/robot/v1/metadata/x509/worker',
    });
    await worker.waitForHealth('up');
    await worker.waitFor(
      () => (tokenEndpoint.issued.length >= 3 ? true : undefined),
      'three tokens issued',
      30_000,
    );
    expect(tokenEndpoint.rejected).toEqual([]);

    // Each token was renewed before the previous one expired, every renewed token reached
    // the server on the existing connection, and no call ever carried an expired token.
    for (let i = 1; i < 3; i++) {
      expect(tokenEndpoint.issued[i]!.issuedAt).toBeLessThan(tokenEndpoint.issued[i - 1]!.expiresAt);
    }
    const header = (i: number) => `Bearer ${tokenEndpoint.issued[i]!.token}`;
    await worker.waitFor(
      () => (proxy.seen.some((call) => call.authorization === header(2)) ? true : undefined),
      'the third token on the connection',
    );
    for (const call of proxy.seen) {
      const token = tokenEndpoint.issued.find((issued) => call.authorization === `Bearer ${issued.token}`);
      expect(token).toBeDefined();
      expect(call.at).toBeLessThan(token!.expiresAt);
    }
    expect(new Set(proxy.seen.map((call) => call.authorization)).size).toBeGreaterThanOrEqual(3);

    const client = await server.client();
    await expect(
      client.workflow.execute('GreetingWorkflow', {
        taskQueue: 'oidc',
        workflowId: 'with-oidc',
        args: ['OIDC'],
      }),
    ).resolves.toBe('Hello, OIDC!');
    expect(worker.logs).not.toContain('PRIVATE KEY');
    expect(worker.status()?.pid).toBe(worker.pid);
  });

  it('reports a failing renewal on the health endpoint and recovers when the token endpoint does', async () => {
    tokenEndpoint.setFailing(true);
    const down = await worker!.waitForHealth('down', 30_000);
    expect(down.body.error).toMatch(
      /cannot renew the credentials for the Temporal server: .*endpoint told to fail/,
    );
    expect(worker!.records().some((r) => r.level === 50 && /cannot renew/.test(String(r.msg)))).toBe(true);
    tokenEndpoint.setFailing(false);
    await worker!.waitForHealth('up', 30_000);
  });
});
