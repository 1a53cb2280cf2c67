// The soak's verdict: one row per promise of a long life, each passing or failing, and rows
// that only inform. Each threshold is justified here and in docs/soak.md §3.
import type { ProcessRecord } from '../demo/processes';
import type { RecordedDispatch } from '../workflows/tests/harness/standins/github';
import type { ProducedEvent } from '../workflows/tests/integration/fault-run';
import { CREDENTIAL_LIFETIME_S, type AuthCounts } from './auth';
import type { FaultKind, FaultRecord } from './faults';
import { SAMPLE_EVERY_MS } from './run';
import { fitTrend, type Point, type Trend } from './trend';
import type { StatusReading } from './unit-status';

/** The first minutes are the worker's start (modules loaded, connections made, pools filling): no trend before. */
export const WARM_UP_S = 120;
/**
 * RSS growth allowed, fitted to every sample of the run's second half. The worker idles at about
 * 100 MiB (bench/worker.ts). It is no promise for months (10 MiB/h is 7 GiB a month): a slower
 * leak needs a longer run, which the same check holds to the same figure with a smaller error.
 *
 * Why the second half: RSS keeps what V8 has ever taken. Under the stream V8 compiles and
 * recompiles code for 20 minutes and more (its code spaces), and each late major GC raises the
 * heap's high-water mark, which V8 gives back only when the worker idles, which the stream never
 * lets it. Runs of 30 and 60 minutes climbed 12 to 20 MiB by their 20th minute, in steps at
 * random times, while the old space in use at its floors stayed flat; over the 60-minute run's
 * second half RSS rose 3 MiB/h (docs/soak.md §7). The faults fill the first half, so the second
 * is ordinary life after them. What a leak of objects would grow, the old space in use, is judged
 * from the warm-up on (LIVE_HEAP_MIB_PER_HOUR), and so are the descriptors.
 */
export const RSS_MIB_PER_HOUR = 10;
/**
 * Growth allowed of the main isolate's old space in use, fitted to each window's floor (its
 * level after a GC): what the worker keeps alive, its clients, caches and any activity or
 * workflow run it fails to let go. Its floors stayed between 23.5 and 26.1 MiB over 30- and
 * 60-minute runs (+0.4 ± 2.3 and +0.1 ± 1.1 MiB/h). With those errors a leak fails above about
 * 7 MiB/h in 30 minutes and 4 in an hour; longer runs come closer to 2 MiB/h (1.4 GiB a month).
 */
export const LIVE_HEAP_MIB_PER_HOUR = 2;
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
 * The least steps RSS and the descriptors' floors take without a trend: V8 and malloc take memory
 * from the system in pieces (a V8 page is 256 KiB, a space grows by several), up to 1.44 MiB
 * between two samples of ordinary life in the 30-minute run of 2026-12-07; a floor moves by a
 * descriptor or two as connections come and go. Over 28 minutes they add 3 MiB/h to the error;
 * over the 3-minute run's half minute, about 150 MiB/h (a gross leak still shows: a workflow run
 * or a Kafka connection kept for good is megabytes a minute).
 */
export const RESOLUTION_MIB = 1.5;
export const RESOLUTION_FDS = 2;
/** The old space's floor moves by up to a MiB from window to window without a trend. */
export const RESOLUTION_LIVE_MIB = 1;
/**
 * A floor of the old space is its level after a major GC, which under the stream comes every 30
 * to 60 s: a shorter window holds only part of a climb. The 3-minute run, with half a minute of
 * ordinary life, is too short for this check.
 */
