// Where things are, on both sides of the pod.
//
// Two test seams, never set by Juju:
// - CHARM_CONTAINERS_DIR (default /charm/containers): the charm container's view of the
//   workload containers; the Pebble socket is `<dir>/temporal-worker/pebble.socket`.
// - CHARM_WORKER_HOME (default WORKER_HOME, /srv/temporal-worker): the folder in the
//   workload container that holds everything the charm pushes. Every container path
//   (runtime, workflows, secrets file, status file) is derived from it, and the layer's
//   environment tells the worker those paths, so a test can run a real Pebble on the host.
import * as path from 'node:path';
import { CONTAINER_NAME, WORKER_HOME } from '../workload/contract';

export interface WorkerPaths {
  home: string;
  /** Parent of the runtime folders, one per runtime content hash. */
  runtimeRoot: string;
  /** Parent of the unpacked workflows packages, one per package content hash. */
  workflowsRoot: string;
  secretsFile: string;
  statusFile: string;
}

export function workerPaths(home: string = WORKER_HOME): WorkerPaths {
  return {
    home,
    runtimeRoot: path.posix.join(home, 'runtime'),
    workflowsRoot: path.posix.join(home, 'workflows'),
    secretsFile: path.posix.join(home, 'secrets.json'),
    statusFile: path.posix.join(home, 'status.json'),
  };
}

export function runtimeDir(paths: WorkerPaths, runtimeHash: string): string {
  return path.posix.join(paths.runtimeRoot, runtimeHash);
}

export function workflowsDir(paths: WorkerPaths, workflowsHash: string): string {
  return path.posix.join(paths.workflowsRoot, workflowsHash);
}

export function pebbleSocketPath(containersDir = '/charm/containers'): string {
  return path.join(containersDir, CONTAINER_NAME, 'pebble.socket');
}
