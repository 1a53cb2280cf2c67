// The `temporal-worker` container as the charm lays it out and the worker finds it.
// What the worker needs to know of this layout reaches it through settings (settings.ts).
import * as path from 'node:path';

export const CONTAINER_NAME = 'temporal-worker';
export const SERVICE_NAME = 'temporal-worker';
export const LAYER_LABEL = 'temporal-worker';

/**
 * The unprivileged user the worker runs as, and owner of what the charm pushes: the stock
 * Node image's `node` (uid 1000). An image without it blocks the unit (SECURITY.md, item 5).
 */
export const WORKER_USER = 'node';

/** Everything the charm pushes lives under this folder in the workload container. */
export const WORKER_HOME = '/srv/temporal-worker';

/** Health endpoint on 127.0.0.1 for the Pebble check: 200 when connected and polling, 503 otherwise. */
export const HEALTH_PORT = 8089;
export const HEALTH_PATH = '/health';
/**
 * Liveness on the same port: 200 whenever the worker's event loop answers, whatever Temporal's
 * state. Pebble restarts the worker on this one only (SECURITY.md, item 6).
 */
export const LIVE_PATH = '/live';
/** Prometheus metrics of the Temporal runtime, on the port the Python charm used. */
export const PROMETHEUS_PORT = 9000;
/** The workflows package's own metrics (`oci_factory_*`), served by the worker beside Temporal's. */
export const WORKFLOWS_METRICS_PORT = 9001;

/** Custom notice the worker records on a status change, so Juju runs the charm (pebble-custom-notice). */
export const STATUS_NOTICE_KEY = 'canonical.com/temporal-worker-k8s/status';

/** The bundled worker program, at the root of a runtime folder. */
export const WORKER_ENTRY_FILE = 'worker.js';

export interface ContainerLayout {
  home: string;
  /** Parent of the runtime folders, one per runtime content hash. */
  runtimeRoot: string;
  /** Parent of the unpacked workflows packages, one per package content hash. */
  workflowsRoot: string;
  /**
   * Secret settings (encryption key, private keys, Sentry DSN, proxies with credentials) and
   * every env-file value, as one JSON object of environment name → value, mode 0600. Never in the layer.
   */
  secretsFile: string;
  /** Written by the worker on every state change; pulled by the charm to explain the unit status. */
  statusFile: string;
  /** The charm's random key for the secrets' restart trigger (0600, the charm's only). */
  restartKeyFile: string;
  /** The folder of the runtime with this content hash: worker.js and the native Temporal bridge. */
  runtimeDir(hash: string): string;
  /** The folder of the unpacked workflows package with this content hash. */
  workflowsDir(hash: string): string;
  /** `worker.js` in the runtime folder with this content hash. */
  workerEntry(runtimeHash: string): string;
  /** A setting too large for the layer environment (SettingSpec.file), by file name. */
  settingFile(name: string): string;
}

/** The layout under `home` (WORKER_HOME in a pod; a temporary folder when a test runs Pebble on the host). */
export function containerLayout(home: string = WORKER_HOME): ContainerLayout {
  const runtimeRoot = path.posix.join(home, 'runtime');
  const workflowsRoot = path.posix.join(home, 'workflows');
  return {
    home,
    runtimeRoot,
    workflowsRoot,
    secretsFile: path.posix.join(home, 'secrets.json'),
    // In a folder of its own, made for the worker's user: a home made by an earlier
    // revision stays root's (Pebble does not re-own an existing folder: docs/juju-pebble-contract.md §4.11).
    statusFile: path.posix.join(home, 'state', 'status.json'),
    restartKeyFile: path.posix.join(home, 'restart-key'),
    runtimeDir: (hash) => path.posix.join(runtimeRoot, hash),
    workflowsDir: (hash) => path.posix.join(workflowsRoot, hash),
    workerEntry: (runtimeHash) => path.posix.join(runtimeRoot, runtimeHash, WORKER_ENTRY_FILE),
    settingFile: (name) => path.posix.join(home, 'settings', name),
  };
}
