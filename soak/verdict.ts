// The soak's verdict: one row per promise of a long life, each passing or failing, and rows
// that only inform. Each threshold is justified here and in docs/soak.md §3.
import type { ProcessRecord } from '../demo/processes';
import type { RecordedDispatch } from '../workflows/tests/harness/standins/github';
import type { ProducedEvent } from '../workflows/tests/integration/fault-run';
import { CREDENTIAL_LIFETIME_S, type AuthCounts } from './auth';
import type { FaultRecord } from './faults';
import { SAMPLE_EVERY_MS } from './run';
import { fitTrend, type Point, type Trend } from './trend';
import type { StatusReading } from './unit-status';

/** The first minutes are the worker's warm-up (JIT, V8 growing its heap, pools filling): no trend before. */
export const WARM_UP_S = 120;
/**
 * RSS growth allowed after the warm-up, fitted to every sample. The worker idles at about
 * 100 MiB (bench/worker.ts). The samples scatter 3 to 7 MiB around a line, autocorrelated
 * (measured in 3-minute runs), which leaves a 28-minute slope ±3 to 6 MiB/h: 10 MiB/h is about
 * the least such a run can tell from noise (each run prints its standard error beside the
 * slope). It is no promise for months (10 MiB/h is 7 GiB a month): a slower leak needs a longer
 * run, which the same check holds to the same figure with a smaller error.
 */
export const RSS_MIB_PER_HOUR = 10;
/**
 * File descriptor growth allowed, fitted to each minute's lowest count: a leaked descriptor
 * stays open, while the consume activity's Kafka connections (about 20) open and close with each
 * run of the workflow, every 8 s or so. Sampled every 5 s, that rhythm is noise of about 10
 * descriptors, which over 28 minutes leaves the slope of the raw samples ±7/h: no threshold that
 * catches a slow leak could be held to it. A leak of one per event or per continue-as-new is
 * hundreds an hour; 10 an hour is five descriptors over the run.
 */
export const FDS_PER_HOUR = 10;
/**
 * The trends are judged only over at least this span after the warm-up. A shorter fit (the
 * 3-minute run has one minute) cannot tell a leak from the worker still settling after its
 * start and the faults: its slope and standard error are shown, not judged.
 */
export const CONCLUSIVE_SPAN_MIN = 20;
/**
 * How soon after a fault the consumer must have caught up and the unit be active again. A
 * completion lost while Temporal was away shows only when the activity's heartbeat times out
 * (15 s), then the activity is retried (backoff up to 30 s) and rejoins the group: under a
 * minute. Rebuilds two minutes late after an outage are harmless; a consumer that does not
 * come back is not.
 */
export const RECOVERY_LIMIT_S = 120;
const MIN_TREND_SAMPLES = 6;

export type Result = 'pass' | 'FAIL' | 'info';

export interface Row {
  check: string;
  value: string;
  expected: string;
  result: Result;
}

export interface Sample {
  /** Seconds since the event stream started. */
  t: number;
  workerPid: number | null;
  rssMiB: number | null;
  heapUsedMiB: number | null;
  fds: number | null;
  sockets: number | null;
  eventsProduced: number;
  /** Events with every expected image dispatched. */
  eventsDispatched: number;
  dispatches: number;
  lag: number | null;
  pebbleService: string;
  pebbleRestarts: number;
}

export interface DispatchCheck {
  events: number;
  dispatches: number;
  /** `<external_ref_id>`s expected and never dispatched. */
  missing: string[];
  duplicated: string[];
  /** Dispatches of no produced event's expected image. */
  unexpected: string[];
}

