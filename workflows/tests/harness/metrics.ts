// Reads the workflows' metrics (src/activities/metrics.ts) from prom-client's default registry,
// as the worker serves it.
import { register } from 'prom-client';

/** The value of `name` for exactly these labels (0 when it has none yet). */
export async function metricValue(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = register.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name} in the registry`);
  const { values } = await metric.get();
  const wanted = Object.entries(labels);
  const match = values.find(
    (value) =>
      Object.keys(value.labels).length === wanted.length &&
      wanted.every(([key, expected]) => String(value.labels[key]) === expected),
  );
  return match?.value ?? 0;
}
