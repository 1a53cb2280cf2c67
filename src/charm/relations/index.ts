// The relations other than COS': what they give the reconcile (the Temporal host, the
// database's variables), and what this unit's leader writes in them after it.
import type { Settings } from '../../contract/settings';
import type { ConfigValue, Juju } from '../../juju/types';
import { DATABASE, databaseRequest, databaseVariables } from './database';
import { isProblem, type RelationProblem } from './problem';
import { hostFromRelation, TEMPORAL_HOST_INFO } from './temporal-host-info';
import { publishWorkerQueue, TEMPORAL_WORKER_CONSUMER, TEMPORAL_WORKER_INFO } from './worker-consumer';

export interface RelationInputs {
  /** The related server's `host:port`, when the `host` option is empty. */
  host?: { address: string; app: string };
  /** For the activities, through the secrets file. */
  databaseVariables: Record<string, string>;
}

/** Relation ids of an endpoint, without the one being broken (Juju still lists it in its relation-broken hook). */
export async function liveRelationIds(
  juju: Juju,
  endpoint: string,
  brokenRelationId?: string,
): Promise<string[]> {
  return (await juju.relationIds(endpoint)).filter((id) => id !== brokenRelationId);
}

export async function readRelations(
  juju: Juju,
  ids: { hostInfo: string[]; database: string[] },
  config: Record<string, ConfigValue | null>,
  app: string,
): Promise<{ ok: true; relations: RelationInputs } | ({ ok: false } & RelationProblem)> {
  // An operator's `host` wins over the relation, so existing config keeps working.
  const configuredHost = typeof config.host === 'string' && config.host.trim() !== '';
  const dbName = typeof config['db-name'] === 'string' ? config['db-name'].trim() : '';
  const [host, database] = await Promise.all([
    configuredHost ? null : hostFromRelation(juju, ids.hostInfo),
    databaseVariables(juju, ids.database, dbName, app),
  ]);
  for (const read of [host, database]) {
    if (isProblem(read)) return { ok: false, ...read };
  }
  return {
    ok: true,
    relations: {
      ...(host && !isProblem(host) ? { host: { address: host.host, app: host.app } } : {}),
      databaseVariables: database as Record<string, string>,
    },
  };
}

/**
 * The leader's writes: the database request (with `db-name`, whatever the rest of the config)
 * and the worker's namespace and queue for each consumer (when the config is valid). Relation
 * data stays put between hooks, so update-status writes nothing.
 */
export async function syncRelations(
  juju: Juju,
  hookName: string,
  brokenRelationId: string | undefined,
  settings: Settings | undefined,
): Promise<void> {
  if (hookName === 'update-status') return;
  const [consumers, infos, databases] = await Promise.all([
    liveRelationIds(juju, TEMPORAL_WORKER_CONSUMER, brokenRelationId),
    liveRelationIds(juju, TEMPORAL_WORKER_INFO, brokenRelationId),
    liveRelationIds(juju, DATABASE, brokenRelationId),
  ]);
  consumers.push(...infos);
  if ((consumers.length === 0 && databases.length !== 1) || !(await juju.isLeader())) return;
  const writes: Promise<void>[] = [];
  if (settings && consumers.length > 0) {
    writes.push(
      publishWorkerQueue(juju, consumers, { namespace: settings.namespace, queue: settings.queue }),
    );
  }
  if (databases.length === 1) {
    const dbName = String((await juju.configGet())['db-name'] ?? '').trim();
    if (dbName !== '') writes.push(juju.relationSet(databases[0]!, databaseRequest(dbName), true));
  }
  await Promise.all(writes);
}

export { DATABASE, TEMPORAL_HOST_INFO, TEMPORAL_WORKER_CONSUMER, TEMPORAL_WORKER_INFO };
