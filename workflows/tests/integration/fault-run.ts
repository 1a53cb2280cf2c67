// One fault test's world: its own stand-ins seeded with the OCI Factory scenario, its own topic,
// consumer group and task queue, worker processes running the real `consume` activity
// (worker-child.ts) and ConsumeEventsWorkflow on the Temporal dev server, and a watch of the
// group's committed offsets. Faults of different runs do not meet, so they run in parallel.
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Kafka, type Admin } from 'kafkajs';
import { confluentFrame, type KafkaBroker } from '../harness/kafka';
import { startStandins, type Standins } from '../harness/standins';
import { expectedTriggers2204, seedOciFactoryScenario } from '../harness/standins/oci-factory-scenario';
import { MATTERMOST_TITLE } from '../../src/activities/process-event';
import { ociEvent, ociEventSchema } from './oci-events';

/** tsx resolves from here, as from the package. */
const WORKFLOWS_ROOT = path.resolve(__dirname, '..', '..');
const SCHEMA = ociEventSchema({ withRelease: true });

export interface TemporalAccess {
  address: string;
  client: TestWorkflowEnvironment['client'];
}

/** Short timeouts and retry budget, so a 20 s outage spends the budget and Temporal retries the activity. */
export const FAULT_ENV: Record<string, string> = {
  ROCKS_EVENTBUS_MAX_EVENTS_PER_RUN: '1000',
  ROCKS_EVENTBUS_MAX_RUN_SECONDS: '600',
  ROCKS_EVENTBUS_KARAPACE_TIMEOUT_SECONDS: '2',
  RETRY_BUDGET_SECONDS: '5',
  KEYSTONE_TIMEOUT_SECONDS: '3',
  SWIFT_TIMEOUT_SECONDS: '3',
  GITHUB_TIMEOUT_SECONDS: '3',
  REGISTRY_TAGS_TIMEOUT_SECONDS: '3',
  MATTERMOST_TIMEOUT_SECONDS: '3',
};

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function until<T>(
  condition: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 150_000,
): Promise<T> {
  for (const started = Date.now(); ; await sleep(200)) {
    const value = await condition();
    if (value) return value;
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  }
}

/** A worker process; its stderr is kept for failure messages. */
export class WorkerChild {
  stderr = '';
  readonly exited: Promise<void>;
  private readonly child: ChildProcess;

  constructor(
    readonly identity: string,
    args: { address: string; taskQueue: string; bundle: string; env: Record<string, string> },
  ) {
    this.child = spawn(
      process.execPath,
      [
        // tsx as a loader, not its CLI: the CLI runs the script in a grandchild SIGKILL would miss
        '--import',
        'tsx',
        path.join(__dirname, 'worker-child.ts'),
        args.address,
        args.taskQueue,
        args.bundle,
        identity,
      ],
      { cwd: WORKFLOWS_ROOT, env: { ...process.env, ...args.env }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child.stderr?.on(
      'data',
      (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-8000)),
    );
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.running) this.child.kill(signal);
    await this.exited;
  }

  /** SIGTERM (clean shutdown), SIGKILL if still there after 10 s. */
  async stop(): Promise<void> {
    if (!this.running) return;
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.kill('SIGTERM');
    clearTimeout(killer);
  }
}

export interface FaultRunOptions {
  broker: KafkaBroker;
  temporal: () => TemporalAccess;
  /** The prebuilt ConsumeEventsWorkflow bundle. */
  bundle: string;
  partitions?: number;
  env?: Record<string, string>;
}

export interface ProducedEvent {
  message_id: string;
  partition: number;
  offset: number;
}

interface CommitSeen {
  /** When the answer arrived: the commit was made before this. */
  at: number;
  partition: number;
  offset: number;
}

export class FaultRun {
  readonly events: ProducedEvent[] = [];
  readonly commits: CommitSeen[] = [];
  readonly workers: WorkerChild[] = [];
  readonly workflowIds: string[] = [];
  readonly env: Record<string, string>;
  readonly seededAt = new Date();
  private watching = true;
  private watcher: Promise<void> = Promise.resolve();
  private admin: Admin | undefined;

  private constructor(
    readonly name: string,
    readonly standins: Standins,
    readonly schemaId: number,
    private readonly options: FaultRunOptions,
  ) {
    this.env = {
      ...standins.env,
      ROCKS_EVENTBUS_KAFKA_ADDRESS: options.broker.address,
      ROCKS_EVENTBUS_CA_FILE: options.broker.caFile,
      ...FAULT_ENV,
      ...options.env,
    };
  }