const LIVE_HEAP_WINDOW_S = 60;
export const RSS_CHECK: TrendCheck = {
  name: 'RSS',
  unit: 'MiB',
  threshold: RSS_MIB_PER_HOUR,
  judged: true,
  over: 'second half',
  step: RESOLUTION_MIB,
};
export const LIVE_HEAP_CHECK: TrendCheck = {
  name: 'V8 old space in use',
  unit: 'MiB',
  threshold: LIVE_HEAP_MIB_PER_HOUR,
  judged: true,
  over: 'after warm-up',
  points: 'floors',
  step: RESOLUTION_LIVE_MIB,
  floorWindowS: LIVE_HEAP_WINDOW_S,
};
export const FDS_CHECK: TrendCheck = {
  name: 'open file descriptors',
  unit: 'fds',
  threshold: FDS_PER_HOUR,
  judged: true,
  over: 'after warm-up',
  points: 'floors',
  step: RESOLUTION_FDS,
};
/**
 * A trend fails when its slope exceeds the threshold by more than this many standard errors:
 * growth the samples show beyond their noise. One rule for every length of run: the 30-minute
 * run's error (±3 to 6 MiB/h) lets it tell 10 MiB/h from 20, the 3-minute run's (a minute of
 * samples, hundreds of MiB/h) only a gross leak, such as a workflow run or a Kafka connection
 * kept for good (megabytes a minute).
 */
export const NOISE_ERRORS = 2;
/**
 * How soon after a fault the consumer must have caught up and the unit be active again. A
 * completion lost while Temporal was away shows only when the activity's heartbeat times out
 * (15 s), then the activity is retried (backoff up to 30 s) and rejoins the group: under a
 * minute. Rebuilds two minutes late after an outage are harmless; a consumer that does not
 * come back is not.
 */
export const RECOVERY_LIMIT_S = 120;
/**
 * How long after a fault's end a status read may still show it. The worker shows a service
 * failing until a call to it succeeds again, which after the fault waits for the next retry
 * (kafkajs reconnecting, the pipeline's backoff of up to 15 s, the activity's own retry); the
 * soak reads the unit every 5 s for a minute after each fault (run.ts).
 */
export const FAULT_STATUS_AFTER_S = 60;
/**
 * What a `waiting` or `maintenance` status read during a fault must say: the service the worker
 * retries (`worker retrying kafka: …`), or, for Temporal, any reason (`worker not connected: …`).
 */
const FAULT_STATUS_NAMES: Record<FaultKind, RegExp> = {
  'kafka-restart': /\bretrying (.*; )?kafka: /,
  'github-503': /\bretrying (.*; )?github: /,
  'temporal-restart': /^worker not connected: /,
};
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
  /** The main isolate's V8 heap: used, held, and both by space (docs/soak.md §5). */
  heapUsedMiB: number | null;
  heapHeldMiB: number | null;
  heapSpacesMiB: Record<string, [used: number, held: number]> | null;
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
  /** Over the second half. */
  rss?: Trend;
  /** The rest after the warm-up. */
  rssAfterWarmUp?: Trend;
  liveHeap?: Trend;
  fds?: Trend;
  sockets?: Trend;
  heap?: Trend;
  heapHeld?: Trend;
}

/**
 * Each window's lowest value, at the window's mean time (hours). A window is a minute, or shorter
 * when the span holds fewer than MIN_TREND_SAMPLES minutes (the 3-minute run), but never shorter
 * than `leastWindowS` (TrendCheck.floorWindowS).
 */
function windowFloors(points: { t: number; y: number }[], leastWindowS: number): Point[] {
  if (points.length === 0) return [];
  const span = points[points.length - 1]!.t - points[0]!.t;
  const window = Math.max(leastWindowS, Math.min(60, span / MIN_TREND_SAMPLES));
  const windows = new Map<number, { t: number; y: number }[]>();
  for (const point of points) {
    const index = Math.floor((point.t - points[0]!.t) / window);
    windows.set(index, [...(windows.get(index) ?? []), point]);
  }
  const full = Math.max(1, Math.floor((window * 1000) / SAMPLE_EVERY_MS / 2));
  return [...windows.values()]
    .filter((inWindow) => inWindow.length >= full)
    .map((inWindow) => ({
      x: inWindow.reduce((sum, p) => sum + p.t, 0) / inWindow.length / 3600,
      y: Math.min(...inWindow.map((p) => p.y)),
    }));
}

