// The `restart` action: reconcile first (so the layer is the desired one), then restart
// the service and wait for it. It never acts on invalid config or an unreachable container.
import { PebbleChangeError, PebbleConnectionError } from '../pebble/types';
import { SERVICE_NAME } from '../workload/contract';
import { observeWorker, reconcile, type CharmContext } from './reconcile';
import { firstLine } from './status';

export const RESTARTED = 'worker successfully restarted';

export async function runRestartAction(context: CharmContext): Promise<void> {
  const { juju, pebble } = context;
  const outcome = await reconcile(context);
  if (outcome.kind !== 'reconciled') {
    await juju.actionFail(`cannot restart the worker: ${outcome.status.message}`);
    return;
  }
  await juju.actionLog('restarting the worker');
  let startError: string | undefined;
  try {
    await pebble.remove(context.paths.statusFile, { recursive: true });
    await pebble.restartServices([SERVICE_NAME]);
  } catch (error) {
    if (error instanceof PebbleConnectionError) {
      await juju.actionFail(
        `cannot restart the worker: Pebble in container temporal-worker is not reachable`,
      );
      return;
    }
    if (!(error instanceof PebbleChangeError)) throw error;
    startError = error.message;
  }
  const status = await observeWorker(context, outcome.inputs, { startError });
  await juju.statusSet(status.status, status.message);
  if (startError) {
    await juju.actionFail(`the worker did not restart: ${firstLine(startError)}`);
    return;
  }
  await juju.actionSet({ result: RESTARTED });
}
