// `metrics-endpoint` (provides, interface prometheus_scrape): what the prometheus_scrape
// consumer reads (docs/juju-pebble-contract.md §2.6). Every unit writes its address into its
// unit databag; the leader writes the scrape job, the topology and the alert rules into the
// application databag. The job's `*` target stands for every unit's address, so a new unit
// is scraped as soon as it has written its own. Two jobs: the Temporal runtime's metrics
// and the workflows package's own (`oci_factory_*`), which the worker serves on its own port.
import type { Juju } from '../../juju/types';
import { renderAlertRules, type AlertRuleOptions } from './alert-rules';
import { topologyMetadata, type JujuTopology } from './topology';

export const METRICS_ENDPOINT = 'metrics-endpoint';
/** Where the worker's Prometheus exporter answers. */
export const METRICS_PATH = '/metrics';

/** The ports the worker serves metrics on (TWC_PROMETHEUS_PORT, TWC_WORKFLOWS_METRICS_PORT); 0 is off. */
export interface MetricsPorts {
  prometheus: number;
  workflowsMetrics: number;
}

export interface ScrapeInput {
  topology: JujuTopology;
  charmDir: string;
  ports: MetricsPorts;
  /**
   * From the config; absent when it cannot be read (the unit is blocked): the leader then
   * leaves the application databag as it is.
   */
  alertRules?: AlertRuleOptions;
}

/** The jobs, before the consumer prefixes their names and expands `*` per unit. */
export function scrapeJobs(ports: MetricsPorts): object[] {
  const jobs = [
    { job_name: 'temporal-worker', port: ports.prometheus },
    { job_name: 'oci-factory-workflows', port: ports.workflowsMetrics },
  ];
  return jobs
    .filter((job) => job.port > 0)
    .map((job) => ({
      job_name: job.job_name,
      metrics_path: METRICS_PATH,
      static_configs: [{ targets: [`*:${job.port}`] }],
    }));
}

export function scrapeApplicationData(
  input: ScrapeInput & { alertRules: AlertRuleOptions },
): Record<string, string> {
  return {
    scrape_metadata: JSON.stringify(topologyMetadata(input.topology)),
    scrape_jobs: JSON.stringify(scrapeJobs(input.ports)),
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
  const { alertRules } = input;
  const appData =
    leader && relationIds.length && alertRules ? scrapeApplicationData({ ...input, alertRules }) : null;
  for (const relationId of relationIds) {
    const address = await juju.networkGet(METRICS_ENDPOINT, relationId);
    await juju.relationSet(relationId, {
      prometheus_scrape_unit_address: address,
      prometheus_scrape_unit_name: input.topology.unit,
    });
    if (appData) await juju.relationSet(relationId, appData, true);
  }
}
