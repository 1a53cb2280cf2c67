// The soak's trend rows: one rule for every length of run, failing on growth beyond the samples'
// noise (docs/soak.md §3).
import {
  FDS_CHECK,
  LIVE_HEAP_CHECK,
  RSS_CHECK,
  sampleTrends,
  trendRow,
  type Sample,
  WARM_UP_S,
} from '../../../soak/verdict';

/**
 * Samples every 5 s for `minutes`, RSS on a line of `mibPerHour` with a GC sawtooth of ±`noise`
 * MiB, and the old space in use climbing from 24 MiB to a GC every 30 s.
 */
function samples(minutes: number, mibPerHour: number, noise = 4, liveMiBPerHour = 0): Sample[] {
  return Array.from({ length: (minutes * 60) / 5 + 1 }, (_, i) => {
    const t = i * 5;
    return {
      t,
      rssMiB: 200 + (mibPerHour * t) / 3600 + (i % 4 < 2 ? noise : -noise),
      heapUsedMiB: null,
      heapSpacesMiB: { old: [24 + (liveMiBPerHour * t) / 3600 + (i % 6) * 2, 40] },
      fds: 60 + (i % 3 === 0 ? 0 : 20),
      sockets: 20,
    } as unknown as Sample;
  });
}

function rssResult(minutes: number, mibPerHour: number): string {
  return trendRow(sampleTrends(samples(minutes, mibPerHour), minutes * 60).rss, RSS_CHECK).result;
}

test('the 30-minute run passes a flat RSS and fails one growing 40 MiB/h', () => {
  expect(rssResult(30, 0)).toBe('pass');
  expect(rssResult(30, 40)).toBe('FAIL');
});

test('the 3-minute run judges its minute too: a gross leak fails, a flat RSS passes', () => {
  expect(WARM_UP_S).toBe(120);
  expect(rssResult(3, 0)).toBe('pass');
  // A megabyte every 5 s: what keeping each workflow run or Kafka connection would cost.
  expect(rssResult(3, 720)).toBe('FAIL');
});

test('file descriptors are fitted to floors, enough of them in a 3-minute run to judge', () => {
  const trends = sampleTrends(samples(3, 0), 180);
  const row = trendRow(trends.fds, FDS_CHECK);
  expect(row.result).toBe('pass');
  expect(trends.fds!.samples).toBeGreaterThanOrEqual(6);
});

test('a fault and the consumer catching up after it are left out of the trend', () => {
  // The consumer back from a fault at 2:00, its connections and backlog taking 8 MiB by 2:20.
  const back = samples(3, 0, 0.5).map((sample) => ({
    ...sample,
    rssMiB: sample.rssMiB! + Math.min(8, Math.max(0, ((sample.t - 120) / 20) * 8)),
  }));
  const withFault = sampleTrends(back, 180).rss!;
  const ordinaryLife = sampleTrends(back, 180, [[60, 140]]).rss!;

  expect(withFault.slope).toBeGreaterThan(100);
  expect(ordinaryLife.samples).toBe(8);
  expect(Math.abs(ordinaryLife.slope)).toBeLessThan(10);
  expect(trendRow(ordinaryLife, RSS_CHECK).result).toBe('pass');
});

test('RSS is judged over the second half: V8 settling in the first is shown, not judged', () => {
  // 12 MiB taken in steps over the first 16 minutes, then flat, as the 30-minute runs did.
  const settling = samples(30, 0, 1).map((sample) => ({
    ...sample,
    rssMiB: sample.rssMiB! + 3 * Math.min(4, Math.floor(sample.t / 240)),
  }));
  const trends = sampleTrends(settling, 30 * 60);

  expect(trends.rss!.from * 3600).toBe(15 * 60);
  expect(trendRow(trends.rss, RSS_CHECK)).toMatchObject({
    check: 'RSS trend over the second half',
    result: 'pass',
  });
  expect(trends.rssAfterWarmUp!.slope).toBeGreaterThan(RSS_CHECK.threshold);
  expect(
    trendRow(trends.rssAfterWarmUp, { ...RSS_CHECK, over: 'after warm-up', judged: false }),
  ).toMatchObject({ check: 'RSS trend after 2 min', result: 'info' });
});

test('objects kept alive fail from the warm-up on, at the old space floors, though RSS is flat', () => {
  const row = (liveMiBPerHour: number) =>
    trendRow(sampleTrends(samples(30, 0, 4, liveMiBPerHour), 30 * 60).liveHeap, LIVE_HEAP_CHECK);

  expect(row(0).result).toBe('pass');
  expect(row(12)).toMatchObject({ check: 'V8 old space in use trend after 2 min', result: 'FAIL' });
});

test('the 3-minute run is too short for the old space floors: shown, not failed', () => {
  const row = trendRow(sampleTrends(samples(3, 0, 4, 720), 180).liveHeap, LIVE_HEAP_CHECK);

  expect(row).toMatchObject({ result: 'info' });
  expect(row.value).toContain('each from a 60 s window');
});
