// State transitions of the one reconcile: given config, resources and the container,
// run a hook and assert status, layer, pushed files.
import { createHash, createHmac } from 'node:crypto';
import { readFileSync, readdirSync, utimesSync } from 'node:fs';
import * as path from 'node:path';
import { dispatchEvent } from '../../../src/charm/charm';
import { reconcile } from '../../../src/charm/reconcile';
import { SERVICE_NAME } from '../../../src/contract/container';
import {
  PebbleChangeError,
  PebbleConnectionError,
  type FileToPush,
  type MakeDirOptions,
  type ServiceLayer,
} from '../../../src/pebble/types';
import {
  GOOGLE_CONFIG,
  MANIFEST,
  VALID_CONFIG,
  WORKER_HOME,
  charmDir,
  removeTempDirs,
  tempDir,
  unit,
  workerReports,
  workflowsTarball,
  writeFile,
  type Unit,
} from './charm-fixture';

import { TEST_CA } from '../../harness/test-credentials';

afterAll(removeTempDirs);

const hook = (name: string) => ({ kind: 'hook' as const, name });

function service(u: Unit): ServiceLayer {
  const found = u.pebble.plan.services?.[SERVICE_NAME];
  if (!found) throw new Error('no temporal-worker service in the plan');
  return found;
}

async function running(options: Parameters<typeof unit>[0] = {}): Promise<Unit> {
  const u = unit(options);
  await reconcile(u.context);
  workerReports(u.pebble, 'up');
  await reconcile(u.context);
  expect(u.juju.status).toEqual({
    status: 'active',
    message: "worker listening to namespace 'rocks' on queue 'oci-factory'",
  });
  u.pebble.calls = [];
  u.pebble.pushed = [];
  u.juju.calls = [];
  return u;
}

