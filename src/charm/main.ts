// Entry point of dist/charm.js, run by ./dispatch for every hook and action.
// Test seams (never set by Juju): CHARM_CONTAINERS_DIR, CHARM_WORKER_HOME (see paths.ts),
// CHARM_HEALTH_PORT and CHARM_PROMETHEUS_PORT, CHARM_REPORT_CALLS (benchmark counters).
import * as os from 'node:os';
import * as path from 'node:path';
import { HookTools } from '../juju/hook-tools';
import type { Juju } from '../juju/types';
import { PebbleClient } from '../pebble/client';
import { HEALTH_PORT, PROMETHEUS_PORT, WORKER_HOME } from '../workload/contract';
import { dispatchEvent } from './charm';
import { eventFromDispatchPath } from './event';
import { pebbleSocketPath, workerPaths } from './paths';
import type { CharmContext } from './reconcile';

export function contextFromEnvironment(juju: Juju, env: NodeJS.ProcessEnv): CharmContext {
  return {
    juju,
    pebble: new PebbleClient(pebbleSocketPath(env.CHARM_CONTAINERS_DIR || undefined)),
    charmDir: env.JUJU_CHARM_DIR || process.cwd(),
    paths: workerPaths(env.CHARM_WORKER_HOME || WORKER_HOME),
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
    // Test seams too: tests that run several workers on one host move their ports.
    ports: {
      health: Number(env.CHARM_HEALTH_PORT) || HEALTH_PORT,
      prometheus: Number(env.CHARM_PROMETHEUS_PORT) || PROMETHEUS_PORT,
    },
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
