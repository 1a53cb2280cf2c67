// What the charm puts into the `temporal-worker` container and what the worker
// reads there. Both sides import these names; neither hard-codes them.

export const CONTAINER_NAME = 'temporal-worker';
export const SERVICE_NAME = 'temporal-worker';
export const LAYER_LABEL = 'temporal-worker';

/** Everything the charm pushes lives under this folder in the workload container. */
export const WORKER_HOME = '/srv/temporal-worker';
/** The bundled worker program (`worker.js`) and the native Temporal bridge beside it. */
export const RUNTIME_DIR = `${WORKER_HOME}/runtime`;
export const WORKER_ENTRY = `${RUNTIME_DIR}/worker.js`;
/** The unpacked workflows package: `manifest.json`, the prebuilt workflow bundle, activities. */
export const WORKFLOWS_DIR = `${WORKER_HOME}/workflows`;
/**
 * Secret settings (encryption key, private keys, Sentry DSN) and every env-file
 * value, as one JSON object of environment name → value, mode 0600. Never in the layer.
 */
export const SECRETS_FILE = `${WORKER_HOME}/secrets.json`;
/** Written by the worker on every state change; pulled by the charm to explain the unit status. */
export const STATUS_FILE = `${WORKER_HOME}/status.json`;

/** Health endpoint on localhost for the Pebble check: 200 when connected and polling, 503 otherwise. */
export const HEALTH_PORT = 8089;
export const HEALTH_PATH = '/health';
/** Prometheus metrics of the Temporal runtime, on the port the Python charm used. */
export const PROMETHEUS_PORT = 9000;

/** Custom notice the worker records on a status change, so Juju runs the charm (pebble-custom-notice). */
export const STATUS_NOTICE_KEY = 'canonical.com/temporal-worker-k8s/status';

/** Environment names of the contract that are not config keys (config keys are `TWC_<KEY>`). */
export const ENV = {
  secretsFile: 'TWC_SECRETS_FILE',
  workflowsDir: 'TWC_WORKFLOWS_DIR',
  statusFile: 'TWC_STATUS_FILE',
  healthPort: 'TWC_HEALTH_PORT',
  prometheusPort: 'TWC_PROMETHEUS_PORT',
  /** Where metrics listen; all interfaces (for the Prometheus scrape) unless set. Tests set loopback. */
  prometheusBindAddress: 'TWC_PROMETHEUS_BIND_ADDRESS',
} as const;

/** `log-level` → `TWC_LOG_LEVEL`: upper case, `-` to `_`, as the Python charm did. */
export function configEnvName(key: string): string {
  return `TWC_${key.toUpperCase().replace(/-/g, '_')}`;
}

export type WorkerState = 'starting' | 'up' | 'down' | 'failed' | 'stopping';

/** Content of STATUS_FILE. `message` never holds a secret value. */
export interface WorkerStatus {
  state: WorkerState;
  message: string;
  namespace: string;
  queue: string;
  pid: number;
  updatedAt: string;
}

/** `manifest.json` at the root of a workflows package (the `workflows-file` resource, unpacked). */
export interface WorkflowsManifest {
  name: string;
  version: string;
  /** Temporal TypeScript SDK version the workflow bundle was built with; must equal the worker's. */
  temporalSdkVersion: string;
  /** Path, relative to the package root, of the prebuilt workflow bundle (`bundleWorkflowCode` output). */
  workflowBundle: string;
  /** Path, relative to the package root, of the CommonJS module exporting the activities. */
  activities: string;
  workflowNames: string[];
  activityNames: string[];
}

export const MANIFEST_FILE = 'manifest.json';