describe('blocked: bad input never touches Pebble', () => {
  it('blocks an empty config naming the missing keys', async () => {
    const u = unit({ config: {} });
    await reconcile(u.context);
    expect(u.juju.status).toEqual({ status: 'blocked', message: 'missing config: host, namespace, queue' });
    expect(u.pebble.calls).toEqual([]);
  });

  it('keeps the last good layer and files when the config turns bad', async () => {
    const u = await running();
    const planBefore = structuredClone(u.pebble.plan);
    const startsBefore = u.pebble.starts.get(SERVICE_NAME);
    u.juju.config['log-level'] = 'loud';
    await reconcile(u.context);
    expect(u.juju.status).toEqual({
      status: 'blocked',
      message: 'invalid config: log-level must be one of info, debug, warning, error, critical',
    });
    expect(u.pebble.calls).toEqual([]);
    expect(u.pebble.plan).toEqual(planBefore);
    expect(u.pebble.services.get(SERVICE_NAME)).toBe('active');
    expect(u.pebble.starts.get(SERVICE_NAME)).toBe(startsBefore);
    expect(u.juju.logs).toContainEqual({ level: 'WARNING', message: expect.stringContaining('log-level') });
  });

  it('blocks a malformed env-file naming the line, never its value', async () => {
    const u = await running();
    u.juju.resources['env-file'] = writeFile('GOOD=1\nBAD LINE hunter2\n', '.env');
    await reconcile(u.context);
    expect(u.juju.status).toEqual({ status: 'blocked', message: 'env-file: line 2 is not KEY=VALUE' });
    expect(u.juju.everythingSaid()).not.toContain('hunter2');
    expect(u.pebble.calls).toEqual([]);
  });

  it('blocks an env-file that sets a TWC_ name', async () => {
    const u = unit({ resources: { 'env-file': writeFile('TWC_QUEUE=other\n', '.env') } });
    await reconcile(u.context);
    expect(u.juju.status).toEqual({
      status: 'blocked',
      message: 'env-file: TWC_QUEUE: names starting with TWC_ are reserved for the charm',
    });
  });

  it('blocks a corrupt workflows-file and keeps the running worker', async () => {
    const u = await running();
    u.juju.resources['workflows-file'] = writeFile('not a tarball', 'workflows.tgz');
    await reconcile(u.context);
    expect(u.juju.status).toEqual({
      status: 'blocked',
      message: 'workflows-file: not a gzip-compressed tar archive (.tgz)',
    });
    expect(u.pebble.calls).toEqual([]);
    expect(u.pebble.services.get(SERVICE_NAME)).toBe('active');
  });

  it('blocks an incomplete workflows-file', async () => {
    const tarball = workflowsTarball({ files: { 'activities.js': null } });
    const u = unit({ resources: { 'workflows-file': writeFile(tarball, 'wf.tgz') } });
    await reconcile(u.context);
    expect(u.juju.status?.status).toBe('blocked');
    expect(u.juju.status?.message).toMatch(/^workflows-file: manifest.json names activities/);
  });

  it('blocks supported-workflows naming a workflow the package does not have', async () => {
    const u = unit({ config: { ...VALID_CONFIG, 'supported-workflows': 'ConsumeEventsWorkflow,Nope' } });
    await reconcile(u.context);
    expect(u.juju.status).toEqual({
      status: 'blocked',
      message:
        "invalid config: supported-workflows names 'Nope', which the workflows package oci-factory-workflows 0.0.1 " +
        'does not have (it has: ConsumeEventsWorkflow)',
    });
  });

  it('blocks supported-activities naming an unknown activity', async () => {
    const u = unit({ config: { ...VALID_CONFIG, 'supported-activities': 'publish' } });
    await reconcile(u.context);
    expect(u.juju.status?.message).toBe(
      "invalid config: supported-activities names 'publish', which the workflows package oci-factory-workflows 0.0.1 " +
        'does not have (it has: consume)',
    );
  });

  it('blocks workflows-file-name that is not the attached file', async () => {
    const u = unit({
      config: { ...VALID_CONFIG, 'workflows-file-name': 'other.tgz' },
      resources: { 'workflows-file': writeFile(workflowsTarball(), 'mine.tgz') },
    });
    await reconcile(u.context);
    expect(u.juju.status).toEqual({
      status: 'blocked',
      message:
        "invalid config: workflows-file-name 'other.tgz' names neither the workflows package in use " +
        "('oci-factory-workflows-0.0.1.tgz') nor the workflows-file ('mine.tgz')",
    });
  });

  it('accepts workflows-file-name naming the package, whatever name Juju stored the file under', async () => {
    const u = unit({
      config: { ...VALID_CONFIG, 'workflows-file-name': 'oci-factory-workflows-0.0.1.tgz' },
      resources: { 'workflows-file': writeFile(workflowsTarball(), 'workflows.tgz') },
    });
    await reconcile(u.context);
    expect(u.juju.status).toEqual({ status: 'maintenance', message: 'worker starting' });
  });

  it("warns once about the Python charm's wheel name and goes on (not on every update-status)", async () => {
    const wheel = 'oci_factory_workflows-0.0.1-py3-none-any.whl';
    const u = unit({ config: { ...VALID_CONFIG, 'workflows-file-name': wheel } });
    await reconcile(u.context);
    expect(u.juju.status).toEqual({ status: 'maintenance', message: 'worker starting' });
    workerReports(u.pebble, 'up');
    await dispatchEvent(hook('update-status'), u.context);
    await dispatchEvent(hook('update-status'), u.context);
    expect(u.juju.status?.status).toBe('active');
    expect(u.juju.logs.filter((entry) => entry.message.includes(wheel))).toEqual([
      {
        level: 'WARNING',
        message:
          `workflows-file-name '${wheel}' names a Python wheel, which this charm does not run: ` +
          "ignored; the workflows package in use is 'oci-factory-workflows-0.0.1.tgz'",
      },
    ]);
  });

  it('accepts workflows-file-name equal to the attached file', async () => {
    const u = unit({
      config: { ...VALID_CONFIG, 'workflows-file-name': 'mine.tgz' },
      resources: { 'workflows-file': writeFile(workflowsTarball(), 'mine.tgz') },
    });
    await reconcile(u.context);
    expect(u.juju.status).toEqual({ status: 'maintenance', message: 'worker starting' });
  });
});

describe('resources are untrusted', () => {
  it.each([
    ['env-file', 1024 * 1024 + 1, 'env-file: is larger than 1 MiB'],
    ['workflows-file', 16 * 1024 * 1024 + 1, 'workflows-file: is larger than 16 MiB'],
  ])(
    'blocks a %s larger than its limit before reading it, keeping the worker',
    async (name, size, message) => {
      const u = await running();
      u.juju.resources[name] = writeFile(Buffer.alloc(size), name);
      await reconcile(u.context);
      expect(u.juju.status).toEqual({ status: 'blocked', message });
      expect(u.pebble.calls).toEqual([]);
    },
  );

  it('pushes a package of many files in bounded requests', async () => {
    const files = Object.fromEntries(
      Array.from({ length: 450 }, (_, index) => [`lib/f${index}.js`, `${index}`]),
    );
    const u = unit({ resources: { 'workflows-file': writeFile(workflowsTarball({ files }), 'wf.tgz') } });
    await reconcile(u.context);
    const pushes = u.pebble.calls.filter((call) => call.startsWith('push '));
    expect(Math.max(...pushes.map((call) => Number(call.split(' ')[1])))).toBeLessThanOrEqual(200);
    expect(u.pebble.pushed.filter((file) => file.includes('/workflows/')).length).toBe(454);
  });
});

