// The simulator's hook-tool semantics, in-process: a unit state, one hook context, tool
// calls as the executables would make them, and the state after the hook ends.
import { runHookTool, type ToolRequest } from '../../harness/juju-simulator/hook-tools';
import {
  closeHookContext,
  newRelation,
  newUnitState,
  openHookContext,
  type UnitState,
} from '../../harness/juju-simulator/unit-state';

describe('simulated hook tools', () => {
  let state: UnitState;

  beforeEach(() => {
    state = newUnitState({ unit: 'app/0', modelUuid: 'uuid', config: { host: 'h', key: null } });
    openHookContext(state, { id: 'ctx', hookName: 'config-changed' });
  });

  const call = (tool: string, args: string[], more: Partial<ToolRequest> = {}) =>
    runHookTool(state, {
      tool,
      args,
      contextId: 'ctx',
      cwd: '/',
      readStdin: () => {
        throw new Error('no stdin in this test');
      },
      ...more,
    });

  it('answers config-get as JSON, unset options only with --all', () => {
    expect(call('config-get', ['--format=json'])).toEqual({
      exitCode: 0,
      stdout: '{"host":"h"}\n',
      stderr: '',
    });
    expect(JSON.parse(call('config-get', ['--all', '--format=json']).stdout)).toEqual({
      host: 'h',
      key: null,
    });
  });

  it('refuses a call from no context or another one, with exit 1 and ERROR on stderr', () => {
    const result = call('is-leader', ['--format=json'], { contextId: 'other' });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^ERROR bad request: no active hook context "other"/);
  });

  it('sets statuses at once, kept when the hook fails; refuses an unknown status with exit 2', () => {
    expect(call('status-set', ['blocked', '--', 'no'])).toMatchObject({ exitCode: 0 });
    expect(call('status-set', ['error'])).toMatchObject({
      exitCode: 2,
      stderr: 'ERROR invalid status "error", expected one of [maintenance blocked waiting active]\n',
    });
    closeHookContext(state, 1);
    expect(state.status).toMatchObject({ status: 'blocked', message: 'no' });
  });

  it('keeps state-set, relation-set and open-port pending until the hook exits 0', () => {
    state.context = null;
    state.relations['peer:0'] = newRelation('app');
    for (const exitCode of [1, 0]) {
      openHookContext(state, { id: 'ctx', hookName: 'config-changed' });
      call('state-set', ['a=1']);
      call('relation-set', ['-r', 'peer:0', 'k=v']);
      call('open-port', ['8080']);
      expect(call('state-get', ['a']).stdout).toBe('1\n');
      expect(state.state).toEqual({});
      closeHookContext(state, exitCode);
      expect(state.state).toEqual(exitCode === 0 ? { a: '1' } : {});
      expect(state.ports).toEqual(exitCode === 0 ? ['8080/tcp'] : []);
      expect(state.relations['peer:0']!.localUnit).toEqual(exitCode === 0 ? { k: 'v' } : {});
    }
  });

  it('reads --file - from stdin only when given, and refuses app relation data from a non-leader', () => {
    state.relations['peer:0'] = newRelation('app');
    expect(call('state-set', ['--file', '-'], { readStdin: () => '{"x":"1"}' })).toMatchObject({
      exitCode: 0,
    });
    expect(call('state-get', ['--format=json']).stdout).toBe('{"x":"1"}\n');
    expect(
      call('relation-set', ['-r', 'peer:0', '--app', '--file', '-'], { readStdin: () => '{"k":"v"}' }),
    ).toMatchObject({ exitCode: 1, stderr: 'ERROR cannot write relation settings\n' });
  });

  it('fails resource-get for a resource not attached with exit 1, and prints a path with no newline', () => {
    state.resources['env-file'] = '/r/.env';
    expect(call('resource-get', ['env-file']).stdout).toBe('/r/.env');
    expect(call('resource-get', ['workflows-file'])).toMatchObject({
      exitCode: 1,
      stderr: expect.stringMatching(
        /^ERROR could not download resource: .*resource#app\/workflows-file not found/,
      ),
    });
  });

  it('runs action tools only in an action, and checks action-set keys', () => {
    expect(call('action-get', ['--format=json'])).toMatchObject({
      exitCode: 1,
      stderr: 'ERROR not running an action\n',
    });
    state.context = null;
    openHookContext(state, {
      id: 'ctx',
      hookName: 'restart',
      action: { name: 'restart', id: '1', params: {}, results: {}, failed: false, message: '', logs: [] },
    });
    expect(call('action-set', ['stdout=x'])).toMatchObject({ exitCode: 2 });
    expect(call('action-set', ['a.b=1', 'c=2'])).toMatchObject({ exitCode: 0 });
    expect(closeHookContext(state, 0).action).toMatchObject({
      status: 'completed',
      results: { a: { b: '1' }, c: '2' },
    });
  });

  it('records every call with its exit code', () => {
    call('is-leader', ['--format=json']);
    call('status-set', ['bogus']);
    expect(state.calls).toEqual([
      { tool: 'is-leader', args: ['--format=json'], exitCode: 0 },
      { tool: 'status-set', args: ['bogus'], exitCode: 2 },
    ]);
  });

  it('plays secret-get as Juju does: tracked and refreshed revisions, one key, exit codes and texts', () => {
    const id = 'secret:cs2p3bmmc4tsah0ks7sg';
    state.secrets[id] = { revisions: [{ a: '1' }, { a: '2', b: 'x' }], granted: true, tracked: 0 };
    // The first read tracks the latest; later ones keep it until --refresh.
    expect(call('secret-get', [id, '--format=json']).stdout).toBe('{"a":"2","b":"x"}\n');
    state.secrets[id].revisions.push({ a: '3' });
    expect(call('secret-get', [id, 'a', '--format=json']).stdout).toBe('"2"\n');
    expect(call('secret-get', [id, '--peek', '--format=json']).stdout).toBe('{"a":"3"}\n');
    expect(call('secret-get', [id, '--refresh', '--format=json']).stdout).toBe('{"a":"3"}\n');
    const error = (exitCode: number, message: string) => ({
      exitCode,
      stdout: '',
      stderr: `ERROR ${message}\n`,
    });
    expect(call('secret-get', [])).toEqual(error(2, 'require either a secret URI or label'));
    expect(call('secret-get', ['nope'])).toEqual(error(2, 'secret URI "nope" not valid'));
    expect(call('secret-get', [id, '--peek', '--refresh'])).toEqual(
      error(2, 'specify one of --peek or --refresh but not both'),
    );
    expect(call('secret-get', [id, 'zz'])).toEqual(error(1, 'secret key value "zz" not found'));
    expect(call('secret-get', ['secret:d0000000000000000001'])).toEqual(
      error(1, 'secret "d0000000000000000001" not found'),
    );
    state.secrets[id].granted = false;
    expect(call('secret-get', [id])).toEqual(error(1, 'permission denied'));
  });
});
