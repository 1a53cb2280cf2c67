// The one reconcile every hook and action runs: read what the operator set, check it,
// bring the container to the desired state, and say in the unit status how the worker is.
import { SERVICE_NAME, type ContainerLayout } from '../contract/container';
import { parseWorkerStatus } from '../contract/worker-status';
import type { Juju } from '../juju/types';
import { PebbleConnectionError, type Pebble, type ServiceInfo } from '../pebble/types';
import { workerRuntime } from './charm-files';
import { syncContainer, type DesiredWorkload } from './container-sync';
import { HookCache } from './hook-cache';
import { readInputs, type CharmInputs } from './inputs';
import { restartKey, secretsTrigger } from './restart-key';
import { desiredLayer } from './layer';
import type { JujuTopology } from './cos/topology';
import { WAITING_FOR_PEBBLE, workerUnitStatus, type UnitStatus } from './unit-status';
import { renderWorkerEnvironment, type ModelProxies, type WorkerPorts } from './worker-environment';

export interface CharmContext {
  juju: Juju;
  pebble: Pebble;
  /** JUJU_CHARM_DIR: where dist/ (worker runtime, bundled workflows package) is. */
  charmDir: string;
  layout: ContainerLayout;
  modelProxies: ModelProxies;
  /** Where this unit's hook cache lives. */
  cacheDir: string;
  ports: WorkerPorts;
  /** The user the worker runs as and owner of what is pushed (WORKER_USER but in tests). */
  workerUser: string;
  /** Model, application, unit and charm, for the COS relations (src/charm/cos/). */
  topology: JujuTopology;
  /** The relation of a relation-broken hook: Juju still lists it, but it is gone. */
  brokenRelationId?: string;
}

export type ReconcileOutcome =
  | { kind: 'blocked'; status: UnitStatus }
  | { kind: 'pebble-unreachable'; status: UnitStatus; inputs: CharmInputs }
  | { kind: 'reconciled'; status: UnitStatus; inputs: CharmInputs };

async function desiredWorkload(
  context: CharmContext,
  inputs: CharmInputs,
  cache: HookCache,
): Promise<DesiredWorkload> {
  const runtime = workerRuntime(context.charmDir);
  const key = await restartKey(context.pebble, context.layout, cache);
  const environment = renderWorkerEnvironment({
    config: inputs.config,
    envFileVariables: { ...inputs.envFileVariables, ...inputs.databaseVariables },
    optionsFromSecret: inputs.optionsFromSecret,
    modelProxies: context.modelProxies,
    layout: context.layout,
    workflowsHash: inputs.workflows.hash,
    ports: context.ports,
  });
  const secretsHash = secretsTrigger(key, environment.secretsFileContent);
  return {
    layer: desiredLayer({
      workerEntry: context.layout.workerEntry(runtime.fingerprint),
      environment: environment.layerEnvironment,
      hashes: {
        runtime: runtime.fingerprint,
        workflows: inputs.workflows.hash,
        secrets: secretsHash,
      },
      healthPort: context.ports.health,
      user: context.workerUser,
    }),
    runtime,
    workflows: inputs.workflows,
    secrets: { content: environment.secretsFileContent, hash: secretsHash, key },
    settingFiles: environment.settingFiles,
    user: context.workerUser,
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
    context.pebble.pull(context.layout.statusFile),
  ]);
  const worker = parseWorkerStatus(statusFile);
  return workerUnitStatus({
    service,
    worker,
    startError: known.startError,
    namespace: inputs.settings.namespace,
    queue: inputs.settings.queue,
    hostFrom: inputs.hostFrom,
  });
}

export async function reconcile(context: CharmContext): Promise<ReconcileOutcome> {
  const { juju } = context;
  const cache = new HookCache(context.cacheDir);
  const inputs = await readInputs(
    juju,
    context.charmDir,
    cache,
    context.topology.application,
    context.brokenRelationId,
  );
  if (!inputs.ok) {
    // Pebble is left alone: the last good layer and files keep the running worker going.
    const status: UnitStatus = { status: inputs.status ?? 'blocked', message: inputs.message };
    await juju.log(status.status === 'blocked' ? 'WARNING' : 'INFO', inputs.message);
    await juju.statusSet(status.status, status.message);
    return { kind: 'blocked', status };
  }
  const { manifest } = inputs.inputs.workflows;
  const version = `${manifest.name}@${manifest.version}`;
  // Juju keeps the version: set it once per value, not on every update-status.
  if (cache.get('application-version', version) === null) {
    await juju.applicationVersionSet(version);
    cache.put('application-version', version, '{}');
  }

  try {
    const sync = await syncContainer(
      juju,
      context.pebble,
      context.layout,
      await desiredWorkload(context, inputs.inputs, cache),
      cache,
    );
    if (sync.blocked) {
      // Pebble was asked nothing that changes the worker: the running one keeps running.
      const status: UnitStatus = { status: 'blocked', message: sync.blocked };
      await juju.log('WARNING', sync.blocked);
      await juju.statusSet(status.status, status.message);
      return { kind: 'blocked', status };
    }
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
    return { kind: 'pebble-unreachable', status: WAITING_FOR_PEBBLE, inputs: inputs.inputs };
  }
}
