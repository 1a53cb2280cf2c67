import { dispatchEvent } from '../../../src/charm/charm';
import { eventFromDispatchPath } from '../../../src/charm/event';
import { reconcile } from '../../../src/charm/reconcile';
import { PebbleConnectionError } from '../../../src/pebble/types';
import { SERVICE_NAME } from '../../../src/contract/container';
import { GOOGLE_CONFIG, VALID_CONFIG, removeTempDirs, unit, workerReports } from './charm-fixture';

afterAll(removeTempDirs);

const restart = { kind: 'action' as const, name: 'restart' };

describe('restart action', () => {
  it('restarts the service through Pebble and reports success', async () => {
    const u = unit();
    await reconcile(u.context);
    const starts = u.pebble.starts.get(SERVICE_NAME)!;
    workerReports(u.pebble, 'up');
    expect(await dispatchEvent(restart, u.context)).toBe(0);
    expect(u.pebble.starts.get(SERVICE_NAME)).toBe(starts + 1);
    expect(u.pebble.calls).toContain(`restart ${SERVICE_NAME}`);
    expect(u.juju.actionResults).toEqual({ result: 'worker successfully restarted' });
    expect(u.juju.actionFailure).toBeNull();
    // The restarted worker has not reported yet.
    expect(u.juju.status).toEqual({ status: 'maintenance', message: 'worker starting' });
  });

  it('first brings the container to the desired state (e.g. after the container restarted)', async () => {
    const u = unit();
    expect(await dispatchEvent(restart, u.context)).toBe(0);
    expect(u.pebble.calls.indexOf('add-layer temporal-worker')).toBeLessThan(
      u.pebble.calls.indexOf(`restart ${SERVICE_NAME}`),
    );
    expect(u.juju.actionResults.result).toBe('worker successfully restarted');
  });

  it('fails with a reason, touching nothing, when the config is invalid', async () => {
    const u = unit();
    await reconcile(u.context);
    u.pebble.calls = [];
    u.juju.config['sentry-sample-rate'] = 3;
    expect(await dispatchEvent(restart, u.context)).toBe(0);
    expect(u.juju.actionFailure).toBe(
      'cannot restart the worker: invalid config: sentry-sample-rate must be a number from 0 to 1',
    );
    expect(u.juju.actionResults).toEqual({});
    expect(u.pebble.calls).toEqual([]);
    expect(u.pebble.services.get(SERVICE_NAME)).toBe('active');
  });

  it('fails with a reason when Pebble is unreachable', async () => {
    const u = unit();
    u.pebble.reachable = false;
    expect(await dispatchEvent(restart, u.context)).toBe(0);
    expect(u.juju.actionFailure).toBe(
      'cannot restart the worker: waiting for Pebble in container temporal-worker',
    );
  });

  it('fails with a reason when Pebble goes away between reconcile and restart', async () => {
    const u = unit();
    await reconcile(u.context);
    u.pebble.restartServices = async () => {
      throw new PebbleConnectionError('connection refused');
    };
    expect(await dispatchEvent(restart, u.context)).toBe(0);
    expect(u.juju.actionFailure).toBe(
      'cannot restart the worker: Pebble in container temporal-worker is not reachable',
    );
  });

  it('fails with the change error when the worker does not come back', async () => {
    const u = unit();
    await reconcile(u.context);
    u.pebble.startOutcome = 'exits';
    expect(await dispatchEvent(restart, u.context)).toBe(0);
    expect(u.juju.actionFailure).toBe(
      'the worker did not restart: cannot start service: exited quickly with code 1',
    );
    expect(u.juju.status?.message).toBe('worker not running: it exited and Pebble restarts it (backoff)');
  });

  it('never puts a secret in the action output', async () => {
    const key = Buffer.alloc(32, 5).toString('base64');
    const u = unit({ config: { ...VALID_CONFIG, ...GOOGLE_CONFIG, 'encryption-key': key } });
    await dispatchEvent(restart, u.context);
    expect(u.juju.everythingSaid()).not.toContain(key);
    expect(u.juju.everythingSaid()).not.toContain('PRIVATE KEY');
  });

  it('fails unknown actions', async () => {
    const u = unit();
    expect(await dispatchEvent({ kind: 'action', name: 'dance' }, u.context)).toBe(0);
    expect(u.juju.actionFailure).toBe("unknown action 'dance'");
    expect(u.pebble.calls).toEqual([]);
  });
});

describe('eventFromDispatchPath', () => {
  it.each([
    ['hooks/install', { kind: 'hook', name: 'install' }],
    ['hooks/temporal-worker-pebble-ready', { kind: 'hook', name: 'temporal-worker-pebble-ready' }],
    ['actions/restart', { kind: 'action', name: 'restart' }],
    ['', null],
    [undefined, null],
    ['hooks/', null],
    ['other/install', null],
  ])('%j → %j', (dispatchPath, event) => {
    expect(eventFromDispatchPath(dispatchPath)).toEqual(event);
  });
});
