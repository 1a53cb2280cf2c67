// The soak's picture, as hand-written SVG: the worker's memory (RSS, and V8's heap when the
// worker exposes it), its file descriptors and sockets, and the consumer lag over the run,
// the unit status as a strip underneath, each fault a shaded band with its name, the end of
// the warm-up, and the judged trends as dashed lines: RSS over the second half, the old space in
// use and the fds at each minute's floor.
import type { FaultRecord } from './faults';
import type { Trend } from './trend';
import type { StatusReading } from './unit-status';
import type { Sample } from './verdict';

export interface ChartInput {
  title: string;
  subtitle: string;
  samples: readonly Sample[];
  /** Epoch ms of t = 0. */
  origin: number;
  faults: readonly FaultRecord[];
  statuses: readonly StatusReading[];
  warmUpS: number;
  trends: { rss?: Trend; liveHeap?: Trend; fds?: Trend };
}

interface Series {
  name: string;
  color: string;
  value: (sample: Sample) => number | null;
  dashed?: boolean;
}

interface Panel {
  title: string;
  unit: string;
  height: number;
  series: Series[];
  trends: { trend: Trend; color: string; name: string }[];
  /** Start the axis at 0 (counts), or fit it to the data (memory). */
  fromZero: boolean;
}

const WIDTH = 1000;
const LEFT = 70;
const RIGHT = 200;
const TOP = 112;
const GAP = 34;
const STRIP = 18;
const STATUS_COLORS: Record<string, string> = {
  active: '#2e9d4f',
  waiting: '#e0a100',
  maintenance: '#3b78c2',
  blocked: '#d0312d',
  error: '#7a0a0a',
};

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceStep(range: number, count: number): number {
  const raw = range / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

function yDomain(values: number[], fromZero: boolean): [number, number] {
  if (values.length === 0) return [0, 1];
  let low = fromZero ? 0 : Math.min(...values);
  let high = Math.max(...values);
  if (high - low < 1) {
    high += 1;
    if (!fromZero) low = Math.max(0, low - 1);
  }
  const step = niceStep(high - low, 4);
  return [Math.floor(low / step) * step, Math.ceil(high / step) * step];
}

export function renderChart(input: ChartInput): string {
  const { samples, origin } = input;
  const toT = (epochMs: number) => (epochMs - origin) / 1000;
  const lastT = Math.max(
    1,
    ...samples.map((s) => s.t),
    ...input.faults.map((f) => toT(f.endedAt ?? f.startedAt)),
    ...input.statuses.map((s) => toT(s.at)),
  );
  const plotWidth = WIDTH - LEFT - RIGHT;
  const x = (t: number) => LEFT + (Math.max(0, t) / lastT) * plotWidth;

  const panels: Panel[] = [
    {
      title: 'worker memory',
      unit: 'MiB',
      height: 210,
      fromZero: false,
      series: [
        { name: 'RSS', color: '#1f5fbf', value: (s) => s.rssMiB },
        { name: 'V8 heap held', color: '#e8a66b', value: (s) => s.heapHeldMiB },
        { name: 'V8 heap used', color: '#d9731a', value: (s) => s.heapUsedMiB },
        { name: 'V8 old space used', color: '#8c564b', value: (s) => s.heapSpacesMiB?.old?.[0] ?? null },
      ],
      trends: [
        ...(input.trends.rss ? [{ trend: input.trends.rss, color: '#1f5fbf', name: 'RSS, 2nd half' }] : []),
        ...(input.trends.liveHeap
          ? [{ trend: input.trends.liveHeap, color: '#8c564b', name: 'old space floor' }]
          : []),
      ],
    },
    {
      title: 'open file descriptors',
      unit: 'count',
      height: 150,
      fromZero: true,
      series: [
        { name: 'fds', color: '#2e8b57', value: (s) => s.fds },
        { name: 'sockets', color: '#8e44ad', value: (s) => s.sockets },
      ],
      trends: input.trends.fds ? [{ trend: input.trends.fds, color: '#2e8b57', name: 'fd floor trend' }] : [],
    },
    {
      title: 'consumer lag',
      unit: 'events',
      height: 100,
      fromZero: true,
      series: [{ name: 'lag', color: '#555555', value: (s) => s.lag }],
      trends: [],
    },
  ];

  const parts: string[] = [];
  let top = TOP;
  const panelBoxes: { top: number; bottom: number }[] = [];
  for (const panel of panels) {
    const values = samples.flatMap((s) =>
      panel.series.map((series) => series.value(s)).filter((v): v is number => v !== null),
    );
    const [low, high] = yDomain(values, panel.fromZero);
    const y = (value: number) => top + panel.height - ((value - low) / (high - low)) * panel.height;
    parts.push(
      `<rect x="${LEFT}" y="${top}" width="${plotWidth}" height="${panel.height}" fill="#ffffff" stroke="#999999"/>`,
    );
    parts.push(
      `<text x="${LEFT}" y="${top - 8}" font-size="13" font-weight="bold">${escape(panel.title)} (${escape(panel.unit)})</text>`,
    );
    const step = niceStep(high - low, 4);
    for (let tick = low; tick <= high + step / 1000; tick += step) {
      const ty = y(tick).toFixed(1);
      parts.push(`<line x1="${LEFT}" x2="${LEFT + plotWidth}" y1="${ty}" y2="${ty}" stroke="#eeeeee"/>`);
      parts.push(
        `<text x="${LEFT - 6}" y="${ty}" font-size="11" text-anchor="end" dominant-baseline="middle">${Number(tick.toFixed(2))}</text>`,
      );
    }
    panel.series.forEach((series, index) => {
      let segment: string[] = [];
      const segments: string[][] = [];
      for (const sample of samples) {
        const value = series.value(sample);
        if (value === null) {
          if (segment.length) segments.push(segment);
          segment = [];
        } else segment.push(`${x(sample.t).toFixed(1)},${y(value).toFixed(1)}`);
      }
      if (segment.length) segments.push(segment);
      for (const points of segments) {
        parts.push(
          `<polyline fill="none" stroke="${series.color}" stroke-width="1.6" points="${points.join(' ')}"/>`,
        );
      }
      const present = segments.length > 0;
      const ly = top + 14 + index * 18;
      parts.push(
        `<line x1="${LEFT + plotWidth + 12}" x2="${LEFT + plotWidth + 32}" y1="${ly}" y2="${ly}" stroke="${series.color}" stroke-width="2"/>`,
      );
      parts.push(
        `<text x="${LEFT + plotWidth + 38}" y="${ly}" font-size="11" dominant-baseline="middle">${escape(series.name)}${present ? '' : ' (not exposed)'}</text>`,
      );
    });
    panel.trends.forEach(({ trend, color, name }, index) => {
      const from = trend.from * 3600;
      const to = lastT;
      const at = (t: number) => trend.intercept + trend.slope * (t / 3600);
      parts.push(
        `<line x1="${x(from).toFixed(1)}" x2="${x(to).toFixed(1)}" y1="${y(at(from)).toFixed(1)}" y2="${y(at(to)).toFixed(1)}" stroke="${color}" stroke-width="1.2" stroke-dasharray="6 4"/>`,
      );
      const ly = top + 14 + (panel.series.length + index) * 18;
      parts.push(
        `<line x1="${LEFT + plotWidth + 12}" x2="${LEFT + plotWidth + 32}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-dasharray="6 4"/>`,
      );
      parts.push(
        `<text x="${LEFT + plotWidth + 38}" y="${ly}" font-size="11" dominant-baseline="middle">${escape(name)} ${trend.slope >= 0 ? '+' : ''}${trend.slope.toFixed(1)}/h</text>`,
      );
    });
    panelBoxes.push({ top, bottom: top + panel.height });
    top += panel.height + GAP;
  }

  // The unit status, one band per update-status reading until the next.
  const stripTop = top - GAP + 14;
  parts.push(
    `<text x="${LEFT - 6}" y="${stripTop + STRIP / 2}" font-size="11" text-anchor="end" dominant-baseline="middle">unit</text>`,
  );
  input.statuses.forEach((reading, index) => {
    const from = toT(reading.at);
    const to = index + 1 < input.statuses.length ? toT(input.statuses[index + 1]!.at) : lastT;
    if (to < 0) return;
    const color = STATUS_COLORS[reading.status] ?? '#999999';
    parts.push(
      `<rect x="${x(from).toFixed(1)}" y="${stripTop}" width="${Math.max(1, x(to) - x(from)).toFixed(1)}" height="${STRIP}" fill="${color}"><title>${escape(`${reading.status}: ${reading.message}`)}</title></rect>`,
    );
  });
  Object.entries(STATUS_COLORS).forEach(([status, color], index) => {
    const lx = LEFT + plotWidth + 12 + (index % 2) * 95;
    const ly = stripTop + Math.floor(index / 2) * 14;
    parts.push(`<rect x="${lx}" y="${ly}" width="10" height="10" fill="${color}"/>`);
    parts.push(
      `<text x="${lx + 14}" y="${ly + 5}" font-size="10" dominant-baseline="middle">${status}</text>`,
    );
  });
  const axisY = stripTop + STRIP;

  // Faults and the warm-up across every panel.
  const chartTop = panelBoxes[0]!.top;
  input.faults.forEach((fault, index) => {
    const from = x(toT(fault.startedAt));
    const to = x(toT(fault.endedAt ?? fault.startedAt));
    parts.push(
      `<rect x="${from.toFixed(1)}" y="${chartTop}" width="${Math.max(2, to - from).toFixed(1)}" height="${axisY - chartTop}" fill="#f39c12" fill-opacity="0.18"/>`,
    );
    parts.push(
      `<line x1="${from.toFixed(1)}" x2="${from.toFixed(1)}" y1="${chartTop - 40 + (index % 2) * 14}" y2="${axisY}" stroke="#c0392b" stroke-width="1"/>`,
    );
    parts.push(
      `<text x="${(from + 3).toFixed(1)}" y="${chartTop - 42 + (index % 2) * 14}" font-size="11" fill="#c0392b">${escape(fault.label)}</text>`,
    );
  });
  const rssFrom = input.trends.rss ? input.trends.rss.from * 3600 : input.warmUpS;
  const marks = [
    { t: input.warmUpS, label: 'warm-up ends' },
    ...(rssFrom > input.warmUpS + 10 ? [{ t: rssFrom, label: 'RSS judged from here' }] : []),
  ];
  for (const mark of marks.filter((m) => m.t < lastT)) {
    const mx = x(mark.t).toFixed(1);
    parts.push(
      `<line x1="${mx}" x2="${mx}" y1="${chartTop}" y2="${axisY}" stroke="#555555" stroke-dasharray="2 3"/>`,
    );
    parts.push(
      `<text x="${(x(mark.t) + 3).toFixed(1)}" y="${chartTop + 12}" font-size="10" fill="#555555">${mark.label}</text>`,
    );
  }

  // Time axis, in minutes.
  const stepMin = [0.5, 1, 2, 5, 10, 15, 30, 60].find((step) => lastT / 60 / step <= 12) ?? 120;
  for (let minute = 0; minute <= lastT / 60 + 1e-9; minute += stepMin) {
    const tx = x(minute * 60).toFixed(1);
    parts.push(`<line x1="${tx}" x2="${tx}" y1="${axisY}" y2="${axisY + 5}" stroke="#333333"/>`);
    parts.push(`<text x="${tx}" y="${axisY + 17}" font-size="11" text-anchor="middle">${minute}</text>`);
  }
  parts.push(
    `<text x="${LEFT + plotWidth / 2}" y="${axisY + 34}" font-size="12" text-anchor="middle">minutes since the event stream started</text>`,
  );
  const height = axisY + 46;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="${WIDTH}" height="${height}" fill="#fafafa"/>`,
    `<text x="${LEFT}" y="24" font-size="16" font-weight="bold">${escape(input.title)}</text>`,
    `<text x="${LEFT}" y="42" font-size="12" fill="#444444">${escape(input.subtitle)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
