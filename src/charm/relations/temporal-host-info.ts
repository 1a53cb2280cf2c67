// temporal-host-info (requires, limit 1): the Temporal server's leader shares `host` and `port`
// in its application databag (docs/relations.md §1). The worker dials it when `host` is not set.
import type { Juju } from '../../juju/types';
import { temporalHost } from '../../contract/setting-rules';
import { oneRelation, type RelationProblem } from './problem';

export const TEMPORAL_HOST_INFO = 'temporal-host-info';

export type HostFromRelation = { host: string; app: string } | RelationProblem | null;

/** `host:port` from the one related server; null when there is no relation. */
export async function hostFromRelation(juju: Juju, relationIds: string[]): Promise<HostFromRelation> {
  const related = await oneRelation(juju, TEMPORAL_HOST_INFO, relationIds);
  if (related === null || 'status' in related) return related;
  const { id, app } = related;
  const data = await juju.relationGet(id, app, true);
  const host = data.host?.trim() ?? '';
  const port = data.port?.trim() ?? '';
  // The provider leaves a key out until it knows the value (docs/relations.md §1).
  if (host === '' || port === '') {
    return {
      status: 'waiting',
      message: `waiting for ${TEMPORAL_HOST_INFO}: ${app} has not shared its ${host === '' && port === '' ? 'host and port' : host === '' ? 'host' : 'port'} yet`,
    };
  }
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    return {
      status: 'blocked',
      message: `${TEMPORAL_HOST_INFO}: port '${shown(port)}' from ${app} is not a port`,
    };
  }
  // An IPv6 address is bracketed, as the `host` option writes it.
  const address = `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
  try {
    temporalHost.read(address);
  } catch {
    return {
      status: 'blocked',
      message: `${TEMPORAL_HOST_INFO}: host '${shown(host)}' from ${app} is not a host name or address`,
    };
  }
  return { host: address, app };
}

/** Relation data is not secret, but it is bounded in a status. */
function shown(value: string): string {
  return value.length > 64 ? `${value.slice(0, 63)}…` : value;
}
