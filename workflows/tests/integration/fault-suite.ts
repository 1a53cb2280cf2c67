// What a file of fault tests shares: one Kafka broker, one Temporal dev server and the
// prebuilt workflow bundle, started in its beforeAll; each fault opened as its own FaultRun in
// parallel, its outcome awaited by its test; every run's duration logged at the end.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { KafkaBroker } from '../harness/kafka';
import type { RecordedRequest } from '../harness/standins/http-standin';
import { temporalBinary } from '../harness/tools';
import { FaultRun, type FaultRunOptions } from './fault-run';

/** The schema-registry stand-in's default credentials authenticate to Kafka too. */
const EVENTBUS_USER = { username: 'eventbus-user', password: 'eventbus-password' };
export const KAFKA_USERS = [{ username: 'admin', password: 'admin-test-password' }, EVENTBUS_USER];

export interface Outcome<T> {
  run: FaultRun;
  result: T;
}

export class FaultSuite {
  broker!: KafkaBroker;
  temporal!: TestWorkflowEnvironment;
  private tmp = '';
  private bundle = '';
  private readonly outcomes = new Map<string, Promise<Outcome<unknown>>>();
  private readonly durations = new Map<string, number>();

  async start(): Promise<void> {
    this.tmp = mkdtempSync(path.join(os.tmpdir(), 'faults-it-'));
    const [broker, temporal, code] = await Promise.all([
      KafkaBroker.start({ users: KAFKA_USERS }),
      TestWorkflowEnvironment.createLocal({
        server: { executable: { type: 'existing-path', path: temporalBinary() } },
      }),
      bundleWorkflowCode({
        workflowsPath: path.resolve(__dirname, '../../src/workflows/index.ts'),
        logger: new DefaultLogger('WARN'),
      }),
    ]);
    [this.broker, this.temporal] = [broker, temporal];
    this.bundle = path.join(this.tmp, 'workflow-bundle.js');
    writeFileSync(this.bundle, code.code);
  }

  /** A file of this suite's own, in its temporary folder. */
  tempPath(name: string): string {
    return path.join(this.tmp, name);
  }

  /** Opens a fault's run, plays it, and always closes it; the test awaits the outcome. */
  fault<T>(
    name: string,
    options: Partial<FaultRunOptions> | (() => Promise<Partial<FaultRunOptions>>),
    play: (run: FaultRun) => Promise<T>,
    after?: () => Promise<void>,
  ): void {
    const started = Date.now();
    const outcome = (async () => {
      const own = typeof options === 'function' ? await options() : options;
      const shared = { broker: this.broker, temporal: () => this.temporal, bundle: this.bundle };
      const run = await FaultRun.open(name, { ...shared, ...own });
      try {
        return { run, result: await play(run) };
      } finally {
        await run.close();
        this.durations.set(name, Date.now() - started);
        await after?.();
      }
    })();
    outcome.catch(() => undefined); // awaited (and reported) by its test
    this.outcomes.set(name, outcome);
  }

  async outcome<T>(name: string): Promise<Outcome<T>> {
    return (await this.outcomes.get(name)) as Outcome<T>;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.outcomes.values()].map((o) => o.catch(() => undefined)));
    console.log(
      `fault test durations:\n${[...this.durations].map(([name, ms]) => `  ${name}: ${(ms / 1000).toFixed(1)} s`).join('\n')}`,
    );
    await this.temporal?.teardown();
    await this.broker?.stop();
    if (this.tmp) rmSync(this.tmp, { recursive: true, force: true });
  }
}

export const isDispatch = (r: RecordedRequest, image?: string) =>
  r.method === 'POST' &&
  r.path.endsWith('/dispatches') &&
  (image === undefined || r.body.includes(`"oci-image-name":"${image}"`));

/** A worker and the workflow, consuming (idle) in the group. */
export async function consuming(run: FaultRun): Promise<void> {
  run.startWorker();
  await run.startWorkflow();
  await run.waitUntilConsuming();
}

/** The fault starts once the worker consumes; then one event, done once its offset is committed. */
export async function oneEventDuring(
  run: FaultRun,
  startFault: () => Promise<unknown> | unknown,
): Promise<void> {
  await consuming(run);
  await startFault();
  await run.produceEvents(1);
  await run.waitForCommit(1);
}
