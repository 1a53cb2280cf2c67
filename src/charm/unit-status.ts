// The unit status that explains the worker, from the service state and the status file
// the worker writes (WorkerStatus).
import type { StatusName } from '../juju/types';
import type { ServiceInfo } from '../pebble/types';
import type { WorkerStatus } from '../contract/worker-status';

export interface UnitStatus {
  status: StatusName;
  message: string;
}

export const WAITING_FOR_PEBBLE: UnitStatus = {
  status: 'waiting',
  message: 'waiting for Pebble in container temporal-worker',
};

const MAX_DETAIL = 200;
const NOT_CONNECTED = 'worker not connected: ';
const RETRYING = 'worker retrying ';

export function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > MAX_DETAIL ? `${line.slice(0, MAX_DETAIL - 1)}…` : line;
}

export interface WorkerObservation {
  service: ServiceInfo | undefined;
  worker: WorkerStatus | null;
  /** Why the last start/replan change failed, if it did. */
  startError?: string;
  namespace: string;
  queue: string;
  /** The temporal-host-info application the host came from, when it did. */
  hostFrom?: string;
}

export function workerUnitStatus({
  service,
  worker,
  startError,
  namespace,
  queue,
  hostFrom,
}: WorkerObservation): UnitStatus {
  if (worker?.state === 'failed')
    return { status: 'blocked', message: `worker failed: ${firstLine(worker.message)}` };
  const current = service?.current ?? 'inactive';
  if (current === 'backoff') {
    return { status: 'waiting', message: 'worker not running: it exited and Pebble restarts it (backoff)' };
  }
  if (current !== 'active') {
    const reason = startError ? firstLine(startError) : `service is ${current}`;
    return { status: 'blocked', message: `worker not running: ${reason}` };
  }
  const connected = worker?.state === 'up' || worker?.state === 'retrying';
  // A connected worker of another namespace or queue is the old one, before its restart.
  if (connected && (worker.namespace !== namespace || worker.queue !== queue)) {
    return { status: 'maintenance', message: 'worker starting' };
  }
  switch (worker?.state) {
    case 'up':
      return {
        status: 'active',
        message: `worker listening to namespace '${namespace}' on queue '${queue}'${hostFrom ? ` (host from temporal-host-info: ${hostFrom})` : ''}`,
      };
    case 'retrying': {
      // An outside service the workflows need is failing and retried: it passes by itself, so
      // waiting, never blocked. The worker's message already starts with "retrying": say it once.
      const reason = firstLine(worker.message).replace(/^(retrying )+/, '');
      return { status: 'waiting', message: `${RETRYING}${reason}` };
    }
    case 'down': {
      // The worker's own message already says "worker not connected: …": say it once.
      const reason = firstLine(worker.message).replace(/^(worker not connected: )+/, '');
      return { status: 'waiting', message: `${NOT_CONNECTED}${reason}` };
    }
    case 'stopping':
      return { status: 'maintenance', message: 'worker stopping' };
    default:
      return { status: 'maintenance', message: 'worker starting' };
  }
}
