// temporal-worker-consumer (provides): an application that starts workflows on this worker's
// queue reads `namespace` and `queue` from the worker's application databag (docs/relations.md
// §2). Upstream renamed the endpoint temporal-worker-info, with the same data: both are
// provided. Only the leader writes; it does on every hook but update-status, so joined,
// changed, config-changed and leader-elected all leave every such relation current.
import type { Juju } from '../../juju/types';

export const TEMPORAL_WORKER_CONSUMER = 'temporal-worker-consumer';
export const TEMPORAL_WORKER_INFO = 'temporal-worker-info';

export async function publishWorkerQueue(
  juju: Juju,
  relationIds: string[],
  worker: { namespace: string; queue: string },
): Promise<void> {
  await Promise.all(
    relationIds.map((id) => juju.relationSet(id, { namespace: worker.namespace, queue: worker.queue }, true)),
  );
}