  static async open(name: string, options: FaultRunOptions): Promise<FaultRun> {
    const standins = await startStandins();
    const run = new FaultRun(
      name,
      standins,
      standins.schemaRegistry.register(`fault-${name}-value`, SCHEMA),
      options,
    );
    seedOciFactoryScenario(standins, { now: run.seededAt });
    await options.broker.createTopic(run.topic, options.partitions ?? 1);
    run.watcher = run.watchCommits();
    return run;
  }

  get topic(): string {
    return `fault-${this.name}`;
  }

  get group(): string {
    return `fault-${this.name}-group`;
  }

  get taskQueue(): string {
    return `fault-${this.name}`;
  }

  /** The images every event of the scenario must dispatch, in name order. */
  get expectedImages(): string[] {
    return Object.keys(expectedTriggers2204(this.seededAt)).sort();
  }

  startWorker(identity = `${this.name}-worker-${this.workers.length + 1}`): WorkerChild {
    const worker = new WorkerChild(identity, {
      address: this.options.temporal().address,
      taskQueue: this.taskQueue,
      bundle: this.options.bundle,
      env: this.env,
    });
    this.workers.push(worker);
    return worker;
  }

  async startWorkflow(): Promise<string> {
    const workflowId = `${this.taskQueue}-${this.workflowIds.length + 1}`;
    await this.options.temporal().client.workflow.start('ConsumeEventsWorkflow', {
      taskQueue: this.taskQueue,
      workflowId,
      args: [this.topic, this.group],
    });
    this.workflowIds.push(workflowId);
    return workflowId;
  }

  /** Writes messages (null: a tombstone) to one partition; returns when the broker has them all. */
  async produceRaw(values: (Buffer | null)[], partition = 0): Promise<number> {
    const producer = await this.options.broker.producer();
    try {
      const [meta] = await producer.send({
        topic: this.topic,
        acks: -1,
        messages: values.map((value) => ({ value, partition })),
      });
      return Number(meta!.baseOffset);
    } finally {
      await producer.disconnect();
    }
  }

  /** Good release events for ubuntu@22.04, recorded with their partition and offset. */
  async produceEvents(count: number, partition = 0): Promise<ProducedEvent[]> {
    const values = Array.from({ length: count }, () => ociEvent({ release: 'ubuntu@22.04' }));
    const base = await this.produceRaw(
      values.map((value) => confluentFrame(this.schemaId, SCHEMA, value)),
      partition,
    );
    const produced = values.map((value, i) => ({
      message_id: String(value.message_id),
      partition,
      offset: base + i,
    }));
    this.events.push(...produced);
    return produced;
  }

  /** A good event written after `poison` undecodable messages; offsets of both. */
  async produceAfter(poison: (Buffer | null)[]): Promise<ProducedEvent> {
    const event = ociEvent({ release: 'ubuntu@22.04' });
    const base = await this.produceRaw([...poison, confluentFrame(this.schemaId, SCHEMA, event)]);
    const produced = { message_id: String(event.message_id), partition: 0, offset: base + poison.length };
    this.events.push(produced);
    return produced;
  }

  /** Waits until the group is stable with a member: the worker consumes, idle. */
  async waitUntilConsuming(): Promise<void> {
    await until(async () => {
      if (!this.admin) return false;
      const { groups } = await this.admin.describeGroups([this.group]).catch(() => ({ groups: [] }));
      return groups[0]?.state === 'Stable' && groups[0].members.length > 0;
    }, `${this.name}: the worker in the group`);
  }

  /** The newest committed offset seen on a partition (-1 when none). */
  committed(partition = 0): number {
    return Math.max(-1, ...this.commits.filter((c) => c.partition === partition).map((c) => c.offset));
  }

  async waitForCommit(offset: number, partition = 0, timeoutMs = 150_000): Promise<number> {
    await until(
      () => this.committed(partition) >= offset,
      `${this.name}: offset ${offset} committed on partition ${partition} (workers: ${this.workers
        .map((w) => w.stderr)
        .join('\n')})`,
      timeoutMs,
    );
    return Date.now();
  }

  /** Accepted dispatches of one event, by image. */
  dispatchesOf(event: ProducedEvent) {
    return this.standins.github.dispatches.filter((d) =>
      String(d.inputs.external_ref_id).endsWith(`-${event.message_id}`),
    );
  }

  /** Dispatch requests GitHub received (answered or not), with their image. */
  dispatchRequests(): { image: string; externalRefId: string; at: number }[] {
    return this.standins.github.requests
      .filter((r) => r.method === 'POST' && r.path.endsWith('/dispatches'))
      .map((r) => {
        const inputs = (JSON.parse(r.body) as { inputs: Record<string, string> }).inputs;
        return { image: inputs['oci-image-name']!, externalRefId: inputs.external_ref_id!, at: r.at };
      });
  }

