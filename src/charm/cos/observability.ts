// The three COS relations, brought up to date after the reconcile of every hook but
// update-status (relation data stays put between hooks; a new pod runs pebble-ready and
// upgrade-charm, which bring the address and the log targets back): the scrape targets,
// the dashboards, and the log forwarding.
import type { Juju } from '../../juju/types';
import { PebbleConnectionError, type Pebble } from '../../pebble/types';
import { liveRelationIds } from '../relations';
import { publishDashboards, GRAFANA_DASHBOARD } from './grafana-dashboard';
import { forwardLogs, LOGGING } from './logging';
import type { AlertRuleOptions } from './alert-rules';
import { METRICS_ENDPOINT, publishScrapeTargets, type MetricsPorts } from './metrics-endpoint';
import type { JujuTopology } from './topology';

export interface ObservabilityContext {
  juju: Juju;
  pebble: Pebble;
  charmDir: string;
  topology: JujuTopology;
  ports: MetricsPorts;
  /** Absent when the config cannot be read (the unit is blocked). */
  alertRules?: AlertRuleOptions;
}

export async function syncObservability(
  context: ObservabilityContext,
  hookName: string,
  brokenRelationId?: string,
): Promise<void> {
  if (hookName === 'update-status') return;
  const { juju } = context;
  const live = (endpoint: string) => liveRelationIds(juju, endpoint, brokenRelationId);
  const [scrape, dashboards, logging] = await Promise.all([
    live(METRICS_ENDPOINT),
    live(GRAFANA_DASHBOARD),
    live(LOGGING),
  ]);
  const leader = scrape.length || dashboards.length ? await juju.isLeader() : false;
  await publishScrapeTargets(juju, scrape, leader, {
    topology: context.topology,
    charmDir: context.charmDir,
    ports: context.ports,
    alertRules: context.alertRules,
  });
  if (leader) await publishDashboards(juju, dashboards, context.charmDir, context.topology);
  // No Pebble request when there is nothing to forward and nothing to switch off.
  if (logging.length === 0 && !hookName.startsWith(`${LOGGING}-relation-`)) return;
  try {
    await forwardLogs(juju, context.pebble, logging, context.topology);
  } catch (error) {
    // pebble-ready brings the log targets once the container answers.
    if (!(error instanceof PebbleConnectionError)) throw error;
  }
}
