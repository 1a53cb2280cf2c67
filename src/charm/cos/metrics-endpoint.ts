// `metrics-endpoint` (provides, interface prometheus_scrape): what the prometheus_scrape
// consumer reads (docs/juju-pebble-contract.md §2.6). Every unit writes its address into its
// unit databag; the leader writes the scrape job, the topology and the alert rules into the
// application databag. The job's `*` target stands for every unit's address, so a new unit
// is scraped as soon as it has written its own.
import type { Juju } from '../../juju/types';
import { renderAlertRules, type AlertRuleOptions } from './alert-rules';
import { topologyMetadata, type JujuTopology } from './topology';

export const METRICS_ENDPOINT = 'metrics-endpoint';
/** Where the worker's Prometheus exporter answers. */
export const METRICS_PATH = '/metrics';

export interface ScrapeInput {
  topology: JujuTopology;
  charmDir: string;
  /** The port the worker serves its metrics on (TWC_PROMETHEUS_PORT). */
  metricsPort: number;
  alertRules?: AlertRuleOptions;
}

/** The jobs, before the consumer prefixes their names and expands `*` per unit. */
export function scrapeJobs(metricsPort: number): object[] {
  return [
    {
      job_name: 'temporal-worker',
      metrics_path: METRICS_PATH,
      static_configs: [{ targets: [`*:${metricsPort}`] }],
    },
  ];
}

export function scrapeApplicationData(input: ScrapeInput): Record<string, string> {
  return {
    scrape_metadata: JSON.stringify(topologyMetadata(input.topology)),
    scrape_jobs: JSON.stringify(scrapeJobs(input.metricsPort)),
    alert_rules: JSON.stringify(renderAlertRules(input.charmDir, input.topology, input.alertRules)),
  };
}

/** Publishes this unit's address on every `metrics-endpoint` relation, and the jobs when leader. */
export async function publishScrapeTargets(
  juju: Juju,
  relationIds: string[],
  leader: boolean,
  input: ScrapeInput,
): Promise<void> {
  const appData = leader && relationIds.length ? scrapeApplicationData(input) : null;
  for (const relationId of relationIds) {
    const address = await juju.networkGet(METRICS_ENDPOINT, relationId);
    await juju.relationSet(relationId, {
      prometheus_scrape_unit_address: address,
      prometheus_scrape_unit_name: input.topology.unit,
    });
    if (appData) await juju.relationSet(relationId, appData, true);
  }
}
