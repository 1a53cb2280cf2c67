// Runs one event: every hook reconciles; the `restart` action reconciles, then restarts.
// User mistakes end in a status, never a failed hook; only a bug (an unexpected
// exception) exits non-zero, after logging its stack through juju-log.
import { syncObservability } from './cos/observability';
import type { CharmEvent } from './event';
import { reconcile, type CharmContext } from './reconcile';
import { syncRelations } from './relations';
import { runRestartAction } from './restart-action';

export async function runEvent(event: CharmEvent, context: CharmContext): Promise<void> {
  if (event.kind === 'hook') {
    const outcome = await reconcile(context);
    const settings = outcome.kind === 'blocked' ? undefined : outcome.inputs.settings;
    await syncObservability(
      { ...context, alertRules: settings && { noEventAlertSeconds: settings.noEventAlertPeriod } },
      event.name,
      context.brokenRelationId,
    );
    await syncRelations(context.juju, event.name, context.brokenRelationId, settings);
    return;
  }
  if (event.name === 'restart') {
    await runRestartAction(context);
    return;
  }
  await context.juju.actionFail(`unknown action '${event.name}'`);
}

/** Runs the event and returns the process exit code. */
export async function dispatchEvent(event: CharmEvent, context: CharmContext): Promise<number> {
  try {
    await runEvent(event, context);
    return 0;
  } catch (error) {
    const report = `unexpected error in ${event.kind} ${event.name}: ${(error as Error)?.stack ?? String(error)}`;
    await context.juju.log('ERROR', report).catch(() => process.stderr.write(`${report}\n`));
    return 1;
  }
}
