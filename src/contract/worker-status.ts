// The worker's state as it writes it to the status file (ContainerLayout.statusFile) and
// the charm reads it back to explain the unit status.

/**
 * `retrying`: up (connected, polling), while the workflows package reports an outside service
 * failing and being retried; its message names each one (`retrying <service>: <problem>; …`).
 */
export type WorkerState = 'starting' | 'up' | 'retrying' | 'down' | 'failed' | 'stopping';

/** `message` never holds a secret value. */
export interface WorkerStatus {
  state: WorkerState;
  message: string;
  namespace: string;
  queue: string;
  pid: number;
  updatedAt: string;
}

/** The status file's content, or null when there is none or it is not a status. */
export function parseWorkerStatus(content: Buffer | string | null): WorkerStatus | null {
  if (content === null) return null;
  try {
    const status = JSON.parse(content.toString()) as WorkerStatus;
    return typeof status?.state === 'string' ? status : null;
  } catch {
    return null;
  }
}