describe('waiting for Pebble', () => {
  it('waits, without failing the hook, while the socket is unreachable', async () => {
    const u = unit();
    u.pebble.reachable = false;
    expect(await dispatchEvent(hook('install'), u.context)).toBe(0);
    expect(u.juju.status).toEqual({
      status: 'waiting',
      message: 'waiting for Pebble in container temporal-worker',
    });
    // One request (the unit's restart key, not cached yet), then it waits.
    expect(u.pebble.calls).toEqual([`pull ${WORKER_HOME}/restart-key`]);
  });

  it('finishes the work on the next hook once Pebble is up', async () => {
    const u = unit();
    u.pebble.reachable = false;
    await reconcile(u.context);
    u.pebble.reachable = true;
    await dispatchEvent(hook('temporal-worker-pebble-ready'), u.context);
    expect(u.pebble.services.get(SERVICE_NAME)).toBe('active');
    expect(u.juju.status).toEqual({ status: 'maintenance', message: 'worker starting' });
  });
});

describe('a valid config starts the worker', () => {
  it('pushes runtime, workflows and secrets, adds the layer and replans', async () => {
    const u = unit();
    await reconcile(u.context);
    const svc = service(u);
    const env = svc.environment!;
    expect(svc).toMatchObject({
      override: 'replace',
      startup: 'enabled',
      'kill-delay': '20s',
      // Issue 10, item 6: only liveness restarts the worker; readiness (Temporal reachable) reports.
      'on-check-failure': { 'worker-alive': 'restart', 'worker-up': 'ignore' },
    });
    expect(svc.command).toBe(
      `node --max-semi-space-size=8 ${WORKER_HOME}/runtime/${env.TWC_RUNTIME_HASH}/worker.js`,
    );
    expect(u.pebble.plan.checks?.['worker-alive']).toEqual({
      override: 'replace',
      level: 'alive',
      period: '10s',
      timeout: '5s',
      threshold: 6,
      http: { url: 'http://127.0.0.1:8089/live' },
    });
    expect(u.pebble.plan.checks?.['worker-up']).toEqual({
      override: 'replace',
      level: 'ready',
      period: '10s',
      threshold: 3,
      http: { url: 'http://127.0.0.1:8089/health' },
    });
    expect(env).toMatchObject({
      TWC_HOST: 'temporal.example.com:7233',
      TWC_NAMESPACE: 'rocks',
      TWC_QUEUE: 'oci-factory',
      TWC_LOG_LEVEL: 'info',
      TWC_SUPPORTED_WORKFLOWS: 'all',
      TWC_SENTRY_SAMPLE_RATE: '1',
      TWC_SECRETS_FILE: `${WORKER_HOME}/secrets.json`,
      TWC_STATUS_FILE: `${WORKER_HOME}/state/status.json`,
      TWC_WORKFLOWS_DIR: `${WORKER_HOME}/workflows/${env.TWC_WORKFLOWS_HASH}`,
      TWC_HEALTH_PORT: '8089',
      TWC_PROMETHEUS_PORT: '9000',
      // How the worker's process runs: glibc malloc tuned for a small idle footprint.
      MALLOC_ARENA_MAX: '1',
      MALLOC_TRIM_THRESHOLD_: '65536',
    });
    expect(env.TWC_SECRETS_HASH).toMatch(/^[0-9a-f]{64}$/);
    expect(u.pebble.pushed.sort()).toEqual(
      [
        `${WORKER_HOME}/runtime/${env.TWC_RUNTIME_HASH}/native/bridge.node`,
        `${WORKER_HOME}/runtime/${env.TWC_RUNTIME_HASH}/worker.js`,
        `${WORKER_HOME}/secrets.json`,
        `${WORKER_HOME}/restart-key`,
        ...['activities.js', 'manifest.json', 'schemas/x.avsc', 'workflow-bundle.js'].map(
          (file) => `${WORKER_HOME}/workflows/${env.TWC_WORKFLOWS_HASH}/${file}`,
        ),
      ].sort(),
    );
    expect(u.pebble.files.get(`${WORKER_HOME}/secrets.json`)?.permissions).toBe('600');
    // Several files per request: the runtime's two files, the package's four, the secrets file and its key.
    expect(u.pebble.calls.filter((call) => call.startsWith('push'))).toEqual(['push 2', 'push 4', 'push 2']);
    expect(u.pebble.services.get(SERVICE_NAME)).toBe('active');
    expect(u.juju.applicationVersion).toBe('oci-factory-workflows@0.0.1');
    expect(u.juju.statusHistory.map((entry) => entry.message)).toEqual([
      'pushing the worker runtime',
      'pushing the workflows package',
      'replanning the worker',
      'worker starting',
    ]);
  });

  it('uses the bundled workflows package when the attached file is empty', async () => {
    const u = unit({ resources: { 'workflows-file': writeFile('', 'empty.tgz') } });
    await reconcile(u.context);
    expect(u.juju.applicationVersion).toBe('oci-factory-workflows@0.0.1');
    expect(u.juju.status?.status).toBe('maintenance');
  });

  it('blocks when nothing is attached and the charm bundles no package', async () => {
    const u = unit({ charmDir: charmDir({ bundled: null }) });
    await reconcile(u.context);
    expect(u.juju.status).toEqual({
      status: 'blocked',
      message: 'workflows-file: none attached and the charm bundles none',
    });
  });

  it('re-adds the layer and pushes again after the container restarted', async () => {
    const u = await running();
    u.pebble.restartContainer();
    await dispatchEvent(hook('temporal-worker-pebble-ready'), u.context);
    expect(u.pebble.services.get(SERVICE_NAME)).toBe('active');
    expect(u.pebble.calls).toContain('add-layer temporal-worker');
  });
});

