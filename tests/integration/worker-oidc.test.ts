import { generateKeyPairSync, verify } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { startRecordingGrpcProxy } from '../harness/grpc-proxy';
import { TemporalDevServer } from '../harness/temporal';
import { WorkerProcess, copyWorkerRuntime, sampleWorkflowsPackage } from '../harness/worker-process';

jest.setTimeout(180_000); // jest.config.js's per-project testTimeout is not applied by Jest 30

const CLIENT_EMAIL = 'worker@rocks-project.iam.gserviceaccount.com';
const TOKEN_LIFETIME_S = 6;

interface IssuedToken {
  token: string;
  issuedAt: number;
  expiresAt: number;
}

/**
 * A token endpoint like Google's for the JWT-bearer grant: verifies the
 * assertion's RS256 signature with the service account's public key and its
 * claims, and issues short-lived access tokens.
 */
async function startTokenEndpoint(publicKey: string) {
  const issued: IssuedToken[] = [];
  const rejected: string[] = [];
  let failing = false;
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const reject = (reason: string) => {
        rejected.push(reason);
        response.writeHead(400, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ error: 'invalid_grant', error_description: reason }));
      };
      if (failing) return reject('endpoint told to fail');
      const form = new URLSearchParams(body);
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
        return reject('grant_type');
      const [header, claims, signature] = (form.get('assertion') ?? '').split('.');
      if (!header || !claims || !signature) return reject('assertion is not a JWT');
      const signed = verify(
        'RSA-SHA256',
        Buffer.from(`${header}.${claims}`),
        publicKey,
        Buffer.from(signature, 'base64url'),
      );
      if (!signed) return reject('bad signature');
      const jwtHeader = JSON.parse(Buffer.from(header, 'base64url').toString());
      const jwtClaims = JSON.parse(Buffer.from(claims, 'base64url').toString());
      if (jwtHeader.alg !== 'RS256') return reject('alg');
      if (jwtClaims.iss !== CLIENT_EMAIL) return reject('iss');
      if (jwtClaims.aud !== 'https://oauth2.googleapis.com/token') return reject('aud');
      if (jwtClaims.scope !== 'email profile openid') return reject(`scope ${jwtClaims.scope}`);
      if (jwtClaims.exp - jwtClaims.iat !== 3600) return reject('exp');
      const now = Date.now();
      const token = `access-token-${issued.length + 1}`;
      issued.push({ token, issuedAt: now, expiresAt: now + TOKEN_LIFETIME_S * 1000 });
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(
        JSON.stringify({ access_token: token, expires_in: TOKEN_LIFETIME_S, token_type: 'Bearer' }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
    issued,
    rejected,
    setFailing: (value: boolean) => (failing = value),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

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
    tokenEndpoint = await startTokenEndpoint(publicKey);
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
