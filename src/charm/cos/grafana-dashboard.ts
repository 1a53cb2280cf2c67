// `grafana-dashboard` (provides, interface grafana_dashboard): the dashboards the charm ships
// (src/grafana_dashboards/*.json), as the grafana_dashboard consumer reads them from the
// application databag: `{"templates": {"file:<name>": {charm, content, juju_topology,
// inject_dropdowns, dashboard_alt_uid}}, "uuid": …}`, each content the dashboard JSON,
// LZMA-compressed (the .lzma "alone" format, which Python's lzma.decompress reads) and
// base64-encoded (docs/juju-pebble-contract.md §2.6).
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import type { Juju } from '../../juju/types';
import { lzmaCompress } from './lzma';
import { topologyMetadata, type JujuTopology } from './topology';

export const GRAFANA_DASHBOARD = 'grafana-dashboard';
export const DASHBOARDS_DIR = path.join('src', 'grafana_dashboards');

/** A 40-hex-digit uid from the charm name and the dashboard's path: stable across revisions. */
function dashboardUid(charmName: string, relativePath: string): string {
  return createHash('shake256', { outputLength: 20 }).update(`${charmName}-${relativePath}`).digest('hex');
}

function altUid(charmName: string, key: string): string {
  return createHash('shake256', { outputLength: 8 }).update(`${charmName}-${key}`).digest('hex');
}

/** The `templates` of the databag: one entry per shipped dashboard. */
export function dashboardTemplates(charmDir: string, topology: JujuTopology): Record<string, object> {
  const dir = path.join(charmDir, DASHBOARDS_DIR);
  const templates: Record<string, object> = {};
  for (const file of readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()) {
    const dashboard = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Record<string, unknown>;
    dashboard.uid = dashboardUid(topology.charmName, path.posix.join(DASHBOARDS_DIR, file));
    const tags = Array.isArray(dashboard.tags) ? (dashboard.tags as string[]) : [];
    if (!tags.some((tag) => tag.startsWith('charm: '))) tags.push(`charm: ${topology.charmName}`);
    dashboard.tags = tags;
    const key = `file:${file.replace(/\.json$/, '')}`;
    templates[key] = {
      charm: topology.charmName,
      content: lzmaCompress(Buffer.from(JSON.stringify(dashboard))).toString('base64'),
      juju_topology: topologyMetadata(topology),
      inject_dropdowns: true,
      dashboard_alt_uid: altUid(topology.charmName, key),
    };
  }
  return templates;
}

/** The leader publishes the dashboards on every `grafana-dashboard` relation. */
export async function publishDashboards(
  juju: Juju,
  relationIds: string[],
  charmDir: string,
  topology: JujuTopology,
): Promise<void> {
  if (relationIds.length === 0) return;
  const templates = dashboardTemplates(charmDir, topology);
  // The consumer wants a value that changes with the dashboards (upstream sends a random one
  // each time); a digest of them changes exactly then, so Grafana reloads only on a change.
  const uuid = createHash('sha256').update(JSON.stringify(templates)).digest('hex').slice(0, 32);
  const dashboards = JSON.stringify({ templates, uuid });
  for (const relationId of relationIds) await juju.relationSet(relationId, { dashboards }, true);
}