describe('status follows the worker', () => {
  it.each([
    ['starting', {}, { status: 'maintenance', message: 'worker starting' }],
    ['up', {}, { status: 'active', message: "worker listening to namespace 'rocks' on queue 'oci-factory'" }],
    ['up', { queue: 'old-queue' }, { status: 'maintenance', message: 'worker starting' }],
    [
      'down',
      { message: 'connection refused\nstack' },
      { status: 'waiting', message: 'worker not connected: connection refused' },
    ],
    [
      'failed',
      { message: "unknown workflow 'Nope'" },
      { status: 'blocked', message: "worker failed: unknown workflow 'Nope'" },
    ],
    ['stopping', {}, { status: 'maintenance', message: 'worker stopping' }],
    [
      'retrying',
      { message: 'retrying github: Service Unavailable; kafka: Connection timeout' },
      {
        status: 'waiting',
        message: 'worker retrying github: Service Unavailable; kafka: Connection timeout',
      },
    ],
  ])('worker %s %j → %j on update-status', async (state, extra, expected) => {
    const u = unit();
    await reconcile(u.context);
    workerReports(u.pebble, state, extra);
    await dispatchEvent(hook('update-status'), u.context);
    expect(u.juju.status).toEqual(expected);
  });

  it('says the worker is not running when it exits at start', async () => {
    const u = unit();
    u.pebble.startOutcome = 'exits';
    expect(await dispatchEvent(hook('config-changed'), u.context)).toBe(0);
    expect(u.juju.status).toEqual({
      status: 'waiting',
      message: 'worker not running: it exited and Pebble restarts it (backoff)',
    });
  });

  it('says why when the service is not running and the start failed', async () => {
    const u = unit();
    await reconcile(u.context);
    u.pebble.services.set(SERVICE_NAME, 'inactive');
    u.pebble.startOutcome = 'exits';
    u.pebble.replan = async () => {
      u.pebble.calls.push('replan');
      throw new PebbleChangeError('9', 'cannot start: no such file\nlog');
    };
    await reconcile(u.context);
    expect(u.juju.status).toEqual({
      status: 'blocked',
      message: 'worker not running: cannot start: no such file',
    });
  });

  it('refreshes on pebble-custom-notice and pebble-check-failed', async () => {
    const u = await running();
    workerReports(u.pebble, 'down', { message: 'lost connection' });
    await dispatchEvent(hook('temporal-worker-pebble-custom-notice'), u.context);
    expect(u.juju.status).toEqual({ status: 'waiting', message: 'worker not connected: lost connection' });
    workerReports(u.pebble, 'up');
    await dispatchEvent(hook('temporal-worker-pebble-check-recovered'), u.context);
    expect(u.juju.status?.status).toBe('active');
  });

  it('says "worker not connected" once, as the worker words its own message', async () => {
    const u = await running();
    workerReports(u.pebble, 'down', { message: 'worker not connected: 14 UNAVAILABLE: tcp connect error' });
    await dispatchEvent(hook('temporal-worker-pebble-check-failed'), u.context);
    expect(u.juju.status).toEqual({
      status: 'waiting',
      message: 'worker not connected: 14 UNAVAILABLE: tcp connect error',
    });
    // Nothing restarts it: the readiness check's failure only reports.
    expect(u.pebble.calls.filter((call) => /^(restart|replan|stop)/.test(call))).toEqual([]);
  });

  it('shows a service the worker retries, and is active again once the worker is up, on its notices', async () => {
    const u = await running();
    const message = 'retrying kafka: Connection error: connect ECONNREFUSED 127.0.0.1:9093';
    workerReports(u.pebble, 'retrying', { message });
    await dispatchEvent(hook('temporal-worker-pebble-custom-notice'), u.context);
    expect(u.juju.status).toEqual({ status: 'waiting', message: `worker ${message}` });
    // A worker of another namespace or queue is the old one, before its restart.
    workerReports(u.pebble, 'retrying', { message, queue: 'old-queue' });
    await dispatchEvent(hook('temporal-worker-pebble-custom-notice'), u.context);
    expect(u.juju.status).toEqual({ status: 'maintenance', message: 'worker starting' });
    workerReports(u.pebble, 'up');
    await dispatchEvent(hook('temporal-worker-pebble-custom-notice'), u.context);
    expect(u.juju.status?.status).toBe('active');
    expect(u.pebble.calls.filter((call) => /^(restart|replan|stop)/.test(call))).toEqual([]);
  });
});