export function checkDispatches(
  events: readonly ProducedEvent[],
  dispatches: readonly RecordedDispatch[],
  images: readonly string[],
): DispatchCheck {
  const count = new Map<string, number>();
  for (const dispatch of dispatches) {
    const ref = String(dispatch.inputs.external_ref_id);
    count.set(ref, (count.get(ref) ?? 0) + 1);
  }
  const expected = new Set(
    events.flatMap((event) => images.map((image) => `workflow-engine-${image}-${event.message_id}`)),
  );
  return {
    events: events.length,
    dispatches: dispatches.length,
    missing: [...expected].filter((ref) => !count.has(ref)),
    duplicated: [...count].filter(([ref, times]) => expected.has(ref) && times > 1).map(([ref]) => ref),
    unexpected: [...count.keys()].filter((ref) => !expected.has(ref)),
  };
}

export interface Trends {
  rss?: Trend;
  fds?: Trend;
  sockets?: Trend;
  heap?: Trend;
}

/** Each whole minute's lowest value after the warm-up, at the minute's mean time (hours). */
function minuteFloors(points: { t: number; y: number }[]): Point[] {
  const minutes = new Map<number, { t: number; y: number }[]>();
  for (const point of points) {
    const minute = Math.floor((point.t - WARM_UP_S) / 60);
    minutes.set(minute, [...(minutes.get(minute) ?? []), point]);
  }
  const full = (60 * 1000) / SAMPLE_EVERY_MS / 2;
  return [...minutes.values()]
    .filter((inMinute) => inMinute.length >= full)
    .map((inMinute) => ({
      x: inMinute.reduce((sum, p) => sum + p.t, 0) / inMinute.length / 3600,
      y: Math.min(...inMinute.map((p) => p.y)),
    }));
}

export function sampleTrends(samples: readonly Sample[]): Trends {
  const after = (value: (sample: Sample) => number | null) =>
    samples
      .filter((sample) => sample.t >= WARM_UP_S)
      .map((sample) => ({ t: sample.t, y: value(sample) }))
      .filter((point): point is { t: number; y: number } => point.y !== null);
  const everySample = (value: (sample: Sample) => number | null) =>
    fitTrend(after(value).map((point) => ({ x: point.t / 3600, y: point.y })));
  return {
    rss: everySample((s) => s.rssMiB),
    fds: fitTrend(minuteFloors(after((s) => s.fds))),
    sockets: fitTrend(minuteFloors(after((s) => s.sockets))),
    heap: everySample((s) => s.heapUsedMiB),
  };
}

