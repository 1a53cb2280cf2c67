// ConsumeEventsWorkflow, started through the trigger command's own code (what
// `npm run trigger -- --config config.yml --topic T --group G` runs), and a look at how
// it is doing when something takes too long.
import { Client, Connection } from '@temporalio/client';
import { authorizationFor } from '../src/trigger/authorization';
import { resolveTriggerOptions, type TriggerOptions } from '../src/trigger/options';
import {
  connectionOptionsFor,
  dataConverterFor,
  triggerConsumeEvents,
  type StartedWorkflow,
} from '../src/trigger/start';
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

/** How the workflow is doing: its status and, for a running consume activity, its attempt and last failure. */
export async function describeConsumeEvents({ options, started }: ConsumeEventsRun): Promise<string[]> {
  const connection = await Connection.connect(connectionOptionsFor(options, undefined));
  try {
    const client = new Client({
      connection,
      namespace: options.namespace,
      dataConverter: dataConverterFor(options),
    });
    const description = await client.workflow.getHandle(started.workflowId).describe();
    const lines = [`workflow ${started.workflowId}: ${description.status.name} (run ${description.runId})`];
    for (const activity of description.raw.pendingActivities ?? []) {
      lines.push(
        `activity ${activity.activityType?.name ?? '?'}: attempt ${activity.attempt ?? '?'}` +
          (activity.lastFailure?.message ? `, last failure: ${activity.lastFailure.message}` : ''),
      );
    }
    if ((description.raw.pendingActivities ?? []).length === 0) {
      lines.push('no activity is running: is the worker polling the task queue?');
    }
    return lines;
  } finally {
    await connection.close();
  }
}