  /**
   * The guarantees every fault test checks: each event's expected images dispatched exactly
   * once, with its stable external_ref_id; no offset seen committed past an event before its
   * last dispatch; and the group committed past every event at the end.
   */
  expectEachEventDispatchedOnceAndCommitted(): void {
    const refs = this.standins.github.dispatches.map((d) => String(d.inputs.external_ref_id));
    expect(new Set(refs).size).toBe(refs.length);
    expect(refs).toHaveLength(this.events.length * this.expectedImages.length);
    for (const event of this.events) {
      const dispatches = this.dispatchesOf(event);
      expect(dispatches.map((d) => d.inputs['oci-image-name']).sort()).toEqual(this.expectedImages);
      for (const d of dispatches) {
        expect(d.inputs.external_ref_id).toBe(
          `workflow-engine-${String(d.inputs['oci-image-name'])}-${event.message_id}`,
        );
      }
      const lastDispatch = Math.max(...dispatches.map((d) => d.at));
      const early = this.commits.filter(
        (c) => c.partition === event.partition && c.offset > event.offset && c.at < lastDispatch,
      );
      expect(early).toEqual([]);
      expect(this.committed(event.partition)).toBeGreaterThan(event.offset);
    }
  }

  /**
   * Exactly one Actions run per expected image per event, each linked from the event's
   * Mattermost post (or named there as dispatched without a link, when GitHub gave none).
   * Events of one partition are posted in their order.
   */
  expectOneRunPerImageLinkedFromThePost(): void {
    const texts = this.rebuildPostTexts();
    expect(texts).toHaveLength(this.events.length);
    this.events.forEach((event, index) => {
      const lines = texts[index]!.split('\n');
      for (const image of this.expectedImages) {
        const runs = this.standins.github.runs.filter(
          (r) => r.externalRefId === `workflow-engine-${image}-${event.message_id}`,
        );
        expect(runs).toHaveLength(1);
        const { id } = runs[0]!;
        expect([
          `- ${image}: [GitHub run ${id}](https://github.com/canonical/oci-factory/actions/runs/${id})`,
          `- ${image}: dispatched (GitHub gave no run link)`,
        ]).toContain(lines.find((line) => line.startsWith(`- ${image}: `)));
      }
    });
  }

  /** The texts of the rebuild posts in Mattermost as they stand, in the order they were posted. */
  rebuildPostTexts(): string[] {
    return this.standins.mattermost.posts
      .map((post) => (post.props as { attachments?: { title?: string; text?: string }[] }).attachments?.[0])
      .filter((attachment) => attachment?.title === MATTERMOST_TITLE)
      .map((attachment) => attachment?.text ?? '');
  }

  /** The worker identity running a workflow's consume activity, and its heartbeat's progress. */
  async pendingConsume(
    workflowId: string,
  ): Promise<{ identity: string; progress: { partition?: number; offset?: string } } | undefined> {
    const description = await this.options.temporal().client.workflow.getHandle(workflowId).describe();
    const [pending] = description.raw.pendingActivities ?? [];
    const payload = pending?.heartbeatDetails?.payloads?.[0];
    if (!pending?.lastWorkerIdentity || !payload) return undefined;
    return {
      identity: pending.lastWorkerIdentity,
      progress: defaultPayloadConverter.fromPayload(payload),
    };
  }

  async close(): Promise<void> {
    const { client } = this.options.temporal();
    for (const workflowId of this.workflowIds) {
      await client.workflow
        .getHandle(workflowId)
        .terminate('fault test done')
        .catch(() => undefined);
    }
    await Promise.all(this.workers.map((w) => w.stop()));
    this.watching = false;
    await this.watcher;
    await this.standins.stop();
  }

  /** Every 250 ms, the group's committed offsets (one admin connection, made again after a failure). */
  private async watchCommits(): Promise<void> {
    const partitions = this.options.partitions ?? 1;
    while (this.watching) {
      try {
        if (!this.admin) {
          const admin = new Kafka(this.options.broker.clientConfig()).admin();
          await admin.connect();
          this.admin = admin;
        }
        const [entry] = await this.admin.fetchOffsets({ groupId: this.group, topics: [this.topic] });
        const at = Date.now();
        for (let partition = 0; partition < partitions; partition += 1) {
          const offset = Number(entry?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
          if (offset > this.committed(partition)) this.commits.push({ at, partition, offset });
        }
      } catch {
        await this.admin?.disconnect().catch(() => undefined);
        this.admin = undefined;
      }
      await sleep(250);
    }
    await this.admin?.disconnect().catch(() => undefined);
  }
}
