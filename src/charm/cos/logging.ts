// `logging` (requires, interface loki_push_api): the worker's output forwarded by Pebble's
// own log targets (type loki) to the push URL every remote unit publishes, labelled with the
// Juju topology, in a layer of its own as the LogForwarder of the Loki charm library adds it
// (docs/juju-pebble-contract.md §2.6, §4.9). A target whose unit left, or whose relation is
// broken, is switched off with `services: [-all]`: a layer can only add to the plan.
import { isDeepStrictEqual } from 'node:util';
import type { Juju } from '../../juju/types';
import type { Layer, LogTargetLayer, Pebble } from '../../pebble/types';
import { CONTAINER_NAME } from '../../contract/container';
import { topologyIdentifier, type JujuTopology } from './topology';

export const LOGGING = 'logging';
export const LOG_FORWARDING_LAYER = `${CONTAINER_NAME}-log-forwarding`;

/** Remote unit → push URL, from each unit's `endpoint` (`{"url": …}`); units without one are left out. */
export async function lokiEndpoints(juju: Juju, relationIds: string[]): Promise<Record<string, string>> {
  const endpoints: Record<string, string> = {};
  for (const relationId of relationIds) {
    for (const unit of await juju.relationList(relationId)) {
      const data = await juju.relationGet(relationId, unit);
      try {
        const url = (JSON.parse(data.endpoint ?? 'null') as { url?: unknown } | null)?.url;
        if (typeof url === 'string' && /^https?:\/\//.test(url)) endpoints[unit] = url;
      } catch {
        // Not JSON yet: the unit has not published its endpoint; its next relation-changed will.
      }
    }
  }
  return endpoints;
}

export function logTarget(url: string, topology: JujuTopology): LogTargetLayer {
  return {
    override: 'replace',
    type: 'loki',
    location: url,
    services: ['all'],
    labels: {
      product: 'Juju',
      charm: topology.charmName,
      juju_model: topology.model,
      juju_model_uuid: topology.modelUuid,
      juju_application: topology.application,
      juju_unit: topology.unit,
      job: `juju_${topologyIdentifier(topology)}`,
    },
  };
}

/** The layer that makes the plan's log targets exactly `endpoints`, or null when nothing changes. */
export function logForwardingLayer(
  plan: Layer,
  endpoints: Record<string, string>,
  topology: JujuTopology,
): Layer | null {
  const current = plan['log-targets'] ?? {};
  const targets: Record<string, LogTargetLayer> = {};
  for (const [name, target] of Object.entries(current)) {
    if (!(name in endpoints) && !target.services.includes('-all')) {
      targets[name] = { override: 'replace', type: 'loki', location: target.location, services: ['-all'] };
    }
  }
  for (const [unit, url] of Object.entries(endpoints)) {
    const wanted = logTarget(url, topology);
    if (!isDeepStrictEqual(current[unit], wanted)) targets[unit] = wanted;
  }
  return Object.keys(targets).length ? { 'log-targets': targets } : null;
}

export async function forwardLogs(
  juju: Juju,
  pebble: Pebble,
  relationIds: string[],
  topology: JujuTopology,
): Promise<void> {
  const endpoints = await lokiEndpoints(juju, relationIds);
  const layer = logForwardingLayer(await pebble.getPlan(), endpoints, topology);
  if (layer) await pebble.addLayer(LOG_FORWARDING_LAYER, layer);
}