describe('content hashes', () => {
  it('update-status with nothing changed pushes nothing and does not replan', async () => {
    const u = await running();
    await dispatchEvent(hook('update-status'), u.context);
    expect(u.pebble.pushed).toEqual([]);
    // The plan is as this unit left it (same layer digest, service still there): not fetched.
    expect(u.pebble.calls).toEqual([`get-services ${SERVICE_NAME}`, `pull ${WORKER_HOME}/state/status.json`]);
    expect(u.juju.calls).toEqual([
      'config-get',
      'resource-get env-file',
      'resource-get workflows-file',
      'relation-ids temporal-host-info',
      'relation-ids database',
      'status-set active',
    ]);
  });

  it('a config change replaces the layer and restarts the worker, without pushing the runtime again', async () => {
    const u = await running();
    const starts = u.pebble.starts.get(SERVICE_NAME)!;
    u.juju.config.queue = 'other-queue';
    await dispatchEvent(hook('config-changed'), u.context);
    expect(service(u).environment?.TWC_QUEUE).toBe('other-queue');
    expect(u.pebble.pushed).toEqual([]);
    expect(u.pebble.starts.get(SERVICE_NAME)).toBe(starts + 1);
    // The old worker's "up" (for the old queue) was removed with the replan.
    expect(u.pebble.files.has(`${WORKER_HOME}/state/status.json`)).toBe(false);
    expect(u.juju.status).toEqual({ status: 'maintenance', message: 'worker starting' });
  });

  it('a replan lost on the way is retried by the next hook, even though the plan has the layer', async () => {
    const u = await running();
    const starts = u.pebble.starts.get(SERVICE_NAME)!;
    const replan = u.pebble.replan.bind(u.pebble);
    u.pebble.replan = async () => {
      u.pebble.calls.push('replan (lost)');
      throw new PebbleConnectionError('connection reset by peer');
    };
    u.juju.config.queue = 'other-queue';
    await dispatchEvent(hook('config-changed'), u.context);
    expect(service(u).environment?.TWC_QUEUE).toBe('other-queue');
    expect(u.pebble.starts.get(SERVICE_NAME)).toBe(starts);
    expect(u.juju.status).toEqual({
      status: 'waiting',
      message: 'waiting for Pebble in container temporal-worker',
    });

    u.pebble.replan = replan;
    await dispatchEvent(hook('update-status'), u.context);
    expect(u.pebble.calls).toContain('replan');
    expect(u.pebble.starts.get(SERVICE_NAME)).toBe(starts + 1);
    // Confirmed now: the next idle hook neither fetches the plan nor replans.
    u.pebble.calls = [];
    await dispatchEvent(hook('update-status'), u.context);
    expect(u.pebble.calls).toEqual([`get-services ${SERVICE_NAME}`, `pull ${WORKER_HOME}/state/status.json`]);
  });

  it('a rebuilt runtime (charm upgrade) is pushed into a new folder and the old one removed', async () => {
    const dir = charmDir();
    const u = await running({ charmDir: dir });
    const oldCommand = service(u).command!;
    const later = new Date(Date.now() + 60_000);
    utimesSync(path.join(dir, 'dist', 'worker', 'worker.js'), later, later);
    await dispatchEvent(hook('upgrade-charm'), u.context);
    const newCommand = service(u).command!;
    expect(newCommand).not.toBe(oldCommand);
    expect(u.pebble.pushed.filter((file) => file.includes('/runtime/')).length).toBe(2);
    const oldRuntime = path.posix.dirname(oldCommand.split(' ').at(-1)!);
    expect([...u.pebble.files.keys()].some((file) => file.startsWith(`${oldRuntime}/`))).toBe(false);
  });

  it('a config changed and changed back re-applies the first layer', async () => {
    const u = await running();
    const original = structuredClone(service(u));
    u.juju.config.queue = 'other-queue';
    await reconcile(u.context);
    u.juju.config.queue = 'oci-factory';
    await reconcile(u.context);
    expect(service(u)).toEqual(original);
  });

  it('a changed secret is pushed again and restarts the worker through its hash', async () => {
    const u = await running();
    const hashBefore = service(u).environment?.TWC_SECRETS_HASH;
    u.juju.config['encryption-key'] = Buffer.alloc(32, 9).toString('base64');
    await reconcile(u.context);
    expect(u.pebble.pushed).toEqual([`${WORKER_HOME}/secrets.json`, `${WORKER_HOME}/restart-key`]);
    expect(service(u).environment?.TWC_SECRETS_HASH).not.toBe(hashBefore);
  });

  it('a new workflows-file (upgrade-charm) goes into a new folder and the old one is removed', async () => {
    const u = await running();
    const oldDir = service(u).environment!.TWC_WORKFLOWS_DIR!;
    const tarball = workflowsTarball({ manifest: { ...MANIFEST, version: '0.0.2' } });
    u.juju.resources['workflows-file'] = writeFile(tarball, 'oci-factory-workflows-0.0.2.tgz');
    await dispatchEvent(hook('upgrade-charm'), u.context);
    const newDir = service(u).environment!.TWC_WORKFLOWS_DIR!;
    expect(newDir).not.toBe(oldDir);
    expect(u.pebble.pushed.every((file) => file.startsWith(`${newDir}/`))).toBe(true);
    expect([...u.pebble.files.keys()].some((file) => file.startsWith(`${oldDir}/`))).toBe(false);
    expect(u.pebble.files.has(`${newDir}/manifest.json`)).toBe(true);
    expect(u.juju.applicationVersion).toBe('oci-factory-workflows@0.0.2');
  });
});

