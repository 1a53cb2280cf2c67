// ConsumeEventsWorkflow, started through the trigger command's own code (what
// `npm run trigger -- --config config.yml --topic T --group G` runs), and a look at how
// it is doing when something takes too long.
import { Client, Connection } from '@temporalio/client';
import { authorizationFor } from '../src/trigger/authorization';
import { resolveTriggerOptions, type TriggerOptions } from '../src/trigger/options';
import { payloadCodecs } from '../src/temporal/codec';
import { connectionOptionsFor, triggerConsumeEvents, type StartedWorkflow } from '../src/trigger/start';
import type { Say } from './progress';

export interface ConsumeEventsRun {
  options: TriggerOptions;
  started: StartedWorkflow;
}

export function triggerCommand(configFile: string, topic: string, group: string): string[] {
  return ['npm', 'run', 'trigger', '--', '--config', configFile, '--topic', topic, '--group', group];
}

export async function startConsumeEvents(
  configFile: string,
  topic: string,
  group: string,
  say: Say,
): Promise<ConsumeEventsRun> {
  const options = resolveTriggerOptions(triggerCommand(configFile, topic, group).slice(4));
  if (!options) throw new Error('the trigger options asked for --help');
  say(`$ ${triggerCommand(configFile, topic, group).join(' ')}`);
  const started = await triggerConsumeEvents(
    options,
    {
      started: ({ workflowId, runId }) =>
        say(
          `started ConsumeEventsWorkflow('${topic}', '${group}'): workflow id ${workflowId}, run id ${runId}`,
        ),
      continuedAsNew: () => undefined,
      completed: () => undefined,
    },
    authorizationFor,
  );
  return { options, started };
}

export interface ConsumeEventsState {
  status: string;
  runId: string;
  activities: { type: string; attempt: number; lastFailure: string | undefined }[];
}

/** How the workflow is doing: its status and its running activities, with their attempt and last failure. */
export async function inspectConsumeEvents({
  options,
  started,
}: ConsumeEventsRun): Promise<ConsumeEventsState> {
  const connection = await Connection.connect(connectionOptionsFor(options, undefined));
  try {
    const client = new Client({
      connection,
      namespace: options.settings.namespace,
      dataConverter: payloadCodecs(options.settings.encryptionKey),
    });
    const description = await client.workflow.getHandle(started.workflowId).describe();
    return {
      status: description.status.name,
      runId: description.runId,
      activities: (description.raw.pendingActivities ?? []).map((activity) => ({
        type: activity.activityType?.name ?? '?',
        attempt: activity.attempt ?? 0,
        lastFailure: activity.lastFailure?.message ?? undefined,
      })),
    };
  } finally {
    await connection.close();
  }
}

export function describeConsumeEvents(run: ConsumeEventsRun, state: ConsumeEventsState): string[] {
  const lines = [`workflow ${run.started.workflowId}: ${state.status} (run ${state.runId})`];
  for (const activity of state.activities) {
    lines.push(
      `activity ${activity.type}: attempt ${activity.attempt}` +
        (activity.lastFailure ? `, last failure: ${activity.lastFailure}` : ''),
    );
  }
  if (state.activities.length === 0)
    lines.push('no activity is running: is the worker polling the task queue?');
  return lines;
}
