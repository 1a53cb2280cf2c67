// The soak itself, once the world is up: a release event every 2 s for the run's length,
// the faults at their fractions of it, a sample of the worker every 5 s, the unit status
// every 15 s (every 5 s for a minute after each fault), the consumer lag every second; then a
// drain until every event is dispatched and the lag is 0 (at most 2 minutes). Every loop ends
// by itself at the run's end, or at once when `signal` aborts.
import { errorSummary } from '../src/error-summary';
import { FAULT_PLAN, playFault, type FaultRecord } from './faults';
import { KafkaLagWatch, type LagReading } from './kafka-lag';
import { UnitStatusReader } from './unit-status';
import type { Sample } from './verdict';
import { WorkerProbe, processSample } from './worker-probe';
import type { SoakWorld } from './world';

export const EVENT_EVERY_MS = 2_000;
export const SAMPLE_EVERY_MS = 5_000;
const STATUS_EVERY_MS = 15_000;
/** After a fault, the unit status is read this often for this long, to see it return to active. */
const STATUS_AFTER_FAULT_EVERY_MS = 5_000;
const STATUS_AFTER_FAULT_FOR_MS = 60_000;
const PROGRESS_EVERY_MS = 30_000;
const DRAIN_TIMEOUT_MS = 120_000;
const WORKFLOW_RUNS_TIMEOUT_MS = 30_000;

export class SoakRun {
  readonly samples: Sample[] = [];
  readonly faults: FaultRecord[] = [];
  readonly lagReadings: LagReading[] = [];
  readonly status: UnitStatusReader;
  readonly probe: WorkerProbe;
  producerErrors = 0;
  /** Epoch ms of t = 0: the first event. */
  origin = 0;
  productionEndedAt: number | undefined;
  endedAt: number | undefined;
  workflowRuns: number | undefined;
  private brokerDown = false;
  private sampling = true;
  private lastProgress = 0;

  constructor(
    private readonly world: SoakWorld,
    private readonly durationMs: number,
    private readonly signal: AbortSignal,
    private readonly say: (line: string) => void,
  ) {
    this.status = new UnitStatusReader(world.unit, signal);
    this.probe = new WorkerProbe(world.unit);
  }

