// The `restart` action: reconcile first (so the layer is the desired one), then restart
// the service and wait for it. It never acts on invalid config or an unreachable container.
import { PebbleChangeError, PebbleConnectionError } from '../pebble/types';
import { SERVICE_NAME } from '../contract/container';
import { observeWorker, reconcile, type CharmContext } from './reconcile';
import { firstLine } from './unit-status';

export const RESTARTED = 'worker successfully restarted';

const UNREACHABLE = 'cannot restart the worker: Pebble in container temporal-worker is not reachable';

/** Restarts the service and waits; returns why it did not come back, if it did not. */
async function restartService(context: CharmContext): Promise<string | undefined> {
  try {
    // The restarted worker writes its own status; the old one's must not pass for it.
    await context.pebble.remove(context.layout.statusFile, { recursive: true });
    await context.pebble.restartServices([SERVICE_NAME]);
    return undefined;
  } catch (error) {
    if (!(error instanceof PebbleChangeError)) throw error;
    return error.message;
  }
}

export async function runRestartAction(context: CharmContext): Promise<void> {
  const { juju } = context;
  const outcome = await reconcile(context);
  if (outcome.kind !== 'reconciled') {
    await juju.actionFail(`cannot restart the worker: ${outcome.status.message}`);
    return;
  }
  await juju.actionLog('restarting the worker');
  try {
    const startError = await restartService(context);
    const status = await observeWorker(context, outcome.inputs, { startError });
    await juju.statusSet(status.status, status.message);
    if (startError) {
      await juju.actionFail(`the worker did not restart: ${firstLine(startError)}`);
      return;
    }
  } catch (error) {
    if (!(error instanceof PebbleConnectionError)) throw error;
    await juju.actionFail(UNREACHABLE);
    return;
  }
  await juju.actionSet({ result: RESTARTED });
}