describe('secrets', () => {
  const SECRET_VALUES = {
    'encryption-key': Buffer.alloc(32, 3).toString('base64'),
    'sentry-dsn': 'https://sentrykey123@sentry.example.com/7',
    'http-proxy': 'http://proxyuser:proxypass@proxy:3128',
  };

  it('go to the 0600 secrets file, never to the layer, logs or statuses', async () => {
    const u = unit({
      config: { ...VALID_CONFIG, ...GOOGLE_CONFIG, ...SECRET_VALUES },
      resources: {
        'env-file': writeFile('GITHUB_TOKEN=ghp_envsecret\nKAFKA_PASSWORD="kafka pass"\n', '.env'),
      },
    });
    await reconcile(u.context);
    workerReports(u.pebble, 'up');
    await reconcile(u.context);
    const planText = JSON.stringify(u.pebble.plan);
    const secrets = [
      ...Object.values(SECRET_VALUES),
      String(GOOGLE_CONFIG['oidc-private-key']).split('\n')[1]!,
      'ghp_envsecret',
      'kafka pass',
      'proxypass',
    ];
    for (const secret of secrets) {
      expect(planText).not.toContain(secret);
      expect(u.juju.everythingSaid()).not.toContain(secret);
    }
    const file = JSON.parse(u.pebble.fileText(`${WORKER_HOME}/secrets.json`)!);
    expect(file).toMatchObject({
      TWC_ENCRYPTION_KEY: SECRET_VALUES['encryption-key'],
      TWC_SENTRY_DSN: SECRET_VALUES['sentry-dsn'],
      TWC_OIDC_PRIVATE_KEY: GOOGLE_CONFIG['oidc-private-key'],
      TWC_CANDID_PRIVATE_KEY: '',
      HTTP_PROXY: SECRET_VALUES['http-proxy'],
      http_proxy: SECRET_VALUES['http-proxy'],
      GITHUB_TOKEN: 'ghp_envsecret',
      KAFKA_PASSWORD: 'kafka pass',
    });
    expect(u.pebble.files.get(`${WORKER_HOME}/secrets.json`)?.permissions).toBe('600');
    expect(service(u).environment).toMatchObject({ TWC_AUTH_PROVIDER: 'google', TWC_OIDC_CLIENT_ID: '1234' });
    expect(u.juju.status?.status).toBe('active');
  });
});