  /** Resolves after `ms`, or at once when the run is aborted. */
  sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (this.signal.aborted || ms <= 0) return resolve();
      const done = () => {
        clearTimeout(timer);
        this.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.signal.addEventListener('abort', done, { once: true });
    });

  /** Seconds since t = 0 as m:ss. */
  clock(at = Date.now()): string {
    const seconds = Math.max(0, Math.round((at - this.origin) / 1000));
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
  }

  async play(): Promise<void> {
    const { world } = this;
    this.probe.baseline();
    this.probe.worker();
    const lag = new KafkaLagWatch(world.broker, world.run.topic, world.run.group);
    lag.onReading((reading) => this.lagReadings.push(reading));
    this.origin = Date.now();
    const sampler = this.sampleLoop(lag);
    const statuses = this.statusLoop();
    try {
      await Promise.all([this.produce(), this.playFaults()]);
      await this.drain(lag);
    } finally {
      this.sampling = false;
      await Promise.all([sampler, statuses]);
      await lag.stop();
    }
    if (!this.signal.aborted) {
      await this.takeSample(lag);
      await this.status.read('end');
    }
    this.endedAt = Date.now();
    if (this.signal.aborted) return;
    let timer: NodeJS.Timeout | undefined;
    this.workflowRuns = await Promise.race([
      world.workflowRuns().catch(() => undefined),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), WORKFLOW_RUNS_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
  }

  /** The offset the next event gets (one partition, only the soak's events). */
  private nextOffset(): number {
    return Math.max(-1, ...this.world.run.events.map((event) => event.offset)) + 1;
  }

  private async produce(): Promise<void> {
    const end = this.origin + this.durationMs;
    for (let due = this.origin; due < end && !this.signal.aborted; due += EVENT_EVERY_MS) {
      await this.sleep(due - Date.now());
      // A publisher has nowhere to send while the broker is away: no event then.
      if (this.signal.aborted || this.brokerDown) continue;
      try {
        await this.world.run.produceEvents(1);
      } catch {
        this.producerErrors++;
      }
    }
    this.productionEndedAt = Date.now();
  }

  private async playFaults(): Promise<void> {
    for (const plan of FAULT_PLAN) {
      await this.sleep(this.origin + plan.fraction * this.durationMs - Date.now());
      if (this.signal.aborted) return;
      const fault: FaultRecord = { ...plan, startedAt: Date.now() };
      this.faults.push(fault);
      this.say(`[${this.clock()}] fault ${fault.name}: ${fault.label}`);
      try {
        await playFault(plan.kind, plan.name, {
          world: this.world,
          status: this.status,
          setBrokerDown: (down) => (this.brokerDown = down),
          sleep: this.sleep,
        });
      } catch (error) {
        fault.error = errorSummary(error);
      }
      fault.endedAt = Date.now();
      fault.latestAtEnd = this.nextOffset();
      const during = this.status.readings.filter((reading) => reading.reason === fault.name).at(-1);
      this.say(
        `[${this.clock()}] fault ${fault.name} over after ${((fault.endedAt - fault.startedAt) / 1000).toFixed(0)} s` +
          `${fault.error ? ` (failed: ${fault.error})` : ''}; unit during it: ` +
          `${during ? `${during.status} (${during.message})` : 'not read'}`,
      );
    }
  }

  /** Until every produced event is dispatched and the group has consumed all, at most DRAIN_TIMEOUT_MS. */
  private async drain(lag: KafkaLagWatch): Promise<void> {
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    while (!this.signal.aborted && Date.now() < deadline) {
      const reading = lag.latest;
      const caughtUp =
        reading !== undefined &&
        reading.at > (this.productionEndedAt ?? Infinity) &&
        reading.lag === 0 &&
        reading.latest >= this.nextOffset();
      if (caughtUp && this.eventsDispatched() === this.world.run.events.length) return;
      await this.sleep(1_000);
    }
  }

  /** Events whose every expected image has been dispatched. */
  private eventsDispatched(): number {
    const refs = new Set(
      this.world.run.standins.github.dispatches.map((d) => String(d.inputs.external_ref_id)),
    );
    const images = this.world.expectedImages;
    return this.world.run.events.filter((event) =>
      images.every((image) => refs.has(`workflow-engine-${image}-${event.message_id}`)),
    ).length;
  }

  private async sampleLoop(lag: KafkaLagWatch): Promise<void> {
    while (this.sampling && !this.signal.aborted) {
      const started = Date.now();
      await this.takeSample(lag);
      await this.sleep(SAMPLE_EVERY_MS - (Date.now() - started));
    }
  }

  private async takeSample(lag: KafkaLagWatch): Promise<void> {
    const worker = this.probe.worker();
    const process = worker ? processSample(worker.pid) : undefined;
    const reading = lag.latest;
    const fresh = reading && Date.now() - reading.at < SAMPLE_EVERY_MS;
    const heap = await this.probe.heap();
    const sample: Sample = {
      t: (Date.now() - this.origin) / 1000,
      workerPid: worker?.pid ?? null,
      rssMiB: process?.rssMiB ?? null,
      heapUsedMiB: heap?.usedMiB ?? null,
      heapHeldMiB: heap?.heldMiB ?? null,
      heapSpacesMiB: heap?.spacesMiB ?? null,
      fds: process?.fds ?? null,
      sockets: process?.sockets ?? null,
      eventsProduced: this.world.run.events.length,
      eventsDispatched: this.eventsDispatched(),
      dispatches: this.world.run.standins.github.dispatches.length,
      lag: fresh ? reading.lag : null,
      pebbleService: await this.probe.serviceState(),
      pebbleRestarts: this.probe.restarts(),
    };
    this.samples.push(sample);
    if (Date.now() - this.lastProgress >= PROGRESS_EVERY_MS) {
      this.lastProgress = Date.now();
      const unit = this.status.readings.at(-1);
      const mib = (value: number | null) => (value === null ? '–' : `${value.toFixed(1)} MiB`);
      this.say(
        `[${this.clock()}] rss ${mib(sample.rssMiB)}, heap ${mib(sample.heapUsedMiB)} of ${mib(sample.heapHeldMiB)}, fds ${sample.fds ?? '–'} ` +
          `(sockets ${sample.sockets ?? '–'}); events ${sample.eventsProduced} produced, ` +
          `${sample.eventsDispatched} dispatched; lag ${sample.lag ?? '–'}; ` +
          `pebble ${sample.pebbleService}, ${sample.pebbleRestarts} restarts; unit ${unit?.status ?? '–'}`,
      );
    }
  }

  private async statusLoop(): Promise<void> {
    let last = 0;
    while (this.sampling && !this.signal.aborted) {
      const now = Date.now();
      const afterFault = this.faults.some(
        (fault) => fault.endedAt !== undefined && now - fault.endedAt < STATUS_AFTER_FAULT_FOR_MS,
      );
      if (now - last >= (afterFault ? STATUS_AFTER_FAULT_EVERY_MS : STATUS_EVERY_MS)) {
        last = now;
        await this.status.read('periodic');
      }
      await this.sleep(1_000);
    }
    await this.status.settled();
  }
}

/**
 * When each fault was over for the consumer and for the unit. The consumer: the first lag
 * reading whose committed offset is past every event produced until the fault ended and one
 * produced after it (or, once the stream had ended, past every event): the lag the fault built
 * up is back to 0, whatever a later fault's own backlog. The unit: the first `active` status.
 */
export function settleFaults(run: SoakRun): void {
  for (const fault of run.faults) {
    if (fault.endedAt === undefined || fault.latestAtEnd === undefined) continue;
    const endedAt = fault.endedAt;
    const latestAtEnd = fault.latestAtEnd;
    const recovered = run.lagReadings.find((reading) => {
      if (reading.at <= endedAt) return false;
      const producing = run.productionEndedAt === undefined || reading.at < run.productionEndedAt;
      return reading.committed >= latestAtEnd + (producing ? 1 : 0);
    });
    fault.recoveredAt = recovered?.at;
    fault.activeAgainAt = run.status.readings.find(
      (reading) => reading.at > endedAt && reading.status === 'active',
    )?.at;
  }
}
