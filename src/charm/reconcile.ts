// The one reconcile every hook and action runs: read what the operator set, check it,
// bring the container to the desired state, and say in the unit status how the worker is.
import type { Juju } from '../juju/types';
import { PebbleConnectionError, type Pebble, type ServiceInfo } from '../pebble/types';
import { SERVICE_NAME } from '../workload/contract';
import { workerRuntime } from './charm-files';
import { CheckCache } from './check-cache';
import { readInputs, type CharmInputs } from './inputs';
import { desiredLayer } from './layer';
import { runtimeDir, workflowsDir, type WorkerPaths } from './paths';
import { WAITING_FOR_PEBBLE, parseWorkerStatus, workerUnitStatus, type UnitStatus } from './status';
import {
  RUNTIME_HASH_ENV,
  WORKFLOWS_HASH_ENV,
  renderWorkerEnvironment,
  type ModelProxies,
  type WorkerPorts,
} from './worker-environment';
import { syncWorkload, type DesiredWorkload } from './workload';

export interface CharmContext {
  juju: Juju;
  pebble: Pebble;
  /** JUJU_CHARM_DIR: where dist/ (worker runtime, bundled workflows package) is. */
  charmDir: string;
  paths: WorkerPaths;
  modelProxies: ModelProxies;
  /** Where checked workflows manifests are cached between hooks. */
  cacheDir: string;
  ports: WorkerPorts;
}

export type ReconcileOutcome =
  | { kind: 'blocked'; status: UnitStatus }
  | { kind: 'pebble-unreachable'; status: UnitStatus }
  | { kind: 'reconciled'; status: UnitStatus; inputs: CharmInputs };

function desiredWorkload(context: CharmContext, inputs: CharmInputs): DesiredWorkload {
  const runtime = workerRuntime(context.charmDir);
  const environment = renderWorkerEnvironment({
    config: inputs.config,
    envFileVariables: inputs.envFileVariables,
    modelProxies: context.modelProxies,
    secretsFile: context.paths.secretsFile,
    statusFile: context.paths.statusFile,
    workflowsDir: workflowsDir(context.paths, inputs.workflows.hash),
    ports: context.ports,
  });
  const layerEnvironment = {
    ...environment.layerEnvironment,
    [RUNTIME_HASH_ENV]: runtime.fingerprint,
    [WORKFLOWS_HASH_ENV]: inputs.workflows.hash,
  };
  return {
    layer: desiredLayer(
      runtimeDir(context.paths, runtime.fingerprint),
      layerEnvironment,
      context.ports.health,
    ),
    runtime,
    workflows: inputs.workflows,
    secretsFileContent: environment.secretsFileContent,
  };
}

/** How the worker is doing now, from Pebble (service state, status file). */
export async function observeWorker(
  context: CharmContext,
  inputs: CharmInputs,
  known: { service?: ServiceInfo; startError?: string } = {},
): Promise<UnitStatus> {
  const [service, statusFile] = await Promise.all([
    known.service ?? context.pebble.getServices([SERVICE_NAME]).then((services) => services[0]),
    context.pebble.pull(context.paths.statusFile),
  ]);
  const worker = parseWorkerStatus(statusFile);
  return workerUnitStatus({
    service,
    worker,
    startError: known.startError,
    namespace: inputs.config.namespace,
    queue: inputs.config.queue,
  });
}

export async function reconcile(context: CharmContext): Promise<ReconcileOutcome> {
  const { juju } = context;
  const cache = new CheckCache(context.cacheDir);
  const inputs = await readInputs(juju, context.charmDir, cache);
  if (!inputs.ok) {
    // Pebble is left alone: the last good layer and files keep the running worker going.
    const status: UnitStatus = { status: 'blocked', message: inputs.message };
    await juju.log('WARNING', inputs.message);
    await juju.statusSet(status.status, status.message);
    return { kind: 'blocked', status };
  }
  const { manifest } = inputs.inputs.workflows;
  const version = `${manifest.name}@${manifest.version}`;
  // Juju keeps the version: set it once per value, not on every update-status.
  if ((await cache.get('application-version', version)) === null) {
    await juju.applicationVersionSet(version);
    await cache.put('application-version', version, '{}');
  }

  try {
    const sync = await syncWorkload(
      juju,
      context.pebble,
      context.paths,
      desiredWorkload(context, inputs.inputs),
      cache,
    );
    const status = await observeWorker(context, inputs.inputs, {
      service: sync.unchangedService,
      startError: sync.startError,
    });
    await juju.statusSet(status.status, status.message);
    return { kind: 'reconciled', status, inputs: inputs.inputs };
  } catch (error) {
    if (!(error instanceof PebbleConnectionError)) throw error;
    await juju.log('INFO', `Pebble in container temporal-worker is not reachable yet: ${error.message}`);
    await juju.statusSet(WAITING_FOR_PEBBLE.status, WAITING_FOR_PEBBLE.message);
    return { kind: 'pebble-unreachable', status: WAITING_FOR_PEBBLE };
  }
}
