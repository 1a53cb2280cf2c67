// The Pebble layer the charm wants: one service running the worker, a liveness check that
// restarts it when its process is stuck, and a readiness check that only reports (an
// unreachable Temporal or token endpoint must not restart it and cancel its activities;
// SECURITY.md, item 6; docs/juju-pebble-contract.md §4.7, §4.11).
import { HEALTH_PATH, LIVE_PATH, SERVICE_NAME } from '../contract/container';
import { SETTINGS } from '../contract/settings';
import type { Layer } from '../pebble/types';

/** Readiness: connected and polling. Its failure sets the unit status, nothing more. */
export const CHECK_NAME = 'worker-up';
/** Liveness: the process answers. Pebble restarts the worker when it fails `threshold` times. */
export const ALIVE_CHECK_NAME = 'worker-alive';
// The worker drains running activities on SIGTERM and exits within this delay.
export const KILL_DELAY = '20s';

/**
 * How the worker's process is run, before the rendered settings (which win on a clash). Both are
 * glibc's malloc tunables (a no-op on another libc); bench/worker.ts measures them side by side
 * against a bare `node worker.js`.
 * - One malloc arena instead of up to 8 per core: the Temporal core's threads, V8's and the
 *   workflow thread each grew their own (about 14 MiB more after 30 s idle).
 * - A fixed 64 KiB trim threshold: glibc otherwise raises it as startup frees large blocks, and
 *   keeps what start-up freed (about 5 MiB after 30 s idle, start unchanged).
 * Node's compile cache is left off: it started the worker about 50 ms sooner, well within the
 * start target, but it held about 2 MiB more.
 */
export const PROCESS_ENVIRONMENT: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '1',
  MALLOC_TRIM_THRESHOLD_: '65536',
};

/**
 * Node's flags for the worker. V8 sizes its young generation from the heap limit, which it takes
 * from the host’s memory: on a 23 GiB host the new space grew to 96 MiB and more, and kept
 * what it grew; the soak's RSS climbed with it (docs/performance.md, "The young generation").
 * 8 MiB a semi-space holds an event's garbage between two scavenges.
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8'];

export interface LayerInput {
  /** worker.js of the runtime in use. */
  workerEntry: string;
  environment: Record<string, string>;
  /** Content digests: a change restarts the worker. */
  hashes: { runtime: string; workflows: string; secrets: string };
  healthPort: number;
  /** Who the worker runs as (WORKER_USER). */
  user: string;
}

export function desiredLayer({ workerEntry, environment, hashes, healthPort, user }: LayerInput): Layer {
  return {
    summary: 'temporal-worker-k8s',
    description: 'The OCI Factory Temporal worker, managed by the temporal-worker-k8s charm',
    services: {
      [SERVICE_NAME]: {
        override: 'replace',
        summary: 'Temporal worker',
        command: `node ${NODE_FLAGS.join(' ')} ${workerEntry}`,
        startup: 'enabled',
        user,
        environment: {
          ...PROCESS_ENVIRONMENT,
          ...environment,
          [SETTINGS.runtimeHash.env]: hashes.runtime,
          [SETTINGS.workflowsHash.env]: hashes.workflows,
          [SETTINGS.secretsHash.env]: hashes.secrets,
        },
        'kill-delay': KILL_DELAY,
        'on-check-failure': { [ALIVE_CHECK_NAME]: 'restart', [CHECK_NAME]: 'ignore' },
      },
    },
    checks: {
      [ALIVE_CHECK_NAME]: {
        override: 'replace',
        level: 'alive',
        period: '10s',
        timeout: '5s',
        threshold: 6,
        http: { url: `http://127.0.0.1:${healthPort}${LIVE_PATH}` },
      },
      [CHECK_NAME]: {
        override: 'replace',
        level: 'ready',
        period: '10s',
        threshold: 3,
        http: { url: `http://127.0.0.1:${healthPort}${HEALTH_PATH}` },
      },
    },
  };
}

function isSubset(wanted: unknown, actual: unknown): boolean {
  if (wanted === null || typeof wanted !== 'object') return wanted === actual;
  if (actual === null || typeof actual !== 'object') return false;
  const have = actual as Record<string, unknown>;
  return Object.entries(wanted as Record<string, unknown>).every(([key, value]) =>
    isSubset(value, have[key]),
  );
}

function sameKeys(wanted: Record<string, string> | undefined, actual: unknown): boolean {
  const have = (actual ?? {}) as Record<string, unknown>;
  return Object.keys(have).length === Object.keys(wanted ?? {}).length;
}

/** Whether the plan already runs our service and check as desired (the plan may add defaults). */
export function planHasLayer(plan: Layer, layer: Layer): boolean {
  const service = layer.services![SERVICE_NAME]!;
  const current = plan.services?.[SERVICE_NAME];
  const { summary: _layerSummary, description: _layerDescription, ...wanted } = layer;
  return (
    isSubset(wanted, plan) &&
    sameKeys(service.environment, current?.environment) &&
    Object.keys(plan.checks ?? {}).length === Object.keys(layer.checks ?? {}).length
  );
}
