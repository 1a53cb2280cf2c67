// auth-provider candid against a real Candid server (tests/harness/candid.ts): the header
// ours makes and the one temporal-lib-py makes from the same settings pass the same
// macaroonbakery checker; the worker and the trigger reach a frontend that admits only
// what that checker accepts; bad settings stop the worker naming the option.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readOptions } from '../../src/contract/settings';
import { CandidAuthorizer } from '../../src/temporal/auth/candid';
import { resolveTriggerOptions } from '../../src/trigger/options';
import { triggerConsumeEvents } from '../../src/trigger/start';
import { authorizationFor } from '../../src/trigger/authorization';
import { BakeryService, CandidServer, type AgentIdentity } from '../harness/candid';
import { startRecordingGrpcProxy } from '../harness/grpc-proxy';
import { TemporalDevServer } from '../harness/temporal';
import { makeCertificates, startTlsProxy } from '../harness/tls-frontend';
import { WorkerProcess, copyWorkerRuntime, sampleWorkflowsPackage } from '../harness/worker-process';
import { freePort } from '../../workflows/tests/harness/ports';

jest.setTimeout(180_000);

describe("auth-provider 'candid' against a real Candid", () => {
  let candid: CandidServer;
  let bakery: BakeryService;
  let agent: AgentIdentity;
  let temporal: TemporalDevServer;
  let proxy: Awaited<ReturnType<typeof startRecordingGrpcProxy>>;
  let runtime: string;
  const workers: WorkerProcess[] = [];
  const checked = new Map<string, Promise<boolean>>();

  const admits = (authorization: string | undefined): Promise<boolean> => {
    if (!authorization) return Promise.resolve(false);
    if (!checked.has(authorization)) {
      checked.set(
        authorization,
        bakery.check(authorization).then(
          () => true,
          () => false,
        ),
      );
    }
    return checked.get(authorization)!;
  };

  const candidEnv = (overrides: Record<string, string> = {}) => ({
    TWC_AUTH_PROVIDER: 'candid',
    TWC_CANDID_URL: bakery.macaroonUrl(),
    TWC_CANDID_USERNAME: agent.username,
    TWC_CANDID_PUBLIC_KEY: agent.publicKey,
    TWC_CANDID_PRIVATE_KEY: agent.privateKey,
    ...overrides,
  });

  beforeAll(async () => {
    candid = await CandidServer.start();
    bakery = await BakeryService.start(candid.url);
    agent = await candid.createAgent('temporal-worker');
    temporal = await TemporalDevServer.start();
    proxy = await startRecordingGrpcProxy(temporal.address, admits);
    runtime = copyWorkerRuntime();
  });

  afterAll(async () => {
    for (const worker of workers) await worker.dispose();
    await proxy?.close();
    await temporal?.shutdown();
    await bakery?.stop();
    await candid?.stop();
    if (runtime) rmSync(runtime, { recursive: true, force: true });
  });

  it('makes a header the bakery checker accepts, as temporal-lib-py does from the same settings', async () => {
    const theirs = await bakery.temporalLibPyHeader({ url: bakery.macaroonUrl(), agent });
    const ours = await new CandidAuthorizer({
      candidUrl: bakery.macaroonUrl(),
      candidUsername: agent.username,
      candidPrivateKey: agent.privateKey,
    }).credentials();
    expect(theirs).toMatch(/^Macaroon [A-Za-z0-9+/]+=*$/);
    expect(ours.metadata.authorization).toMatch(/^Macaroon [A-Za-z0-9+/]+=*$/);
    await expect(bakery.check(theirs)).resolves.toBe(agent.username);
    await expect(bakery.check(ours.metadata.authorization!)).resolves.toBe(agent.username);
    // Both are the JSON list of the macaroon and its discharge.
    const list = (header: string) =>
      JSON.parse(Buffer.from(header.split(' ')[1]!, 'base64').toString()) as object[];
    expect(list(ours.metadata.authorization!)).toHaveLength(list(theirs).length);
    // temporal-lib-py's agent login, seen by Candid, is ours too.
    expect(candid.accessLog()).toMatch(/login\/agent/);
  });

  it('runs the worker through a frontend that admits only what the checker accepts, renewing before expiry', async () => {
    const worker = await WorkerProcess.start(runtime, {
      TWC_HOST: proxy.address,
      TWC_QUEUE: 'candid',
      TWC_WORKFLOWS_DIR: sampleWorkflowsPackage(),
      // A macaroon that lasts 8 s: the token source renews it before then.
      ...candidEnv({ TWC_CANDID_URL: bakery.macaroonUrl(8) }),
    });
    workers.push(worker);
    await worker.waitForHealth('up');
    await worker.waitFor(
      () => (new Set(proxy.seen.map((call) => call.authorization)).size >= 2 ? true : undefined),
      'a renewed macaroon on the connection',
      30_000,
    );
    const client = await temporal.client();
    await expect(
      client.workflow.execute('GreetingWorkflow', {
        taskQueue: 'candid',
        workflowId: 'with-candid',
        args: ['Candid'],
      }),
    ).resolves.toBe('Hello, Candid!');
    for (const call of proxy.seen) await expect(admits(call.authorization)).resolves.toBe(true);
    expect(worker.logs).not.toContain(agent.privateKey);
    expect(worker.logs).not.toMatch(/Macaroon [A-Za-z0-9+/]{20}/);
  });

  it('starts the workflow from npm run trigger with the candid options of a config.yml, over TLS', async () => {
    // The trigger sends a macaroon only over TLS: a TLS frontend before the recording proxy.
    const tlsDir = mkdtempSync(path.join(os.tmpdir(), 'candid-tls-'));
    const certificates = makeCertificates(tlsDir);
    const frontend = await startTlsProxy(
      { port: Number(proxy.address.split(':')[1]) },
      certificates.key,
      certificates.cert,
    );
    try {
      const before = proxy.seen.length;
      const configYml = [
        'temporal-worker-k8s:',
        `  host: 127.0.0.1:${frontend.port}`,
        '  queue: candid-trigger',
        `  tls-root-cas: ${JSON.stringify(certificates.ca)}`,
        '  auth-provider: candid',
        `  candid-url: ${bakery.macaroonUrl()}`,
        `  candid-username: ${agent.username}`,
        `  candid-public-key: ${agent.publicKey}`,
        `  candid-private-key: ${agent.privateKey}`,
      ].join('\n');
      const options = resolveTriggerOptions(
        ['--config', 'config.yml', '--topic', 't', '--group', 'g'],
        () => configYml,
      )!;
      const started = await triggerConsumeEvents(
        options,
        { started() {}, continuedAsNew() {}, completed() {} },
        authorizationFor,
      );
      expect(started.runId).toBeTruthy();
      expect(frontend.handshakes()).toBeGreaterThan(0);
      const calls = proxy.seen.slice(before);
      expect(calls.length).toBeGreaterThan(0);
      for (const call of calls) await expect(admits(call.authorization)).resolves.toBe(true);
    } finally {
      await frontend.close();
      rmSync(tlsDir, { recursive: true, force: true });
    }
  });

  it('waits, not connected, on a candid-url that does not answer (a network blip is no config error)', async () => {
    const closedPort = await freePort();
    const worker = await WorkerProcess.start(runtime, {
      TWC_HOST: proxy.address,
      TWC_QUEUE: 'candid-unreachable',
      TWC_WORKFLOWS_DIR: sampleWorkflowsPackage(),
      ...candidEnv({ TWC_CANDID_URL: `http://127.0.0.1:${closedPort}/macaroon` }),
    });
    workers.push(worker);
    const status = await worker.waitFor(
      () => (worker.status()?.state === 'down' ? worker.status() : undefined),
      'the down state',
      30_000,
    );
    expect(status!.message).toMatch(
      new RegExp(
        `candid-url: cannot reach the macaroon endpoint http://127\\.0\\.0\\.1:${closedPort}/macaroon: ECONNREFUSED`,
      ),
    );
    // Still retrying, never failed: Pebble keeps it running.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(worker.status()?.state).toBe('down');
  });

  it.each([
    ['an unknown agent', () => ({ TWC_CANDID_USERNAME: 'nobody@candid' }), /^candid-username: /],
    [
      'a key pair Candid does not know for the agent',
      () => ({ TWC_CANDID_PRIVATE_KEY: 'Ruz2JGjQL+hPjQV0l3SLKnRXHqraZsL7YZRHqLjuOBQ=' }),
      /^candid-username: /,
    ],
  ])(
    'stops the worker as failed on %s, naming the option and no secret',
    async (_what, overrides, message) => {
      const worker = await WorkerProcess.start(runtime, {
        TWC_HOST: proxy.address,
        TWC_QUEUE: 'candid-bad',
        TWC_WORKFLOWS_DIR: sampleWorkflowsPackage(),
        ...candidEnv(overrides()),
      });
      workers.push(worker);
      const status = await worker.waitFor(
        () => (worker.status()?.state === 'failed' ? worker.status() : undefined),
        'the failed state',
        30_000,
      );
      expect(status!.message).toMatch(message);
      expect(worker.logs).not.toContain(agent.privateKey);
      expect(worker.logs).not.toContain('Ruz2JGjQL+hPjQV0l3SLKnRXHqraZsL7YZRHqLjuOBQ=');
    },
  );

  it('refuses a key that is not a bakery key, naming the option', () => {
    const result = readOptions({
      host: 'temporal:7233',
      namespace: 'n',
      queue: 'q',
      'auth-provider': 'candid',
      'candid-url': 'http://temporal/macaroon',
      'candid-username': 'u',
      'candid-public-key': agent.publicKey,
      'candid-private-key': '-----BEGIN PRIVATE KEY-----',
    });
    expect(result).toMatchObject({ ok: false, problems: [{ key: 'candidPrivateKey', kind: 'invalid' }] });
  });
});
