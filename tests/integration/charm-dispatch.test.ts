// `./dispatch` run as Juju runs it (fake hook tools on PATH, fresh environment, cwd = the
// charm dir) against a real Pebble daemon and a real Temporal dev server, with the built
// charm (dist/charm.js), worker runtime (dist/worker) and workflows package.
import { copyFileSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { CharmUnitOnHost } from '../harness/charm-unit';
import type { DispatchOptions, FakeJujuModel } from '../harness/fake-juju';
import type { RunningPebble } from '../harness/pebble';
import type { TemporalDevServer } from '../harness/temporal';
import { distFile } from '../harness/tools';
import { STATUS_NOTICE_KEY } from '../../src/contract/container';

const NAMESPACE = 'rocks';
const QUEUE = 'oci-factory';
const ENCRYPTION_KEY = Buffer.alloc(32, 0x5a).toString('base64');
const ENV_FILE_SECRET = 'ghp_integration_secret_value';
const ACTIVE = `worker listening to namespace '${NAMESPACE}' on queue '${QUEUE}'`;

jest.setTimeout(180_000);

let unit: CharmUnitOnHost;
let temporal: TemporalDevServer;
let pebble: RunningPebble;
let model: FakeJujuModel;
let workDir: string;
let workerHome: string;

const workFile = (name: string, content: string | Buffer) => unit.workFile(name, content);
const dispatch = (event: string, options: DispatchOptions = {}) => unit.dispatch(event, options);
const pebbleCli = (args: string[]) => unit.pebbleCli(args);
const serviceState = () => unit.serviceState();
const updateStatusUntil = (status: string, message?: string) => unit.updateStatusUntil(status, message);

beforeAll(async () => {
  unit = await CharmUnitOnHost.start({ namespace: NAMESPACE, name: 'charm-dispatch' });
  ({ temporal, pebble, model, workDir, workerHome } = unit);
}, 180_000);

afterAll(async () => {
  await unit?.stop();
});

describe('./dispatch against a real Pebble', () => {
  it('waits, exit 0, while the container has no Pebble socket', async () => {
    const noContainer = mkdtempSync(path.join(workDir, 'no-container-'));
    model.setConfig({ host: temporal.address, namespace: NAMESPACE, queue: QUEUE });
    await dispatch('install', { env: { CHARM_CONTAINERS_DIR: noContainer } });
    expect(model.status()).toEqual({
      status: 'waiting',
      message: 'waiting for Pebble in container temporal-worker',
    });
    model.setConfig({ host: null, namespace: null, queue: null });
  });

  it('blocks on an empty config and leaves Pebble alone', async () => {
    await dispatch('config-changed');
    expect(model.status()).toEqual({ status: 'blocked', message: 'missing config: host, namespace, queue' });
    expect(await pebbleCli(['plan'])).not.toContain('temporal-worker');
  });

  it('runs the worker once the config is valid, with no secret in the plan', async () => {
    model.setConfig({
      host: temporal.address,
      namespace: NAMESPACE,
      queue: QUEUE,
      'encryption-key': ENCRYPTION_KEY,
      'log-level': 'debug',
    });
    model.attachResource(
      'env-file',
      workFile('.env', `GITHUB_TOKEN=${ENV_FILE_SECRET}\nMATTERMOST_URL=http://127.0.0.1:1\n`),
    );
    await dispatch('temporal-worker-pebble-ready');
    expect(await serviceState()).toBe('active');
    const plan = await pebbleCli(['plan']);
    expect(plan).toContain('TWC_NAMESPACE: rocks');
    expect(plan).toContain('TWC_SECRETS_HASH');
    expect(plan).not.toContain(ENCRYPTION_KEY);
    expect(plan).not.toContain(ENV_FILE_SECRET);
    const secretsFile = path.join(workerHome, 'secrets.json');
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    expect(model.applicationVersion()).toBe('oci-factory-workflows@0.0.1');
    await updateStatusUntil('active', ACTIVE);
  });

  it('reconciles leader-elected and upgrade-charm with the same content without restarting', async () => {
    const changesBefore = await pebbleCli(['changes']);
    model.setLeader(false);
    await dispatch('leader-elected');
    const sameTarball = path.join(workDir, 'oci-factory-workflows-0.0.1.tgz');
    copyFileSync(distFile('oci-factory-workflows-0.0.1.tgz'), sameTarball);
    model.attachResource('workflows-file', sameTarball);
    await dispatch('upgrade-charm');
    expect(await pebbleCli(['changes'])).toBe(changesBefore);
    expect(model.status()).toEqual({ status: 'active', message: ACTIVE });
  });

  it.each([
    [
      'an invalid log-level',
      () => model.setConfig({ 'log-level': 'loud' }),
      /^invalid config: log-level must be one of/,
    ],
    [
      'a bad host',
      () => model.setConfig({ host: 'http://nope' }),
      /^invalid config: host must be name\[:port\]/,
    ],
    [
      'a malformed env-file',
      () => model.attachResource('env-file', workFile('bad.env', `OK=1\nthis is ${ENV_FILE_SECRET}\n`)),
      /^env-file: line 2 is not KEY=VALUE$/,
    ],
    [
      'a corrupt workflows-file',
      () => model.attachResource('workflows-file', workFile('broken.tgz', 'not a tarball')),
      /^workflows-file: not a gzip-compressed tar archive/,
    ],
    [
      'an unknown supported workflow',
      () => model.setConfig({ 'supported-workflows': 'NoSuchWorkflow' }),
      /^invalid config: supported-workflows names 'NoSuchWorkflow'/,
    ],
  ])('blocks on %s and keeps the old worker running', async (_what, breakIt, message) => {
    const planBefore = await pebbleCli(['plan']);
    const goodConfig = model.config();
    breakIt();
    await dispatch('config-changed');
    expect(model.status().status).toBe('blocked');
    expect(model.status().message).toMatch(message);
    expect(await pebbleCli(['plan'])).toBe(planBefore);
    expect(await serviceState()).toBe('active');
    // Put the good input back.
    model.setConfig(goodConfig);
    model.attachResource(
      'env-file',
      workFile('.env', `GITHUB_TOKEN=${ENV_FILE_SECRET}\nMATTERMOST_URL=http://127.0.0.1:1\n`),
    );
    model.attachResource('workflows-file', null);
    await dispatch('config-changed');
    expect(await pebbleCli(['plan'])).toBe(planBefore);
    await updateStatusUntil('active', ACTIVE);
  });

  it('restarts the worker through the restart action', async () => {
    await dispatch('actions/restart');
    const action = model.actionResult();
    expect(action).toMatchObject({
      status: 'completed',
      results: { result: 'worker successfully restarted' },
    });
    expect(await pebbleCli(['changes'])).toMatch(/Restart service "temporal-worker"/);
    await updateStatusUntil('active', ACTIVE);
  });

  it("refreshes the status on the worker's custom notice and on check events", async () => {
    await dispatch('temporal-worker-pebble-custom-notice', { notice: { id: '1', key: STATUS_NOTICE_KEY } });
    expect(model.status()).toEqual({ status: 'active', message: ACTIVE });
    await dispatch('temporal-worker-pebble-check-recovered', { checkName: 'worker-up' });
    expect(model.status()).toEqual({ status: 'active', message: ACTIVE });
  });

  it('fails the restart action with a reason when the config is invalid', async () => {
    model.setConfig({ 'sentry-sample-rate': 2 });
    await dispatch('actions/restart');
    expect(model.actionResult()).toMatchObject({
      status: 'failed',
      message: 'cannot restart the worker: invalid config: sentry-sample-rate must be a number from 0 to 1',
    });
    expect(await serviceState()).toBe('active');
    model.setConfig({ 'sentry-sample-rate': null });
    await dispatch('config-changed');
  });

  it('runs stop and remove without failing', async () => {
    await dispatch('stop');
    await dispatch('remove');
    expect(model.hookError()).toBeNull();
  });

  it('never shows a secret value in anything printed, logged or planned', async () => {
    const everything = [
      model.printed(),
      JSON.stringify(model.logs()),
      JSON.stringify(model.statusHistory()),
      await pebbleCli(['plan']),
      // Pebble's own log, with the worker's output.
      readFileSync(pebble.logFile, 'utf8'),
    ].join('\n');
    expect(everything).not.toContain(ENCRYPTION_KEY);
    expect(everything).not.toContain(ENV_FILE_SECRET);
    expect(everything.length).toBeGreaterThan(0);
  });
});
