// A least-squares line through samples, with the standard error of its slope widened for
// samples that follow each other (a GC sawtooth is not independent noise): by the lag-1
// autocorrelation of the residuals, sqrt((1 + r) / (1 - r)).

export interface Point {
  /** Hours. */
  x: number;
  y: number;
}

export interface Trend {
  /** Per hour. */
  slope: number;
  intercept: number;
  /** Of the slope, per hour, widened for autocorrelation. */
  standardError: number;
  /** Lag-1 autocorrelation of the residuals. */
  autocorrelation: number;
  /** Standard deviation of the residuals. */
  residualDeviation: number;
  samples: number;
  /** Hours, of the first point. */
  from: number;
  spanMinutes: number;
}

export function fitTrend(points: Point[]): Trend | undefined {
  const n = points.length;
  if (n < 3) return undefined;
  const meanX = points.reduce((sum, p) => sum + p.x, 0) / n;
  const meanY = points.reduce((sum, p) => sum + p.y, 0) / n;
  const sxx = points.reduce((sum, p) => sum + (p.x - meanX) ** 2, 0);
  if (sxx === 0) return undefined;
  const slope = points.reduce((sum, p) => sum + (p.x - meanX) * (p.y - meanY), 0) / sxx;
  const intercept = meanY - slope * meanX;
  const residuals = points.map((p) => p.y - (intercept + slope * p.x));
  const squares = residuals.reduce((sum, r) => sum + r * r, 0);
  const variance = squares / (n - 2);
  let lagged = 0;
  for (let i = 1; i < n; i++) lagged += residuals[i]! * residuals[i - 1]!;
  const autocorrelation = squares === 0 ? 0 : Math.min(0.95, Math.max(0, lagged / squares));
  const inflation = Math.sqrt((1 + autocorrelation) / (1 - autocorrelation));
  return {
    slope,
    intercept,
    standardError: Math.sqrt(variance / sxx) * inflation,
    autocorrelation,
    residualDeviation: Math.sqrt(variance),
    samples: n,
    from: points[0]!.x,
    spanMinutes: (points[n - 1]!.x - points[0]!.x) * 60,
  };
}
