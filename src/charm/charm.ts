// Runs one event: every hook reconciles; the `restart` action reconciles, then restarts.
import type { CharmContext } from './reconcile';
import { reconcile } from './reconcile';
import { runRestartAction } from './restart-action';
import type { CharmEvent } from './event';

export async function runEvent(event: CharmEvent, context: CharmContext): Promise<void> {
  if (event.kind === 'hook') {
    await reconcile(context);
    return;
  }
  if (event.name === 'restart') {
    await runRestartAction(context);
    return;
  }
  await context.juju.actionFail(`unknown action '${event.name}'`);
}