export interface VerdictInput {
  dispatch: DispatchCheck;
  faults: readonly FaultRecord[];
  /** When the run ended (after the drain), epoch ms. */
  endedAt: number;
  finalLag: number | undefined;
  statuses: readonly StatusReading[];
  pebbleRestarts: number;
  workerProcesses: readonly ProcessRecord[];
  auth: AuthCounts;
  trends: Trends;
  heapExposed: boolean;
  workflowRuns: number | undefined;
  producerErrors: number;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(0)} s`;

/** How long after its end the fault was over, by `at` (undefined: never). */
function recovery(fault: FaultRecord, at: number | undefined): { ok: boolean; text: string } {
  if (fault.endedAt === undefined || at === undefined) {
    return {
      ok: false,
      text: `${fault.name} never${fault.error ? ` (the fault failed: ${fault.error})` : ''}`,
    };
  }
  const ms = at - fault.endedAt;
  return { ok: ms <= RECOVERY_LIMIT_S * 1000, text: `${fault.name} ${seconds(ms)}` };
}

function trendRow(
  name: string,
  unit: string,
  trend: Trend | undefined,
  threshold: number,
  judged: boolean,
  points = 'samples',
): Row {
  const check = `${name} trend after ${WARM_UP_S / 60} min`;
  const expected = `≤ ${threshold} ${unit}/h over ≥ ${CONCLUSIVE_SPAN_MIN} min`;
  if (!trend || trend.samples < MIN_TREND_SAMPLES) {
    return {
      check,
      value: `too few ${points} to fit (${MIN_TREND_SAMPLES} needed)`,
      expected,
      result: 'info',
    };
  }
  const value =
    `${trend.slope >= 0 ? '+' : ''}${trend.slope.toFixed(1)} ${unit}/h ± ${trend.standardError.toFixed(1)} ` +
    `(${trend.samples} ${points} over ${trend.spanMinutes.toFixed(1)} min)`;
  if (trend.spanMinutes < CONCLUSIVE_SPAN_MIN) {
    return { check, value: `${value}: too short a span to judge`, expected, result: 'info' };
  }
  return { check, value, expected, result: !judged ? 'info' : trend.slope <= threshold ? 'pass' : 'FAIL' };
}

export function verdictRows(input: VerdictInput): Row[] {
  const { dispatch, faults, statuses, auth, trends } = input;
  const rows: Row[] = [];

  const dispatchOk =
    dispatch.missing.length === 0 && dispatch.duplicated.length === 0 && dispatch.unexpected.length === 0;
  rows.push({
    check: 'every event dispatched exactly once per image',
    value:
      `${dispatch.events} events, ${dispatch.dispatches} dispatches; missing ${dispatch.missing.length}, ` +
      `duplicated ${dispatch.duplicated.length}, unexpected ${dispatch.unexpected.length}`,
    expected: 'each expected image once per event, by external_ref_id',
    result: dispatchOk ? 'pass' : 'FAIL',
  });

  const recoveries = faults.map((fault) => recovery(fault, fault.recoveredAt));
  rows.push({
    check: 'consumer lag back to 0 after each fault',
    value: recoveries.map((r) => r.text).join(', ') || 'no fault ran',
    expected: `within ${RECOVERY_LIMIT_S} s of its end: every event until then, and one after, consumed`,
    result: recoveries.length > 0 && recoveries.every((r) => r.ok) ? 'pass' : 'FAIL',
  });
  rows.push({
    check: 'consumer lag at the end',
    value: input.finalLag === undefined ? 'unknown' : String(input.finalLag),
    expected: '0',
    result: input.finalLag === 0 ? 'pass' : 'FAIL',
  });

  const pids = input.workerProcesses.map((record) => record.pid);
  rows.push({
    check: 'no Pebble restart of the worker',
    value: `${input.pebbleRestarts} restarts in Pebble's log; worker pid ${pids.join(' → ') || 'never seen'}`,
    expected: '0, one worker process',
    result: input.pebbleRestarts === 0 && pids.length === 1 ? 'pass' : 'FAIL',
  });

  const { expired, missing, unknown, refused } = auth.rejections;
  const lifetime = auth.longestLifetimeSeconds;
  // A credential that seemed to last much longer than it was issued for: the frontend did not
  // read its expiry, and "no expired credential" would prove nothing.
  const expiryEnforced = lifetime !== undefined && lifetime <= 2 * CREDENTIAL_LIFETIME_S;
  rows.push({
    check: `no call rejected for an expired credential (${auth.provider})`,
    value:
      `expired ${expired}, missing ${missing}, unknown ${unknown}, refused ${refused} of ${auth.calls} calls; ` +
      `${auth.renewals} renewals (${auth.issuerRequests} ${auth.provider === 'google' ? 'token endpoint' : 'Candid discharge'} requests), ` +
      `credentials lasting ≤ ${lifetime === undefined ? '?' : lifetime.toFixed(0)} s`,
    expected: `0 rejected; credentials of ${CREDENTIAL_LIFETIME_S} s renewed`,
    result:
      expired + missing + unknown + refused === 0 && expiryEnforced && auth.renewals > 0 ? 'pass' : 'FAIL',
  });

  const byStatus = new Map<string, number>();
  for (const reading of statuses) byStatus.set(reading.status, (byStatus.get(reading.status) ?? 0) + 1);
  const hookErrors = statuses.filter((reading) => reading.exitCode !== 0).length;
  rows.push({
    check: 'unit never blocked, no hook error',
    value: `${statuses.length} update-status: ${[...byStatus].map(([status, n]) => `${status} ${n}`).join(', ')}; ${hookErrors} hook errors`,
    expected: 'no blocked, no error',
    result: !byStatus.has('blocked') && !byStatus.has('error') && hookErrors === 0 ? 'pass' : 'FAIL',
  });
  rows.push({
    check: 'unit status during each fault',
    value: faults
      .map((fault) => {
        const during = statuses.filter(
          (reading) => reading.at >= fault.startedAt && reading.at <= (fault.endedAt ?? input.endedAt),
        );
        // The message of `active` is always the same: only the others say why.
        const seen = [
          ...new Set(
            during.map((reading) =>
              reading.status === 'active' ? 'active' : `${reading.status} (${reading.message})`,
            ),
          ),
        ];
        return `${fault.name}: ${seen.join('; ') || 'not read'}`;
      })
      .join(' | '),
    expected: 'waiting or maintenance with the reason, never blocked',
    result: 'info',
  });
  const backActive = faults.map((fault) => recovery(fault, fault.activeAgainAt));
  rows.push({
    check: 'unit active again after each fault, on its own',
    value: backActive.map((b) => b.text).join(', ') || 'no fault ran',
    expected: `within ${RECOVERY_LIMIT_S} s of its end`,
    result: backActive.length > 0 && backActive.every((b) => b.ok) ? 'pass' : 'FAIL',
  });

  rows.push(trendRow('RSS', 'MiB', trends.rss, RSS_MIB_PER_HOUR, true));
  rows.push(trendRow('open file descriptors', 'fds', trends.fds, FDS_PER_HOUR, true, 'minute floors'));
  rows.push(trendRow('sockets', 'sockets', trends.sockets, FDS_PER_HOUR, false, 'minute floors'));
  rows.push(
    input.heapExposed
      ? trendRow('V8 heap used', 'MiB', trends.heap, RSS_MIB_PER_HOUR, false)
      : {
          check: 'V8 heap used',
          value: 'not exposed: the worker serves no nodejs_heap_size_used_bytes (docs/soak.md §5)',
          expected: 'informative',
          result: 'info',
        },
  );
  rows.push({
    check: 'workflow runs (continue-as-new)',
    value:
      `${input.workflowRuns ?? 'unknown'} runs of ConsumeEventsWorkflow; ` +
      `${input.producerErrors} event${input.producerErrors === 1 ? '' : 's'} the producer could not send`,
    expected: 'informative',
    result: 'info',
  });
  return rows;
}

