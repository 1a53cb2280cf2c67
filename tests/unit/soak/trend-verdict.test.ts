// The soak's trend rows: one rule for every length of run, failing on growth beyond the samples'
// noise (docs/soak.md §3).
import { FDS_CHECK, RSS_CHECK, sampleTrends, trendRow, type Sample, WARM_UP_S } from '../../../soak/verdict';

/** Samples every 5 s for `minutes`, RSS on a line of `mibPerHour` with a GC sawtooth of ±`noise` MiB. */
function samples(minutes: number, mibPerHour: number, noise = 4): Sample[] {
  return Array.from({ length: (minutes * 60) / 5 + 1 }, (_, i) => {
    const t = i * 5;
    return {
      t,
      rssMiB: 200 + (mibPerHour * t) / 3600 + (i % 4 < 2 ? noise : -noise),
      heapUsedMiB: null,
      fds: 60 + (i % 3 === 0 ? 0 : 20),
      sockets: 20,
    } as unknown as Sample;
  });
}

function rssResult(minutes: number, mibPerHour: number): string {
  return trendRow(sampleTrends(samples(minutes, mibPerHour)).rss, RSS_CHECK).result;
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
  const trends = sampleTrends(samples(3, 0));
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
  const withFault = sampleTrends(back).rss!;
  const ordinaryLife = sampleTrends(back, [[60, 140]]).rss!;

  expect(withFault.slope).toBeGreaterThan(100);
  expect(ordinaryLife.samples).toBe(8);
  expect(Math.abs(ordinaryLife.slope)).toBeLessThan(10);
  expect(trendRow(ordinaryLife, RSS_CHECK).result).toBe('pass');
});
