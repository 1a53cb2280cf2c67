// What COS would see of the demo's unit: a real Prometheus scraping the jobs the charm publishes
// on `metrics-endpoint`, and a Loki push receiver for the log target it sets on `logging`.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { FakeJujuModel } from '../tests/harness/fake-juju';
import { LokiReceiver } from '../tests/harness/loki-receiver';
import { RunningPrometheus, scrapeConfigsFromRelation } from '../tests/harness/prometheus';
import type { UnitAgent } from './unit-agent';
import type { Say } from './progress';

export interface Observability {
  prometheus: RunningPrometheus;
  loki: LokiReceiver;
  stop(): Promise<void>;
}

/** `juju integrate` with Prometheus and Loki: the relation hooks, then both started on what the charm published. */
export async function integrateWithCos(
  model: FakeJujuModel,
  agent: UnitAgent,
  application: string,
  say: Say,
): Promise<Observability> {
  const loki = await LokiReceiver.start();
  say(`$ juju integrate ${application}:metrics-endpoint prometheus`);
  const scrape = model.addRelation('metrics-endpoint', 'prometheus', { remoteUnits: { 'prometheus/0': {} } });
  await agent.run('metrics-endpoint-relation-joined', { relationId: scrape, remoteUnit: 'prometheus/0' });
  say(`$ juju integrate ${application}:logging loki`);
  const logging = model.addRelation('logging', 'loki', {
    remoteUnits: { 'loki/0': { endpoint: JSON.stringify({ url: loki.pushUrl }) } },
  });
  await agent.run('logging-relation-changed', { relationId: logging, remoteUnit: 'loki/0' });

  const relation = model.relation(scrape)!;
  const configs = scrapeConfigsFromRelation(relation.localApp, {
    [relation.localUnit.prometheus_scrape_unit_name!]: relation.localUnit,
  }) as Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
  const prometheus = await RunningPrometheus.start(configs).catch(async (error: unknown) => {
    await loki.stop();
    throw error;
  });
  for (const job of configs)
    say(`Prometheus scrapes ${job.static_configs[0]!.targets[0]} as ${job.job_name}`);
  say(`Pebble forwards the worker's output to Loki at ${loki.pushUrl}`);
  return {
    prometheus,
    loki,
    async stop() {
      await Promise.allSettled([prometheus.stop(), loki.stop()]);
    },
  };
}

const SHOWN_METRICS = [
  'oci_factory_events_consumed_total',
  'oci_factory_dispatches_total',
  'oci_factory_consumer_lag',
  'oci_factory_last_event_processed_timestamp_seconds',
];

/** Metric names the charm's dashboard queries use that Prometheus does not have. */
function dashboardMetricsMissing(known: Set<string>): string[] {
  const dashboard = JSON.parse(
    readFileSync(path.join(__dirname, '..', 'src', 'grafana_dashboards', 'temporal-worker.json'), 'utf8'),
  ) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
  const used = dashboard.panels
    .flatMap((panel) => panel.targets ?? [])
    .flatMap((target) => [...target.expr.matchAll(/\b(oci_factory_[a-z_]+)/g)].map((match) => match[1]!));
  return [...new Set(used)].filter((name) => !known.has(name));
}

/** The message of a worker's JSON log line (pino's `msg`), or the line itself. */
function logMessage(line: string): string {
  try {
    const { msg } = JSON.parse(line) as { msg?: unknown };
    if (typeof msg === 'string') return msg;
  } catch {
    // not JSON: shown as it is
  }
  return line.slice(0, 160);
}

/** Waits until Prometheus has scraped the event's metrics, then shows them and the forwarded logs. */
export async function showWhatCosSees(cos: Observability, say: Say): Promise<void> {
  const { prometheus, loki } = cos;
  await prometheus.until(
    'the processed event in the workflows metrics',
    async () => {
      const consumed = await prometheus.query('sum(oci_factory_events_consumed_total)');
      return Number(consumed[0]?.value[1] ?? 0) >= 1 ? true : undefined;
    },
    60_000,
  );
  for (const name of SHOWN_METRICS) {
    for (const series of await prometheus.query(name)) {
      const labels = Object.entries(series.metric)
        .filter(([key]) => ['topic', 'outcome', 'partition', 'juju_unit'].includes(key))
        .map(([key, value]) => `${key}="${value}"`)
        .join(',');
      say(`${name}{${labels}} ${series.value[1]}`);
    }
  }
  const missing = dashboardMetricsMissing(new Set(await prometheus.metricNames()));
  say(
    missing.length === 0
      ? "every oci_factory_* metric of the charm's Grafana dashboard has data"
      : `the dashboard's ${missing.join(', ')} have no data yet`,
  );
  const lines = loki.lines;
  const processed = lines.find((line) => line.line.includes('event processed'));
  const sample = processed ?? lines.at(-1);
  say(`Loki received ${lines.length} line(s) from the worker`);
  if (sample) {
    const labels = ['juju_model', 'juju_application', 'juju_unit', 'pebble_service']
      .map((key) => `${key}="${sample.labels[key] ?? ''}"`)
      .join(',');
    say(`{${labels}} ${logMessage(sample.line)}`);
  }
}
