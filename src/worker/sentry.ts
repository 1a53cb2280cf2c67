// Sentry reporting (sentry-dsn set), as temporal-lib-py's SentryInterceptor:
// activity failures from an activity interceptor, workflow failures from the
// SDK's "Workflow failed" log record (emitted outside replay), with the same
// `temporal.*` tags. With sentry-redact-params no inputs are attached and
// frame variables are replaced by "REDACTED".
import type { Context as ActivityContext } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type { LogMetadata } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type * as SentryModule from '@sentry/node';

export interface SentrySettings {
  dsn: string;
  release?: string;
  environment?: string;
  sampleRate: number;
  redactParams: boolean;
}

export type CaptureException = (
  error: unknown,
  context: { tags: Record<string, string>; contexts: Record<string, Record<string, unknown>> },
) => void;

// Loaded only when sentry-dsn is set: @sentry/node takes most of a second to load.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sentry = () => require('@sentry/node') as typeof SentryModule;

export function initSentry(settings: SentrySettings): CaptureException {
  const Sentry = sentry();
  Sentry.init({
    dsn: settings.dsn,
    release: settings.release,
    environment: settings.environment,
    sampleRate: settings.sampleRate,
    tracesSampleRate: 0,
    defaultIntegrations: false,
    beforeSend: settings.redactParams ? redactFrameVariables : undefined,
  });
  return (error, context) => {
    Sentry.captureException(error, { tags: context.tags, contexts: context.contexts });
  };
}

export async function flushSentry(timeoutMs: number): Promise<void> {
  await sentry().flush(timeoutMs);
}

export function redactFrameVariables<T extends SentryModule.ErrorEvent>(event: T): T {
  for (const value of event.exception?.values ?? []) {
    for (const frame of value.stacktrace?.frames ?? []) {
      if (frame.vars)
        frame.vars = Object.fromEntries(Object.keys(frame.vars).map((key) => [key, 'REDACTED']));
    }
  }
  return event;
}

export function sentryActivityInterceptor(
  capture: CaptureException,
  redactParams: boolean,
): ActivityInterceptorsFactory {
  return (ctx: ActivityContext) => ({
    inbound: {
      async execute(input, next) {
        try {
          return await next(input);
        } catch (error) {
          if (!(error instanceof CancelledFailure)) {
            const info = ctx.info;
            const contexts: Record<string, Record<string, unknown>> = {
              'temporal.activity.info': {
                activityId: info.activityId,
                activityType: info.activityType,
                attempt: info.attempt,
                taskQueue: info.taskQueue,
                workflowType: info.workflowType,
                workflowId: info.workflowExecution?.workflowId,
                runId: info.workflowExecution?.runId,
              },
            };
            if (!redactParams) contexts['temporal.activity.input'] = { args: input.args };
            capture(error, {
              tags: {
                'temporal.execution_type': 'activity',
                module: info.activityType,
                'temporal.workflow.type': info.workflowType ?? '',
                'temporal.workflow.id': info.workflowExecution?.workflowId ?? '',
                'temporal.activity.id': info.activityId,
                'temporal.activity.type': info.activityType,
                'temporal.activity.task_queue': info.taskQueue,
                'temporal.workflow.namespace': info.workflowNamespace ?? info.activityNamespace,
                'temporal.workflow.run_id': info.workflowExecution?.runId ?? '',
              },
              contexts,
            });
          }
          throw error;
        }
      },
    },
  });
}

/** A log tap for the SDK's "Workflow failed" record (logged by the workflow sink, never on replay). */
export function sentryWorkflowFailureTap(capture: CaptureException) {
  return (message: string, meta: LogMetadata | undefined): void => {
    if (message !== 'Workflow failed' || !meta) return;
    const text = (key: string) => (typeof meta[key] === 'string' ? (meta[key] as string) : '');
    capture(meta.error ?? new Error(message), {
      tags: {
        'temporal.execution_type': 'workflow',
        module: text('workflowType'),
        'temporal.workflow.type': text('workflowType'),
        'temporal.workflow.id': text('workflowId'),
        'temporal.workflow.task_queue': text('taskQueue'),
        'temporal.workflow.namespace': text('namespace'),
        'temporal.workflow.run_id': text('runId'),
      },
      contexts: {
        'temporal.workflow.info': {
          workflowType: text('workflowType'),
          workflowId: text('workflowId'),
          runId: text('runId'),
          taskQueue: text('taskQueue'),
        },
      },
    });
  };
}
