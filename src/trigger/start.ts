// Starts ConsumeEventsWorkflow(topic, group) on the task queue and, when asked, follows
// it from run to run (the workflow continues-as-new after every consume).
import {
  Client,
  Connection,
  WorkflowContinuedAsNewError,
  WorkflowExecutionAlreadyStartedError,
  defaultGrpcRetryOptions,
  makeGrpcRetryInterceptor,
  type ConnectionOptions,
} from '@temporalio/client';
import type { RenewingAuthorization } from '../temporal/auth/token-source';
import { payloadCodecs } from '../temporal/codec';
import { authorizationInterceptor, retryUnauthenticatedOnce, type CallAuthorization } from './authorization';
import { WORKFLOW_TYPE, type TriggerOptions } from './options';

export interface StartedWorkflow {
  workflowId: string;
  runId: string;
}

/** What the command reports as it goes; never given a secret. */
export interface TriggerReporter {
  started(workflow: StartedWorkflow): void;
  continuedAsNew(workflow: StartedWorkflow): void;
  completed(workflow: StartedWorkflow, result: unknown): void;
}

export type AuthorizationFactory = (options: TriggerOptions) => Promise<RenewingAuthorization | undefined>;

export class AlreadyRunningError extends Error {
  constructor(
    readonly workflowId: string,
    readonly runId: string | undefined,
  ) {
    super(
      `workflow ${workflowId} is already running${runId ? ` (run ${runId})` : ''}: ` +
        'it keeps consuming; pass another --workflow-id to start a second one',
    );
  }
}

export function connectionOptionsFor(
  options: TriggerOptions,
  authorization: CallAuthorization | undefined,
): ConnectionOptions {
  const retry = defaultGrpcRetryOptions();
  return {
    address: options.address,
    tls: options.tls,
    ...(authorization
      ? {
          interceptors: [
            makeGrpcRetryInterceptor({
              ...retry,
              retryableDecider: (attempt, status) =>
                retry.retryableDecider(attempt, status) || retryUnauthenticatedOnce(attempt, status),
            }),
            authorizationInterceptor(authorization),
          ],
        }
      : {}),
  };
}

async function followRuns(client: Client, workflowId: string, firstRunId: string, reporter: TriggerReporter) {
  let runId = firstRunId;
  for (;;) {
    const handle = client.workflow.getHandle(workflowId, runId, { followRuns: false });
    try {
      const result: unknown = await handle.result();
      reporter.completed({ workflowId, runId }, result);
      return;
    } catch (error) {
      if (!(error instanceof WorkflowContinuedAsNewError)) throw error;
      runId = error.newExecutionRunId;
      reporter.continuedAsNew({ workflowId, runId });
    }
  }
}

export async function triggerConsumeEvents(
  options: TriggerOptions,
  reporter: TriggerReporter,
  authorizationFactory: AuthorizationFactory,
): Promise<StartedWorkflow> {
  const authorization = await authorizationFactory(options);
  const connection = await Connection.connect(connectionOptionsFor(options, authorization));
  try {
    const client = new Client({
      connection,
      namespace: options.settings.namespace,
      dataConverter: payloadCodecs(options.settings.encryptionKey),
    });
    let started: StartedWorkflow;
    try {
      const handle = await client.workflow.start(WORKFLOW_TYPE, {
        taskQueue: options.settings.queue,
        workflowId: options.workflowId,
        args: [options.topic, options.group],
      });
      started = { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        const description = await client.workflow.getHandle(options.workflowId).describe();
        throw new AlreadyRunningError(options.workflowId, description.runId);
      }
      throw error;
    }
    reporter.started(started);
    if (options.wait) await followRuns(client, started.workflowId, started.runId, reporter);
    return started;
  } finally {
    authorization?.stop();
    await connection.close();
  }
}
