// Entry point of dist/charm.js, run by ./dispatch for every hook and action.
// Test seams, never set by Juju:
// - CHARM_CONTAINERS_DIR (default /charm/containers): the charm container's view of the
//   workload containers; the Pebble socket is `<dir>/temporal-worker/pebble.socket`.
// - CHARM_WORKER_HOME (default WORKER_HOME): the folder in the workload container that
//   holds everything the charm pushes; the layer's environment tells the worker every
//   path under it, so a test can run a real Pebble on the host.
// - CHARM_HEALTH_PORT, CHARM_PROMETHEUS_PORT and CHARM_WORKFLOWS_METRICS_PORT: tests that run
//   several workers on one host.
// - CHARM_WORKER_USER (default WORKER_USER): the user the worker runs as, for a host
//   without `node` (and a test of an image without the user).
// - CHARM_REPORT_CALLS: the benchmark's counters.
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CONTAINER_NAME,
  HEALTH_PORT,
  PROMETHEUS_PORT,
  WORKER_HOME,
  WORKER_USER,
  WORKFLOWS_METRICS_PORT,
  containerLayout,
} from '../contract/container';
import { HookTools } from '../juju/hook-tools';
import type { Juju } from '../juju/types';
import { PebbleClient } from '../pebble/client';
import { dispatchEvent } from './charm';
import { topologyFromEnvironment } from './cos/topology';
import { eventFromDispatchPath } from './event';
import type { CharmContext } from './reconcile';

export function contextFromEnvironment(juju: Juju, env: NodeJS.ProcessEnv): CharmContext {
  return {
    juju,
    pebble: new PebbleClient(
      path.join(env.CHARM_CONTAINERS_DIR || '/charm/containers', CONTAINER_NAME, 'pebble.socket'),
    ),
    charmDir: env.JUJU_CHARM_DIR || process.cwd(),
    layout: containerLayout(env.CHARM_WORKER_HOME || WORKER_HOME),
    modelProxies: {
      http: env.JUJU_CHARM_HTTP_PROXY ?? '',
      https: env.JUJU_CHARM_HTTPS_PROXY ?? '',
      no: env.JUJU_CHARM_NO_PROXY ?? '',
    },
    // One cache per unit: it also remembers what this unit already told Juju.
    cacheDir: path.join(
      os.tmpdir(),
      'temporal-worker-k8s-charm',
      `${env.JUJU_MODEL_UUID ?? 'model'}-${(env.JUJU_UNIT_NAME ?? 'unit').replace(/\//g, '-')}`,
    ),
    ports: {
      health: Number(env.CHARM_HEALTH_PORT) || HEALTH_PORT,
      prometheus: Number(env.CHARM_PROMETHEUS_PORT) || PROMETHEUS_PORT,
      workflowsMetrics: Number(env.CHARM_WORKFLOWS_METRICS_PORT) || WORKFLOWS_METRICS_PORT,
    },
    workerUser: env.CHARM_WORKER_USER || WORKER_USER,
    topology: topologyFromEnvironment(env),
    brokenRelationId:
      (env.JUJU_DISPATCH_PATH ?? '').endsWith('-relation-broken') && env.JUJU_RELATION_ID
        ? env.JUJU_RELATION_ID
        : undefined,
  };
}

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const event = eventFromDispatchPath(env.JUJU_DISPATCH_PATH);
  if (!event) {
    process.stderr.write(`nothing to do for JUJU_DISPATCH_PATH='${env.JUJU_DISPATCH_PATH ?? ''}'\n`);
    return 0;
  }
  const context = contextFromEnvironment(new HookTools(), env);
  const code = await dispatchEvent(event, context);
  // Benchmark seam (never set by Juju): how much this hook asked of Juju and Pebble.
  if (env.CHARM_REPORT_CALLS) {
    const calls = {
      hookTools: (context.juju as HookTools).callCount,
      pebble: (context.pebble as PebbleClient).requestCount,
    };
    process.stderr.write(`charm-calls ${JSON.stringify(calls)}\n`);
  }
  return code;
}

if (require.main === module) {
  void main().then((code) => {
    process.exitCode = code;
  });
}