describe('the worker runs unprivileged (issue 10, item 5)', () => {
  it("runs as the image's node user, owning its home and every file it reads; the secrets stay 0600", async () => {
    const u = unit({ config: { ...VALID_CONFIG, 'tls-root-cas': TEST_CA } });
    const pushed: FileToPush[] = [];
    const push = u.pebble.push.bind(u.pebble);
    u.pebble.push = async (files) => {
      pushed.push(...files);
      await push(files);
    };
    const makeDir = u.pebble.makeDir.bind(u.pebble);
    const dirs: unknown[] = [];
    Object.assign(u.pebble, {
      makeDir: async (dir: string, options?: MakeDirOptions) => {
        dirs.push({ dir, ...options });
        await makeDir(dir);
      },
    });
    await reconcile(u.context);
    expect(service(u).user).toBe('node');
    expect(dirs).toEqual([{ dir: `${WORKER_HOME}/state`, makeParents: true, user: 'node' }]);
    const byOwner = (user: string | undefined) =>
      pushed.filter((file) => file.user === user).map((f) => f.path);
    expect(byOwner(undefined)).toEqual([`${WORKER_HOME}/restart-key`]);
    expect(byOwner('node')).toEqual(
      expect.arrayContaining([
        `${WORKER_HOME}/secrets.json`,
        expect.stringContaining('/settings/tls-root-cas-'),
      ]),
    );
    expect(pushed.find((file) => file.path.endsWith('/secrets.json'))?.permissions).toBe('600');
  });
});

describe('the secrets restart trigger (issue 10, item 8)', () => {
  it('is an HMAC under a per-unit key kept in the container (0600), not a plain digest', async () => {
    const u = unit({ config: { ...VALID_CONFIG, 'encryption-key': Buffer.alloc(32, 7).toString('base64') } });
    await reconcile(u.context);
    const secrets = u.pebble.files.get(`${WORKER_HOME}/secrets.json`)!.content;
    const key = u.pebble.files.get(`${WORKER_HOME}/restart-key`)!;
    expect(key.permissions).toBe('600');
    expect(key.content.toString()).toMatch(/^[0-9a-f]{64}$/);
    const trigger = service(u).environment!.TWC_SECRETS_HASH;
    expect(trigger).not.toBe(createHash('sha256').update(secrets).digest('hex'));
    expect(trigger).toBe(
      createHmac('sha256', Buffer.from(key.content.toString(), 'hex')).update(secrets).digest('hex'),
    );
  });

  it('keeps its key across a lost hook cache, read back from the container: no restart', async () => {
    const u = await running();
    const trigger = service(u).environment!.TWC_SECRETS_HASH;
    const starts = u.pebble.starts.get(SERVICE_NAME);
    u.context.cacheDir = tempDir();
    await reconcile(u.context);
    expect(service(u).environment!.TWC_SECRETS_HASH).toBe(trigger);
    expect(u.pebble.starts.get(SERVICE_NAME)).toBe(starts);
  });
});

describe('proxies', () => {
  it('take the config values, both spellings', async () => {
    const u = unit({
      config: { ...VALID_CONFIG, 'https-proxy': 'http://squid:3128', 'no-proxy': '.canonical.com' },
      modelProxies: { http: 'http://model-proxy:3128', https: 'http://model-proxy:3129', no: 'localhost' },
    });
    await reconcile(u.context);
    expect(service(u).environment).toMatchObject({
      HTTP_PROXY: 'http://model-proxy:3128',
      http_proxy: 'http://model-proxy:3128',
      HTTPS_PROXY: 'http://squid:3128',
      https_proxy: 'http://squid:3128',
      NO_PROXY: '.canonical.com',
      no_proxy: '.canonical.com',
    });
  });

  it('keep a model proxy with credentials out of the layer', async () => {
    const u = unit({ modelProxies: { http: 'http://bob:s3cret@model-proxy:3128', https: '', no: '' } });
    await reconcile(u.context);
    expect(JSON.stringify(u.pebble.plan)).not.toContain('s3cret');
    expect(JSON.parse(u.pebble.fileText(`${WORKER_HOME}/secrets.json`)!)).toMatchObject({
      HTTP_PROXY: 'http://bob:s3cret@model-proxy:3128',
      http_proxy: 'http://bob:s3cret@model-proxy:3128',
    });
  });

  it.each([
    ['config', 'user:s3cret@squid.internal:3128'],
    ['config', 'http://user:s3cret@squid.internal:3128'],
    ['config', 'HTTP://user:s3cret@squid.internal:3128/'],
    ['config', 'user:p%40s3cret@squid.internal'],
    ['model', 'user:s3cret@squid.internal:3128'],
    ['model', ' user:s3cret@[fd00::1]:3128 '],
  ])('keep a %s proxy with credentials out of the layer, written %j', async (source, proxy) => {
    const u =
      source === 'config'
        ? unit({ config: { ...VALID_CONFIG, 'http-proxy': proxy, 'https-proxy': proxy } })
        : unit({ modelProxies: { http: proxy, https: proxy, no: '' } });
    await reconcile(u.context);
    expect(u.juju.status?.status).not.toBe('blocked');
    const everything = JSON.stringify([u.pebble.plan, u.juju.logs, u.juju.statusHistory]);
    expect(everything).not.toContain('s3cret');
    expect(everything).not.toMatch(/user[:@]/);
    const secrets = JSON.parse(u.pebble.fileText(`${WORKER_HOME}/secrets.json`)!) as Record<string, string>;
    for (const name of ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy']) {
      expect(secrets[name]).toMatch(/^http:\/\/user:/i);
    }
  });

  it('read a value without a scheme as http://', async () => {
    const u = unit({ config: { ...VALID_CONFIG, 'http-proxy': 'squid.internal:3128' } });
    await reconcile(u.context);
    expect(service(u).environment).toMatchObject({
      HTTP_PROXY: 'http://squid.internal:3128',
      http_proxy: 'http://squid.internal:3128',
    });
  });

  it('are left out when neither config nor model sets them', async () => {
    const u = unit();
    await reconcile(u.context);
    expect(
      Object.keys(service(u).environment!)
        .filter((name) => /proxy/i.test(name))
        .sort(),
    ).toEqual([]);
  });
});

