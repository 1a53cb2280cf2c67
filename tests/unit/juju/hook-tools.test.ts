// HookTools against the fake hook tools on PATH: given a unit state, call one method,
// check what it returned and the state (and exact tool invocation) afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HookToolError, HookTools, MAX_LOG_LINE_LENGTH, type StatusName } from '../../../src/juju';
import { FakeJujuModel } from '../../harness/fake-juju';

describe('HookTools', () => {
  let charmDir: string;
  let model: FakeJujuModel;
  let juju: HookTools;
  const savedEnv = { ...process.env };

  function createModel(options: Partial<ConstructorParameters<typeof FakeJujuModel>[0]> = {}) {
    model = new FakeJujuModel({
      charmDir,
      config: { 'log-level': 'info', host: 'temporal:7233', 'encryption-key': null },
      resources: { 'env-file': '/var/lib/juju/resources/env-file/.env', 'workflows-file': null },
      ...options,
    });
  }

  /** Opens a hook context and puts its environment into process.env, as the charm process sees it. */
  function enter(event: string, opts: Parameters<FakeJujuModel['beginHook']>[1] = {}) {
    Object.assign(process.env, model.beginHook(event, opts));
    juju = new HookTools();
  }

  const lastCall = () => model.calls().at(-1)!;

  beforeEach(() => {
    charmDir = mkdtempSync(path.join(os.tmpdir(), 'charm-'));
    createModel();
  });

  afterEach(() => {
    process.env = { ...savedEnv };
    model.cleanup();
    rmSync(charmDir, { recursive: true, force: true });
  });

  describe('in a hook', () => {
    beforeEach(() => enter('hooks/config-changed'));

    it('reads every config option, unset ones as null', async () => {
      await expect(juju.configGet()).resolves.toEqual({
        'log-level': 'info',
        host: 'temporal:7233',
        'encryption-key': null,
      });
      expect(lastCall().args).toEqual(['--all', '--format=json']);
    });

    it('sets the unit status with the message after --, even when it starts with a dash', async () => {
      await juju.statusSet('blocked', '-x is wrong');

      expect(model.status()).toEqual({ status: 'blocked', message: '-x is wrong' });
      expect(lastCall().args).toEqual(['blocked', '--', '-x is wrong']);
      await expect(juju.statusGet()).resolves.toEqual({ status: 'blocked', message: '-x is wrong' });
    });

    it('fails with the tool stderr and exit code 2 for an invalid status', async () => {
      const error = await juju.statusSet('error' as StatusName, 'no').catch((err: unknown) => err);

      expect(error).toBeInstanceOf(HookToolError);
      expect(error).toMatchObject({ tool: 'status-set', exitCode: 2 });
      expect((error as HookToolError).stderr).toContain('ERROR invalid status "error"');
    });

    it('logs at the given level', async () => {
      await juju.log('WARNING', 'careful');

      expect(model.logs()).toEqual([{ level: 'WARNING', message: 'careful' }]);
      expect(lastCall().args).toEqual(['--log-level', 'WARNING', '--', 'careful']);
    });

    it('splits a message longer than the argv limit into chunks', async () => {
      const message = 'a'.repeat(MAX_LOG_LINE_LENGTH) + 'b'.repeat(MAX_LOG_LINE_LENGTH) + 'c'.repeat(10);

      await juju.log('INFO', message);

      const logs = model.logs();
      expect(logs).toHaveLength(4);
      expect(logs[0]!.message).toMatch(/splitting it into 3 chunks/);
      expect(logs.slice(1).map((entry) => entry.message)).toEqual([
        'a'.repeat(MAX_LOG_LINE_LENGTH),
        'b'.repeat(MAX_LOG_LINE_LENGTH),
        'c'.repeat(10),
      ]);
    });

    it('reads leadership', async () => {
      await expect(juju.isLeader()).resolves.toBe(true);
      model.setLeader(false);
      await expect(juju.isLeader()).resolves.toBe(false);
    });

    it('returns the path of an attached resource and null for a missing one', async () => {
      await expect(juju.resourceGet('env-file')).resolves.toBe('/var/lib/juju/resources/env-file/.env');
      await expect(juju.resourceGet('workflows-file')).resolves.toBeNull();
      expect(lastCall()).toMatchObject({ tool: 'resource-get', args: ['workflows-file'], exitCode: 1 });
    });

    it('sets the application version', async () => {
      await juju.applicationVersionSet('1.2.3');

      expect(model.applicationVersion()).toBe('1.2.3');
    });

    it.each([
      ['actionGet', () => juju.actionGet()],
      ['actionSet', () => juju.actionSet({ ok: 'yes' })],
      ['actionFail', () => juju.actionFail('no')],
      ['actionLog', () => juju.actionLog('hello')],
    ])('refuses %s outside an action', async (_name, call) => {
      const error = await call().catch((err: unknown) => err);

      expect(error).toBeInstanceOf(HookToolError);
      expect((error as HookToolError).stderr).toContain('ERROR not running an action');
    });

    it('sends state through stdin, sees its own pending changes, and commits them when the hook succeeds', async () => {
      await expect(juju.stateGet()).resolves.toEqual({});
      const bigValue = 'x'.repeat(60 * 1024);

      await juju.stateSet({ hash: 'abc', big: bigValue });

      expect(lastCall().args).toEqual(['--file', '-']);
      await expect(juju.stateGet()).resolves.toEqual({ hash: 'abc', big: bigValue });
      expect(model.state()).toEqual({});
      await juju.stateDelete('big');
      model.endHook(0);
      expect(model.state()).toEqual({ hash: 'abc' });
    });

    it('loses no update when tools run concurrently (Juju runs them one at a time)', async () => {
      const keys = Array.from({ length: 8 }, (_, i) => `key-${i}`);

      await Promise.all(keys.map((key) => juju.stateSet({ [key]: key })));

      await expect(juju.stateGet()).resolves.toEqual(Object.fromEntries(keys.map((key) => [key, key])));
    });

    it('loses pending state when the hook fails', async () => {
      await juju.stateSet({ hash: 'abc' });

      model.endHook(1);

      expect(model.state()).toEqual({});
    });

    it('reports a tool that cannot be started as a HookToolError', async () => {
      process.env.PATH = '/nonexistent';

      const error = await juju.isLeader().catch((err: unknown) => err);

      expect(error).toBeInstanceOf(HookToolError);
      expect(error).toMatchObject({ tool: 'is-leader', exitCode: undefined });
      expect((error as HookToolError).message).toMatch(/ENOENT/);
    });

    it('counts every tool process it starts', async () => {
      await juju.isLeader();
      await juju.configGet();
      await juju.stateSet({});

      expect(juju.callCount).toBe(2);
    });
  });

  describe('in an action', () => {
    beforeEach(() => enter('actions/restart', { actionParams: { delay: 5, reason: 'test' } }));

    it('reads the params and records results, logs and failure', async () => {
      await expect(juju.actionGet()).resolves.toEqual({ delay: 5, reason: 'test' });

      await juju.actionLog('restarting');
      await juju.actionSet({ restarted: 'true', 'service.name': 'temporal-worker' });
      await juju.actionFail('could not restart');
      model.endHook(0);

      expect(model.actionResult()).toMatchObject({
        status: 'failed',
        message: 'could not restart',
        logs: ['restarting'],
        results: { restarted: 'true', service: { name: 'temporal-worker' } },
      });
    });

    it.each([['Bad'], ['-x'], ['a_b'], ['stdout'], ['stderr-encoding.x']])(
      'rejects the result key %p before calling action-set',
      async (key) => {
        await expect(juju.actionSet({ [key]: 'v' })).rejects.toThrow(/cannot set action result/);
        expect(juju.callCount).toBe(0);
      },
    );
  });

  describe('relations', () => {
    let relationId: string;

    beforeEach(() => {
      relationId = model.addRelation('db', 'postgresql', {
        remoteUnits: { 'postgresql/0': { host: 'pg-0' } },
        remoteAppData: { database: 'temporal' },
      });
      enter('hooks/update-status');
    });

    it('lists relations and their units and reads unit and app data', async () => {
      await expect(juju.relationIds('db')).resolves.toEqual([relationId]);
      await expect(juju.relationList(relationId)).resolves.toEqual(['postgresql/0']);
      await expect(juju.relationGet(relationId, 'postgresql/0')).resolves.toEqual({ host: 'pg-0' });
      await expect(juju.relationGet(relationId, 'postgresql', true)).resolves.toEqual({
        database: 'temporal',
      });
      expect(lastCall().args).toEqual(['--format=json', '-r', relationId, '--app', '-', 'postgresql']);
    });

    it('writes local data through stdin, committed at the end of the hook', async () => {
      await juju.relationSet(relationId, { 'worker-queue': 'oci-factory' }, true);

      expect(lastCall().args).toEqual(['-r', relationId, '--app', '--file', '-']);
      await expect(juju.relationGet(relationId, 'temporal-worker-k8s', true)).resolves.toEqual({
        'worker-queue': 'oci-factory',
      });
      model.endHook(0);
      expect(model.relation(relationId)?.localApp).toEqual({ 'worker-queue': 'oci-factory' });
    });

    it('fails with the tool error for an unknown relation', async () => {
      await expect(juju.relationList('db:99')).rejects.toThrow(
        /relation-list failed \(exit 2\).*relation not found/,
      );
    });
  });
});

describe('HookTools errors', () => {
  const SECRET = 'encryption-key: c2VjcmV0LXZhbHVlLW5ldmVyLWVjaG9lZA==';

  it.each(['configGet', 'actionGet', 'stateGet'] as const)(
    '%s never echoes output that is not JSON',
    async (method) => {
      const juju = new HookTools(async () => ({ exitCode: 0, stdout: `${SECRET}\n`, stderr: '' }));
      const error = (await juju[method]().catch((caught: unknown) => caught)) as Error;
      expect(error.message).toMatch(/printed \d+ characters that are not JSON$/);
      expect(error.message).not.toContain('c2VjcmV0');
      expect(error.stack).not.toContain('c2VjcmV0');
    },
  );
});
