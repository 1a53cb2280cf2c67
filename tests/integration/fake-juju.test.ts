// The fake Juju harness dispatching a tiny charm: a shell `dispatch` that calls the
// fake hook tools, records its environment, and exits with a code chosen by the test.
// Every behaviour holds for both ways the hook tools reach the model.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FakeJujuModel, type HookToolTransport } from '../harness/fake-juju';

// The project-level testTimeout in jest.config.js is not applied (it is a global option).
jest.setTimeout(60_000);

const DISPATCH = `#!/bin/sh
env > "$JUJU_CHARM_DIR/env.txt"
pwd > "$JUJU_CHARM_DIR/cwd.txt"
status-set maintenance "running $JUJU_DISPATCH_PATH" || exit 3
juju-log --log-level INFO -- "dispatching $JUJU_DISPATCH_PATH"
echo '{"counter":"'"$TEST_COUNTER"'"}' | state-set --file - || exit 4
if [ -n "$JUJU_ACTION_NAME" ]; then
  action-log -- "working"
  action-set done=yes detail.value="$(action-get --format=json delay)"
  [ "$TEST_ACTION_FAIL" = 1 ] && action-fail -- "could not restart"
fi
if [ "$TEST_BACKGROUND" = 1 ]; then
  (sleep 1; is-leader --format=json > "$JUJU_CHARM_DIR/late.txt" 2>&1; echo "exit $?" >> "$JUJU_CHARM_DIR/late.txt") &
fi
echo "to stdout"
echo "to stderr" >&2
exit "\${TEST_EXIT:-0}"
`;

const CONFIG_YAML = `options:
  log-level: {type: string, default: info}
  host: {type: string, default: ""}
  encryption-key: {type: string}
  sentry-sample-rate: {type: float, default: 1.0}
`;

const TRANSPORTS: HookToolTransport[] = ['executable', 'agent'];

