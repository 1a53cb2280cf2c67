// The ordinary faults of a long life, each at a fixed fraction of the run: the broker
// restarted twice, the Temporal server restarted once (same port, persisted database),
// GitHub answering 503 for 30 s. The unit status is read through the charm during each.
//
// They come in the run's first half, so that every run ends with a stretch of ordinary life
// after them, in which a worker that kept what a fault made it take shows as a trend
// (verdict.ts). In the 3-minute run the consumer catches up after the last one at about 2:20,
// and the trend is judged on the half minute after that.
import { during } from '../workflows/tests/harness/standins/http-standin';
import type { StatusReading, UnitStatusReader } from './unit-status';
import type { SoakWorld } from './world';

export type FaultKind = 'kafka-restart' | 'temporal-restart' | 'github-503';

export interface FaultPlan {
  name: string;
  kind: FaultKind;
  /** When it starts, as a fraction of the run (the event stream's duration). */
  fraction: number;
  label: string;
}

export const FAULT_PLAN: readonly FaultPlan[] = [
  { name: 'kafka-1', kind: 'kafka-restart', fraction: 0.05, label: 'Kafka restart' },
  { name: 'temporal', kind: 'temporal-restart', fraction: 0.14, label: 'Temporal restart' },
  { name: 'kafka-2', kind: 'kafka-restart', fraction: 0.33, label: 'Kafka restart' },
  { name: 'github-503', kind: 'github-503', fraction: 0.45, label: 'GitHub 503 (30 s)' },
];

/**
 * How long each fault keeps its service away, on top of the time a restart itself takes (a
 * server's pod restarting takes about this long). The unit status is read halfway through.
 * Temporal stays away longer than the consume activity's heartbeat timeout (15 s), so that its
 * completion is lost and the activity retried.
 */
const KAFKA_DOWN_MS = 10_000;
const TEMPORAL_DOWN_MS = 20_000;
export const GITHUB_OUTAGE_MS = 30_000;

export interface FaultRecord extends FaultPlan {
  startedAt: number;
  endedAt?: number;
  /** The offset the next event got when the fault ended: the group committed past it is back. */
  latestAtEnd?: number;
  /** When the group had consumed every event produced until the fault ended, and one after. */
  recoveredAt?: number;
  /** The first unit status reading of `active` after it ended. */
  activeAgainAt?: number;
  error?: string;
}

export interface FaultContext {
  world: SoakWorld;
  status: UnitStatusReader;
  /** The producer holds its events while the broker is away, as a publisher would. */
  setBrokerDown(down: boolean): void;
  sleep(ms: number): Promise<void>;
}

/** Runs one fault, reading the unit status halfway through the outage. */
export async function playFault(kind: FaultKind, name: string, context: FaultContext): Promise<void> {
  const { world, status, sleep } = context;
  const readStatus = async (): Promise<StatusReading | undefined> => status.read(name);
  switch (kind) {
    case 'kafka-restart': {
      context.setBrokerDown(true);
      try {
        await world.broker.pause();
        await sleep(KAFKA_DOWN_MS / 2);
        await readStatus();
        await sleep(KAFKA_DOWN_MS / 2);
        await world.broker.resume();
      } finally {
        context.setBrokerDown(false);
      }
      return;
    }
    case 'temporal-restart': {
      await world.unit.temporal.stop();
      await sleep(TEMPORAL_DOWN_MS / 2);
      await readStatus();
      await sleep(TEMPORAL_DOWN_MS / 2);
      await world.unit.temporal.resume();
      return;
    }
    case 'github-503': {
      const github = world.run.standins.github;
      const until = Date.now() + GITHUB_OUTAGE_MS;
      github.intercept(during(until, { status: 503, body: { message: 'Service Unavailable' } }));
      await sleep(GITHUB_OUTAGE_MS / 2);
      await readStatus();
      await sleep(until - Date.now());
      github.clearIntercepts();
      return;
    }
  }
}
