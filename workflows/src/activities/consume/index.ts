// The `consume` activity: reads OCI release events from the event bus, decodes them and hands
// each one to the rebuild pipeline, at least once and without dispatching an image twice.
// Each run returns after a bounded number of events or time (run.ts); the workflow continues
// as new, so its history stays small and the run ends well inside the 1800 s start-to-close
// timeout.
import { activityInfo, cancellationSignal, heartbeat, log as activityLog } from '@temporalio/activity';
import { mattermostNotifier } from '../mattermost';
import { readPipelineSettings } from '../pipeline-settings';
import { processEvent } from '../process-event';
import { mattermostSkipReporter } from './report-skipped';
import { consumeEvents } from './run';
import type { ConsumeResult } from './run-tally';

/** The activity: `consume(kafka_topic, consumer_group)`, as in the OCI Factory's Python workflows. */
export async function consume(kafka_topic: string, consumer_group: string): Promise<ConsumeResult> {
  const info = activityInfo();
  const execution = info.workflowExecution ?? { workflowId: 'unknown', runId: 'unknown' };
  const { mattermost } = readPipelineSettings(process.env);
  return consumeEvents(kafka_topic, consumer_group, {
    env: process.env,
    processEvent,
    log: activityLog,
    // The workflow's namespace (`workflowNamespace` is the deprecated name of the same value).
    workflow: { namespace: info.namespace, workflowId: execution.workflowId, runId: execution.runId },
    signal: cancellationSignal(),
    heartbeat: (progress) => heartbeat(progress),
    reportSkipped: mattermost
      ? mattermostSkipReporter(mattermostNotifier(mattermost), activityLog)
      : undefined,
  });
}