describe.each(TRANSPORTS)('FakeJujuModel dispatching a charm, hook tools through the %s', (hookTools) => {
  let charmDir: string;
  let model: FakeJujuModel;

  beforeEach(() => {
    charmDir = mkdtempSync(path.join(os.tmpdir(), 'fake-charm-'));
    writeFileSync(path.join(charmDir, 'dispatch'), DISPATCH);
    chmodSync(path.join(charmDir, 'dispatch'), 0o755);
    writeFileSync(path.join(charmDir, 'config.yaml'), CONFIG_YAML);
    model = new FakeJujuModel({ charmDir, hookTools });
  });

  afterEach(() => {
    model.cleanup();
    rmSync(charmDir, { recursive: true, force: true });
  });

  function dispatchedEnv(): Record<string, string> {
    const lines = readFileSync(path.join(charmDir, 'env.txt'), 'utf8').split('\n').filter(Boolean);
    return Object.fromEntries(
      lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
  }

  it('builds a fresh environment the way Juju does and runs in the charm dir', async () => {
    const result = await model.dispatch('hooks/config-changed', { env: { TEST_COUNTER: '1' } });

    expect(result.exitCode).toBe(0);
    expect(result.wallMs).toBeGreaterThan(0);
    const env = dispatchedEnv();
    expect(env).toMatchObject({
      JUJU_DISPATCH_PATH: 'hooks/config-changed',
      JUJU_HOOK_NAME: 'config-changed',
      JUJU_UNIT_NAME: 'temporal-worker-k8s/0',
      JUJU_MODEL_NAME: 'test-model',
      JUJU_VERSION: '3.6.4',
      JUJU_CHARM_DIR: charmDir,
      CHARM_DIR: charmDir,
      JUJU_MACHINE_ID: '',
      JUJU_PRINCIPAL_UNIT: '',
      JUJU_AVAILABILITY_ZONE: '',
      CLOUD_API_VERSION: '',
      JUJU_CHARM_HTTP_PROXY: '',
      LANG: 'C.UTF-8',
    });
    expect(env.JUJU_MODEL_UUID).toMatch(/^[0-9a-f-]{36}$/);
    expect(env.JUJU_CONTEXT_ID).toContain('temporal-worker-k8s/0-config-changed-');
    expect(env.PATH!.split(':')[0]).toBe(model.binDir);
    expect(env.PATH).toContain(path.dirname(process.execPath));
    expect(env).not.toHaveProperty('HOME');
    expect(env).not.toHaveProperty('JUJU_ACTION_NAME');
    expect(env).not.toHaveProperty('JUJU_WORKLOAD_NAME');
    expect(readFileSync(path.join(charmDir, 'cwd.txt'), 'utf8').trim()).toBe(charmDir);
  });

  it('sets the workload name for pebble-ready and the notice variables for custom notices', async () => {
    await model.dispatch('hooks/temporal-worker-pebble-ready');
    expect(dispatchedEnv()).toMatchObject({
      JUJU_WORKLOAD_NAME: 'temporal-worker',
      JUJU_HOOK_NAME: 'temporal-worker-pebble-ready',
    });

    await model.dispatch('hooks/temporal-worker-pebble-custom-notice', {
      notice: { id: '7', key: 'canonical.com/x' },
    });
    expect(dispatchedEnv()).toMatchObject({
      JUJU_WORKLOAD_NAME: 'temporal-worker',
      JUJU_NOTICE_ID: '7',
      JUJU_NOTICE_TYPE: 'custom',
      JUJU_NOTICE_KEY: 'canonical.com/x',
    });
  });

  it('commits pending state when the hook exits 0', async () => {
    await model.dispatch('hooks/config-changed', { env: { TEST_COUNTER: '1' } });

    expect(model.state()).toEqual({ counter: '1' });
    expect(model.hookError()).toBeNull();
  });

  it('discards pending state when the hook fails, but keeps the status it set', async () => {
    await model.dispatch('hooks/config-changed', { env: { TEST_COUNTER: '1' } });

    const result = await model.dispatch('hooks/config-changed', {
      env: { TEST_COUNTER: '2', TEST_EXIT: '1' },
    });

    expect(result.exitCode).toBe(1);
    expect(model.state()).toEqual({ counter: '1' });
    expect(model.status()).toEqual({ status: 'maintenance', message: 'running hooks/config-changed' });
    expect(model.hookError()).toBe('config-changed');
  });

  it('refuses to run other hooks while the unit is in error state, like Juju', async () => {
    await model.dispatch('hooks/config-changed', { env: { TEST_EXIT: '1' } });

    await expect(model.dispatch('hooks/update-status')).rejects.toThrow(/error state.*config-changed/);
    model.resolve();
    await expect(model.dispatch('hooks/update-status')).resolves.toMatchObject({ exitCode: 0 });
  });

  it('records statuses, logs and everything printed', async () => {
    await model.dispatch('hooks/install');

    expect(model.statusHistory()).toEqual([{ status: 'maintenance', message: 'running hooks/install' }]);
    expect(model.logs()).toEqual([{ level: 'INFO', message: 'dispatching hooks/install' }]);
    expect(model.printed()).toContain('to stdout');
    expect(model.printed()).toContain('to stderr');
    expect(model.printed()).toContain('running hooks/install');
    expect(model.debugLog()).toEqual([
      { level: 'INFO', hook: 'install', message: 'dispatching hooks/install' },
      { level: 'DEBUG', hook: 'install', message: 'to stdout' },
      { level: 'WARNING', hook: 'install', message: 'to stderr' },
    ]);
  });

  it('runs actions with JUJU_ACTION_* set, an empty hook name, and collects the result', async () => {
    const result = await model.dispatch('actions/restart', { actionParams: { delay: 5 } });

    expect(result.exitCode).toBe(0);
    const env = dispatchedEnv();
    expect(env).toMatchObject({
      JUJU_DISPATCH_PATH: 'actions/restart',
      JUJU_HOOK_NAME: '',
      JUJU_ACTION_NAME: 'restart',
    });
    expect(env.JUJU_ACTION_TAG).toBe(`action-${env.JUJU_ACTION_UUID}`);
    expect(model.actionResult()).toEqual({
      status: 'completed',
      results: { done: 'yes', detail: { value: '5' } },
      message: '',
      logs: ['working'],
      stdout: 'to stdout\n',
      stderr: 'to stderr\n',
      returnCode: 0,
    });
  });

  it('fails an action that called action-fail, without putting the unit into error state', async () => {
    await model.dispatch('actions/restart', { env: { TEST_ACTION_FAIL: '1' } });

    expect(model.actionResult()).toMatchObject({ status: 'failed', message: 'could not restart' });
    expect(model.hookError()).toBeNull();
  });

  it('fails an action whose process exits non-zero and discards its state changes', async () => {
    await model.dispatch('actions/restart', { env: { TEST_EXIT: '2', TEST_COUNTER: '9' } });

    expect(model.actionResult()).toMatchObject({ status: 'failed', message: 'exit status 2', returnCode: 2 });
    expect(model.state()).toEqual({});
    expect(model.hookError()).toBeNull();
  });

  it('loads option defaults from config.yaml and applies setConfig like `juju config`', () => {
    expect(model.config()).toEqual({
      'log-level': 'info',
      host: '',
      'encryption-key': null,
      'sentry-sample-rate': 1,
    });

    model.setConfig({ host: 'temporal:7233', 'log-level': null });

    expect(model.config()).toMatchObject({ host: 'temporal:7233', 'log-level': 'info' });
  });

  it('refuses unknown options and values of the wrong type, and parses strings by type, like `juju config`', () => {
    expect(() => model.setConfig({ 'no-such-option': 'x' })).toThrow(
      'juju config: unknown option "no-such-option"',
    );
    expect(() => model.setConfig({ 'sentry-sample-rate': 'lots' })).toThrow(/expected float/);

    model.setConfig({ 'sentry-sample-rate': '0.5', host: 'h' });

    expect(model.config()).toMatchObject({ 'sentry-sample-rate': 0.5, host: 'h' });
  });

  it('returns when the dispatch process exits, while a process it left behind cannot reach the agent', async () => {
    const result = await model.dispatch('hooks/update-status', { env: { TEST_BACKGROUND: '1' } });

    expect(result.exitCode).toBe(0);
    const late = path.join(charmDir, 'late.txt');
    for (let i = 0; i < 100 && !/exit \d/.test(existsSync(late) ? readFileSync(late, 'utf8') : ''); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(readFileSync(late, 'utf8')).toMatch(/^ERROR .*hook context[\s\S]*exit 1/);
  });

  it("passes a tool's stdout, stderr, exit code and stdin through exactly", async () => {
    model.attachResource('env-file', path.join(charmDir, 'config.yaml'));
    const env = model.beginHook('hooks/config-changed');
    const call = (tool: string, args: string[], input?: string) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = execFile(path.join(model.binDir, tool), args, { env }, (_error, stdout, stderr) =>
          resolve({ status: child.exitCode, stdout, stderr }),
        );
        child.stdin!.end(input ?? '');
      });

    await expect(call('resource-get', ['env-file'])).resolves.toEqual({
      status: 0,
      stdout: path.join(charmDir, 'config.yaml'),
      stderr: '',
    });
    await expect(call('config-get', ['--all'])).resolves.toEqual({
      status: 0,
      stdout: `${JSON.stringify(model.config(), null, 2)}\n`,
      stderr: '',
    });
    await expect(call('status-set', ['bogus', '--', ' \\ two\nlines '])).resolves.toEqual({
      status: 2,
      stdout: '',
      stderr: 'ERROR invalid status "bogus", expected one of [maintenance blocked waiting active]\n',
    });
    await expect(call('state-set', ['--file', '-'], JSON.stringify({ k: ' \\ v ' }))).resolves.toMatchObject({
      status: 0,
    });
    await expect(call('state-get', ['k'])).resolves.toMatchObject({ stdout: ' \\ v \n' });
    model.endHook(0);
  });

  it('rejects hook tools called after the hook ended', async () => {
    const env = model.beginHook('hooks/update-status');
    model.endHook(0);

    // Asynchronously: the agent answers from this process's event loop.
    const run = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = execFile(
        path.join(model.binDir, 'is-leader'),
        ['--format=json'],
        { env },
        (_error, _stdout, stderr) => resolve({ status: child.exitCode, stderr }),
      );
    });

    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^ERROR .*hook context/);
  });
});
