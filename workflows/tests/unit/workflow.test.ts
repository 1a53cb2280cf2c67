// ConsumeEventsWorkflow on the real Temporal dev server, with a mocked `consume` activity.
import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  DefaultLogger,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import * as path from 'node:path';
import { temporalBinary } from '../harness/tools';
import { ConsumeEventsWorkflow } from '../../src/workflows';

jest.setTimeout(120_000);

interface ConsumeCall {
  args: [string, string];
  runId: string;
  attempt: number;
  startToCloseTimeoutMs: number;
  heartbeatTimeoutMs: number | undefined;
}

let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundleWithSourceMap;
let taskQueueCount = 0;

beforeAll(async () => {
  [env, workflowBundle] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: temporalBinary() } },
    }),
    bundleWorkflowCode({
      workflowsPath: path.resolve(__dirname, '../../src/workflows/index.ts'),
      logger: new DefaultLogger('WARN'),
    }),
  ]);
});

afterAll(async () => {
  await env?.teardown();
});

/** Runs the workflow with `consume` answered by `answer` until `calls` consume calls happened. */
async function runUntilCalls(
  calls: number,
  answer: (call: ConsumeCall) => Promise<unknown>,
): Promise<{ calls: ConsumeCall[]; workflowId: string }> {
  taskQueueCount += 1;
  const taskQueue = `consume-events-${taskQueueCount}`;
  const recorded: ConsumeCall[] = [];
  let enough!: () => void;
  const haveEnough = new Promise<void>((resolve) => (enough = resolve));
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle,
    activities: {
      async consume(kafka_topic: string, consumer_group: string) {
        const info = activityInfo();
        const call: ConsumeCall = {
          args: [kafka_topic, consumer_group],
          runId: info.workflowExecution?.runId ?? '',
          attempt: info.attempt,
          startToCloseTimeoutMs: info.startToCloseTimeoutMs,
          heartbeatTimeoutMs: info.heartbeatTimeoutMs,
        };
        recorded.push(call);
        if (recorded.length >= calls) enough();
        return answer(call);
      },
    },
  });
  const workflowId = `consume-events-test-${taskQueueCount}`;
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(ConsumeEventsWorkflow, {
      taskQueue,
      workflowId,
      args: ['oci-events', 'oci-factory-group'],
    });
    await haveEnough;
    await handle.terminate('test done');
  });
  return { calls: recorded.slice(0, calls), workflowId };
}

const ok = async () => ({ eventbus_message: null, events: [], skipped: [] });

test('runs consume with the Python timeouts and a heartbeat timeout, then continues as new with the same arguments', async () => {
  const { calls } = await runUntilCalls(3, ok);

  expect(calls.map((c) => c.args)).toEqual([
    ['oci-events', 'oci-factory-group'],
    ['oci-events', 'oci-factory-group'],
    ['oci-events', 'oci-factory-group'],
  ]);
  expect(new Set(calls.map((c) => c.runId)).size).toBe(3);
  expect(calls[0]).toMatchObject({
    attempt: 1,
    startToCloseTimeoutMs: 1_800_000,
    heartbeatTimeoutMs: 15_000,
  });
});

test('a retryable consume failure is retried within the same run', async () => {
  const { calls } = await runUntilCalls(2, async (call) => {
    if (call.attempt === 1) throw new Error('broker unreachable');
    return ok();
  });

  expect(calls.map((c) => c.attempt)).toEqual([1, 2]);
  expect(calls[1]!.runId).toBe(calls[0]!.runId);
});

test('an activity failure does not fail the workflow: it continues as new', async () => {
  let failed = false;
  const { calls, workflowId } = await runUntilCalls(2, async () => {
    if (failed) return ok();
    failed = true;
    throw ApplicationFailure.nonRetryable("Subject 'oci-events-value' not found.", 'SchemaRegistryError');
  });

  expect(calls.map((c) => c.args)).toEqual([
    ['oci-events', 'oci-factory-group'],
    ['oci-events', 'oci-factory-group'],
  ]);
  expect(calls[1]!.runId).not.toBe(calls[0]!.runId);
  const firstRun = await env.client.workflow.getHandle(workflowId, calls[0]!.runId).describe();
  expect(firstRun.status.name).toBe('CONTINUED_AS_NEW');
});