/**
 * After a fault has ended, until the consumer has caught up and a little after (its Kafka
 * connections made anew), the worker is still in the fault: the consumer away, then a backlog
 * worked through at full speed. Trends compare the worker in ordinary life, so these samples are
 * left out; a fault that leaves the worker holding more still shows, as a step between the
 * samples before it and after.
 */
export const AFTER_RECOVERY_S = 10;

/** Seconds since the stream's start during which a fault or its recovery ran. */
export function faultSpans(
  faults: readonly FaultRecord[],
  origin: number,
  endedAt: number,
): [number, number][] {
  return faults.map((fault) => [
    (fault.startedAt - origin) / 1000,
    ((fault.recoveredAt ?? fault.endedAt ?? endedAt) - origin) / 1000 + AFTER_RECOVERY_S,
  ]);
}

/** Seconds since the stream's start at which a trend's samples begin. */
export function trendStart(over: TrendCheck['over'], streamSeconds: number): number {
  return over === 'second half' ? Math.max(WARM_UP_S, streamSeconds / 2) : WARM_UP_S;
}

export function sampleTrends(
  samples: readonly Sample[],
  streamSeconds: number,
  faultSpansS: readonly [number, number][] = [],
): Trends {
  const from = (over: TrendCheck['over'], value: (sample: Sample) => number | null) =>
    samples
      .filter((sample) => sample.t >= trendStart(over, streamSeconds))
      .filter((sample) => !faultSpansS.some(([start, end]) => sample.t >= start && sample.t <= end))
      .map((sample) => ({ t: sample.t, y: value(sample) }))
      .filter((point): point is { t: number; y: number } => point.y !== null);
  const everySample = (over: TrendCheck['over'], value: (sample: Sample) => number | null) =>
    fitTrend(from(over, value).map((point) => ({ x: point.t / 3600, y: point.y })));
  const floors = (value: (sample: Sample) => number | null, leastWindowS = SAMPLE_EVERY_MS / 1000) =>
    fitTrend(windowFloors(from('after warm-up', value), leastWindowS));
  return {
    rss: everySample('second half', (s) => s.rssMiB),
    rssAfterWarmUp: everySample('after warm-up', (s) => s.rssMiB),
    liveHeap: floors((s) => s.heapSpacesMiB?.old?.[0] ?? null, LIVE_HEAP_CHECK.floorWindowS),
    fds: floors((s) => s.fds),
    sockets: floors((s) => s.sockets),
    heap: everySample('after warm-up', (s) => s.heapUsedMiB),
    heapHeld: everySample('after warm-up', (s) => s.heapHeldMiB),
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

export interface TrendCheck {
  name: string;
  unit: string;
  /** Per hour; judged checks fail above it. */
  threshold: number;
  judged: boolean;
  /** Its samples: from the warm-up's end, or from the run's second half (RSS_MIB_PER_HOUR). */
  over: 'after warm-up' | 'second half';
  points?: string;
  /**
   * The least window its floors take (seconds). A run too short for enough of them shows the
   * check as informative rather than failed.
   */
  floorWindowS?: number;
  /**
   * The least step the value takes on its own, without a trend: a span cannot tell a slope
   * smaller than one such step over it, which the error adds (RESOLUTION_MIB).
   */
  step: number;
}

/** Its standard error, with the least step the value takes over the span (TrendCheck.step). */
export function trendError(trend: Trend, step: number): number {
  return Math.hypot(trend.standardError, step / (trend.spanMinutes / 60));
}

export function trendRow(trend: Trend | undefined, spec: TrendCheck): Row {
  const { name, unit, threshold, judged, over, points = 'samples', step } = spec;
  const check = `${name} trend ${over === 'second half' ? 'over the second half' : `after ${WARM_UP_S / 60} min`}`;
  const expected = judged ? `slope − ${NOISE_ERRORS} × its error ≤ ${threshold} ${unit}/h` : 'informative';
  if (!trend || trend.samples < MIN_TREND_SAMPLES) {
    const perWindow = spec.floorWindowS ? `, each from a ${spec.floorWindowS} s window` : '';
    return {
      check,
      value: `too few ${points} to fit (${MIN_TREND_SAMPLES} needed${perWindow})`,
      expected,
      result: judged && !spec.floorWindowS ? 'FAIL' : 'info',
    };
  }
  const error = trendError(trend, step);
  const value =
    `${trend.slope >= 0 ? '+' : ''}${trend.slope.toFixed(1)} ${unit}/h ± ${error.toFixed(1)} ` +
    `(${trend.samples} ${points} over ${trend.spanMinutes.toFixed(1)} min)`;
  const beyondNoise = trend.slope - NOISE_ERRORS * error;
  return { check, value, expected, result: !judged ? 'info' : beyondNoise <= threshold ? 'pass' : 'FAIL' };
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
  const shown = faults.map((fault) => {
    const until = (fault.endedAt ?? input.endedAt) + FAULT_STATUS_AFTER_S * 1000;
    const during = statuses.filter((reading) => reading.at >= fault.startedAt && reading.at <= until);
    const ok = during.some(
      (reading) =>
        (reading.status === 'waiting' || reading.status === 'maintenance') &&
        FAULT_STATUS_NAMES[fault.kind].test(reading.message),
    );
    // The message of `active` is always the same: only the others say why.
    const seen = [
      ...new Set(
        during.map((reading) =>
          reading.status === 'active' ? 'active' : `${reading.status} (${reading.message})`,
        ),
      ),
    ];
    return { ok, text: `${fault.name}${ok ? '' : ' (no reason shown)'}: ${seen.join('; ') || 'not read'}` };
  });
  rows.push({
    check: 'unit status during each fault',
    value: shown.map((fault) => fault.text).join(' | ') || 'no fault ran',
    expected:
      `waiting or maintenance with the reason, from its start to ${FAULT_STATUS_AFTER_S} s after its end: ` +
      'naming kafka for a Kafka restart, github for its 503s',
    result: shown.length > 0 && shown.every((fault) => fault.ok) ? 'pass' : 'FAIL',
  });
  const backActive = faults.map((fault) => recovery(fault, fault.activeAgainAt));
  rows.push({
    check: 'unit active again after each fault, on its own',
    value: backActive.map((b) => b.text).join(', ') || 'no fault ran',
    expected: `within ${RECOVERY_LIMIT_S} s of its end`,
    result: backActive.length > 0 && backActive.every((b) => b.ok) ? 'pass' : 'FAIL',
  });

  const informative = { ...RSS_CHECK, over: 'after warm-up', judged: false } as const;
  rows.push(trendRow(trends.rss, RSS_CHECK));
  rows.push(trendRow(trends.rssAfterWarmUp, informative));
  rows.push(trendRow(trends.fds, FDS_CHECK));
  rows.push(trendRow(trends.sockets, { ...FDS_CHECK, name: 'sockets', unit: 'sockets', judged: false }));
  rows.push(
    ...(input.heapExposed
      ? [
          trendRow(trends.liveHeap, LIVE_HEAP_CHECK),
          trendRow(trends.heap, { ...informative, name: 'V8 heap used' }),
          trendRow(trends.heapHeld, { ...informative, name: 'V8 heap held' }),
        ]
      : [
          {
            check: 'V8 heap',
            value: 'not exposed: the worker serves no nodejs_heap_space_size_used_bytes (docs/soak.md §5)',
            expected: `its old space in use trend ≤ ${LIVE_HEAP_MIB_PER_HOUR} MiB/h`,
            result: 'FAIL' as const,
          },
        ]),
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