describe('every unit runs a worker', () => {
  it('reconciles two units independently, whoever leads', async () => {
    const dir = charmDir();
    const leader = unit({ charmDir: dir });
    const follower = unit({ charmDir: dir });
    leader.juju.leader = true;
    await reconcile(leader.context);
    await reconcile(follower.context);
    expect(leader.pebble.services.get(SERVICE_NAME)).toBe('active');
    expect(follower.pebble.services.get(SERVICE_NAME)).toBe('active');
    // The same plan but for the secrets' restart trigger, an HMAC under each unit's own key.
    const withoutTrigger = (u: Unit) => {
      const plan = structuredClone(u.pebble.plan);
      delete plan.services![SERVICE_NAME]!.environment!.TWC_SECRETS_HASH;
      return plan;
    };
    expect(withoutTrigger(follower)).toEqual(withoutTrigger(leader));
    expect(service(follower).environment?.TWC_SECRETS_HASH).not.toBe(
      service(leader).environment?.TWC_SECRETS_HASH,
    );
    expect(leader.juju.calls).not.toContain('is-leader');
  });

  it('leader-elected changes nothing for the worker', async () => {
    const u = await running();
    u.juju.leader = true;
    await dispatchEvent(hook('leader-elected'), u.context);
    expect(u.pebble.calls).not.toContain('add-layer temporal-worker');
    expect(u.pebble.calls).not.toContain('replan');
    expect(u.juju.status?.status).toBe('active');
  });
});

describe('unexpected exceptions', () => {
  it('log the stack through juju-log at ERROR and exit 1', async () => {
    const u = unit();
    u.juju.configGet = async () => {
      throw new Error('config-get exploded');
    };
    expect(await dispatchEvent(hook('config-changed'), u.context)).toBe(1);
    expect(u.juju.logs).toContainEqual({
      level: 'ERROR',
      message: expect.stringMatching(
        /^unexpected error in hook config-changed: Error: config-get exploded\n\s+at /,
      ),
    });
  });

  it('user mistakes never fail a hook', async () => {
    const u = unit({ config: { ...VALID_CONFIG, host: 'bad host' } });
    expect(await dispatchEvent(hook('config-changed'), u.context)).toBe(0);
    expect(u.juju.status?.status).toBe('blocked');
  });
});

describe('check cache', () => {
  it('a config checked before is not checked again, and a changed one is', async () => {
    const u = await running();
    await dispatchEvent(hook('update-status'), u.context);
    expect(u.juju.status?.status).toBe('active');
    u.juju.config['sentry-sample-rate'] = 7;
    await dispatchEvent(hook('config-changed'), u.context);
    expect(u.juju.status).toEqual({
      status: 'blocked',
      message: 'invalid config: sentry-sample-rate must be a number from 0 to 1',
    });
  });

  it('keeps no config value in the cache', async () => {
    const key = Buffer.alloc(32, 0x33).toString('base64');
    const u = unit({ config: { ...VALID_CONFIG, 'encryption-key': key } });
    await reconcile(u.context);
    const entries = readdirSync(u.context.cacheDir);
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) {
      expect(entry).not.toContain(key);
      expect(readFileSync(path.join(u.context.cacheDir, entry), 'utf8')).not.toContain(key);
    }
  });
});