export function verdictPasses(rows: readonly Row[]): boolean {
  return rows.every((row) => row.result !== 'FAIL');
}

/** The rows as a plain-text table, each cell wrapped to its column. */
export function formatTable(rows: readonly Row[]): string {
  const columns: { key: keyof Row; title: string; width: number }[] = [
    { key: 'check', title: 'check', width: 40 },
    { key: 'value', title: 'observed', width: 64 },
    { key: 'expected', title: 'expected', width: 40 },
    { key: 'result', title: 'result', width: 6 },
  ];
  const wrap = (text: string, width: number): string[] => {
    const lines: string[] = [];
    let line = '';
    for (const word of text.split(' ')) {
      if (line && line.length + 1 + word.length > width) {
        lines.push(line);
        line = '';
      }
      line = line ? `${line} ${word}` : word;
      while (line.length > width) {
        lines.push(line.slice(0, width));
        line = line.slice(width);
      }
    }
    lines.push(line);
    return lines;
  };
  const rule = `+${columns.map((c) => '-'.repeat(c.width + 2)).join('+')}+`;
  const render = (cells: string[][]) => {
    const height = Math.max(...cells.map((lines) => lines.length));
    return Array.from(
      { length: height },
      (_, i) => `| ${cells.map((lines, c) => (lines[i] ?? '').padEnd(columns[c]!.width)).join(' | ')} |`,
    ).join('\n');
  };
  const out = [rule, render(columns.map((c) => [c.title])), rule];
  for (const row of rows) {
    out.push(render(columns.map((c) => wrap(String(row[c.key]), c.width))));
    out.push(rule);
  }
  return out.join('\n');
}
