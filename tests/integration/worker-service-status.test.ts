// The built worker (dist/worker) running the OCI Factory package built beside it, on the Temporal
// dev server, a real Kafka broker and the stand-ins of a fault run: while GitHub answers 503 and
// while the broker is away, the status file says `retrying`, naming the service, with /health
// still up; once the service is back it says `up` by itself.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { WorkerStatus } from '../../src/contract/worker-status';
import { KafkaBroker } from '../../workflows/tests/harness/kafka';
import { during } from '../../workflows/tests/harness/standins/http-standin';
import { FaultRun } from '../../workflows/tests/integration/fault-run';
import { KAFKA_USERS } from '../../workflows/tests/integration/fault-suite';
import { TemporalDevServer } from '../harness/temporal';
import { distFile } from '../harness/tools';
import { WorkerProcess, copyWorkerRuntime } from '../harness/worker-process';

jest.setTimeout(300_000);

const OUTAGE_MS = 15_000;

let temporal: TemporalDevServer;
let broker: KafkaBroker;
let run: FaultRun;
let worker: WorkerProcess;
let runtime: string;
let scratch: string;
/** Every status the worker wrote, as read every 100 ms. */
const seen: WorkerStatus[] = [];
let watching: NodeJS.Timeout | undefined;

beforeAll(async () => {
  runtime = copyWorkerRuntime();
  scratch = mkdtempSync(path.join(os.tmpdir(), 'worker-service-status-'));
  execFileSync('tar', ['xzf', distFile('oci-factory-workflows-0.0.1.tgz'), '-C', scratch]);
  [temporal, broker] = await Promise.all([
    TemporalDevServer.start(),
    KafkaBroker.start({ users: KAFKA_USERS }),
  ]);
  const client = await temporal.client();
  run = await FaultRun.open('worker-status', {
    broker,
    temporal: () => ({ address: temporal.address, client }),
    bundle: '', // the worker runs the package's own
  });
  worker = await WorkerProcess.start(runtime, {
    TWC_HOST: temporal.address,
    TWC_QUEUE: run.taskQueue,
    TWC_WORKFLOWS_DIR: path.join(scratch, 'package'),
    ...run.env,
  });
  watching = setInterval(() => {
    const status = worker.status();
    const last = seen.at(-1);
    if (status && (status.state !== last?.state || status.message !== last.message)) seen.push(status);
  }, 100);
  await untilStatus('up');
  await run.startWorkflow();
  await run.waitUntilConsuming();
}, 240_000);

afterAll(async () => {
  clearInterval(watching);
  await run?.close();
  await worker?.dispose();
  await broker?.stop();
  await temporal?.shutdown();
  rmSync(runtime, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

function untilStatus(
  state: WorkerStatus['state'],
  message?: RegExp,
  timeoutMs = 120_000,
): Promise<WorkerStatus> {
  return worker.waitFor(
    () => {
      const status = worker.status();
      return status?.state === state && (!message || message.test(status.message)) ? status : undefined;
    },
    `status ${state} ${message ?? ''} (seen: ${JSON.stringify(seen.map((s) => `${s.state}: ${s.message}`))})`,
    timeoutMs,
  );
}

test('GitHub answering 503: retrying github while the event waits, up once it is dispatched', async () => {
  run.standins.github.intercept(
    during(Date.now() + OUTAGE_MS, { status: 503, body: { message: 'Service Unavailable' } }),
  );
  await run.produceEvents(1);

  const retrying = await untilStatus('retrying', /^retrying github: /);
  expect((await worker.health())?.body.status).toBe('up');
  await run.waitForCommit(1);
  await untilStatus('up');

  expect(retrying.message).not.toMatch(/attempt|\d+ s\b/);
  run.expectEachEventDispatchedOnceAndCommitted();
});

test('the broker away: retrying kafka, up once the consumer is back in its group', async () => {
  await broker.pause();
  const retrying = await untilStatus('retrying', /^retrying kafka: /, 60_000);
  expect((await worker.health())?.body.status).toBe('up');
  await broker.resume();
  await untilStatus('up');
  await run.produceEvents(1);
  await run.waitForCommit(2);

  // The connection open when the broker went reset, the next one refused, or, once kafkajs has
  // dropped every connection, no broker left: whichever it reported first.
  expect(retrying.message).toMatch(
    /^retrying kafka: (Connection error: (read ECONNRESET|connect ECONNREFUSED )|No broker available)/,
  );
  // Temporal was there throughout: never down.
  const afterStart = seen.slice(seen.findIndex((status) => status.state === 'up'));
  expect(afterStart.filter((status) => status.state !== 'up' && status.state !== 'retrying')).toEqual([]);
});
