// Brings the container to the desired state through Pebble: pushes what changed (by
// content hash), adds the layer, replans, and removes what the new plan no longer uses.
import * as path from 'node:path';
import { LAYER_LABEL, SERVICE_NAME, WORKER_USER, type ContainerLayout } from '../contract/container';
import { SETTINGS } from '../contract/settings';
import type { Juju } from '../juju/types';
import {
  PebbleAPIError,
  PebbleChangeError,
  type FileToPush,
  type Layer,
  type Pebble,
  type ServiceInfo,
} from '../pebble/types';
import type { RuntimeFiles } from './charm-files';
import { digest } from './digest';
import type { HookCache } from './hook-cache';
import { planHasLayer } from './layer';
import type { SettingFile } from './worker-environment';
import type { WorkflowsPackage } from './workflows-tarball';

export interface DesiredWorkload {
  layer: Layer;
  runtime: RuntimeFiles;
  workflows: { hash: string; readTarball(): Buffer; loaded?: WorkflowsPackage };
  /** `hash`: the HMAC under `key` (restart-key.ts); the key is pushed along with the file. */
  secrets: { content: string; hash: string; key: string };
  /** Settings handed over in files; each path carries its content's digest, so the layer changes with it. */
  settingFiles: SettingFile[];
  /** Owner of every pushed file the worker reads, and the user it runs as. */
  user: string;
}

export interface SyncResult {
  /** Set when the replan's change failed (e.g. the worker exited at once). */
  startError?: string;
  /** The service as found, when nothing was replanned (saves asking again). */
  unchangedService?: ServiceInfo;
  /** Why the container cannot run the worker (e.g. the image lacks its user); nothing was changed. */
  blocked?: string;
}

// Files a push request names at most: the runtime is hundreds of files. Each request streams
// its files, so its memory does not grow with their size (SECURITY.md, item 3).
const PUSH_BATCH_FILES = 200;

/** Pushes `files` (path relative to `dir` → content) to `dir`, in requests of a bounded number of files. */
async function pushInBatches(
  pebble: Pebble,
  dir: string,
  files: Array<[string, FileToPush['content']]>,
  user: string,
): Promise<void> {
  for (let start = 0; start < files.length; start += PUSH_BATCH_FILES) {
    await pebble.push(
      files
        .slice(start, start + PUSH_BATCH_FILES)
        .map(([file, content]) => ({ path: path.posix.join(dir, file), content, makeDirs: true, user })),
    );
  }
}

async function pushRuntime(pebble: Pebble, runtime: RuntimeFiles, dir: string, user: string): Promise<void> {
  const files = runtime
    .listFiles()
    .map((file): [string, FileToPush['content']] => [file, { localPath: path.join(runtime.dir, file) }]);
  await pushInBatches(pebble, dir, files, user);
}

async function pushWorkflows(
  pebble: Pebble,
  workflows: DesiredWorkload['workflows'],
  dir: string,
  user: string,
): Promise<void> {
  let loaded = workflows.loaded;
  if (!loaded) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { loadWorkflowsPackage } = require('./workflows-tarball') as typeof import('./workflows-tarball');
    const result = await loadWorkflowsPackage(workflows.readTarball());
    if (!result.ok)
      throw new Error(`a workflows package that passed its checks no longer loads: ${result.message}`);
    loaded = result.package;
  }
  await pushInBatches(pebble, dir, [...loaded.files], user);
}

/**
 * Makes the worker's state folder, owned by its user (the worker writes its status file there).
 * Returns why not when the image has no such user: Pebble answers "unknown user"
 * (docs/juju-pebble-contract.md §4.11).
 */
async function makeHome(pebble: Pebble, layout: ContainerLayout, user: string): Promise<string | undefined> {
  try {
    await pebble.makeDir(path.posix.dirname(layout.statusFile), { makeParents: true, user });
    return undefined;
  } catch (error) {
    if (!(error instanceof PebbleAPIError) || !/unknown user/.test(error.message)) throw error;
    return (
      `the workload image has no user '${user}' to run the worker as: ` +
      `use an image that has it (the stock Node images have '${WORKER_USER}', uid 1000)`
    );
  }
}

/** Removes every folder under `root` except `keep` (older runtimes or packages). */
async function removeOthers(pebble: Pebble, root: string, keep: string): Promise<void> {
  const entries = await pebble.listFiles(root).catch(() => []);
  for (const entry of entries) {
    if (entry.type === 'directory' && entry.name !== keep)
      await pebble.remove(entry.path, { recursive: true });
  }
}

/**
 * The digest of the last layer Pebble confirmed replanning, kept in the hook cache. When it equals the
 * desired one and Pebble still runs our service (a restarted Pebble has an empty plan), the
 * plan is as we left it: update-status then skips fetching and parsing the plan's YAML.
 */
const APPLIED_LAYER = ['applied-layer', 'current'] as const;

export async function syncContainer(
  juju: Juju,
  pebble: Pebble,
  layout: ContainerLayout,
  desired: DesiredWorkload,
  cache: HookCache,
): Promise<SyncResult> {
  const layerDigest = digest(JSON.stringify(desired.layer));
  const [running] = await pebble.getServices([SERVICE_NAME]);
  const isUp = (service: ServiceInfo | undefined) =>
    service?.current === 'active' || service?.current === 'backoff';
  if (isUp(running) && cache.get(...APPLIED_LAYER) === layerDigest) return { unchangedService: running };

  const missingUser = await makeHome(pebble, layout, desired.user);
  if (missingUser) return { blocked: missingUser };
  const plan = await pebble.getPlan();
  const planned = plan.services?.[SERVICE_NAME]?.environment ?? {};
  const runtimeHash = desired.runtime.fingerprint;
  const workflowsHash = desired.workflows.hash;
  const runtimeChanged = planned[SETTINGS.runtimeHash.env] !== runtimeHash;
  const workflowsChanged = planned[SETTINGS.workflowsHash.env] !== workflowsHash;
  if (runtimeChanged) {
    await juju.statusSet('maintenance', 'pushing the worker runtime');
    await pushRuntime(pebble, desired.runtime, layout.runtimeDir(runtimeHash), desired.user);
  }
  if (workflowsChanged) {
    await juju.statusSet('maintenance', 'pushing the workflows package');
    await pushWorkflows(pebble, desired.workflows, layout.workflowsDir(workflowsHash), desired.user);
  }
  const plannedPaths = new Set(Object.values(planned));
  const newSettingFiles = desired.settingFiles.filter((file) => !plannedPaths.has(file.path));
  if (newSettingFiles.length > 0) {
    await pebble.push(newSettingFiles.map((file) => ({ ...file, makeDirs: true, user: desired.user })));
  }
  if (planned[SETTINGS.secretsHash.env] !== desired.secrets.hash) {
    await pebble.push([
      {
        path: layout.secretsFile,
        content: desired.secrets.content,
        permissions: '600',
        makeDirs: true,
        user: desired.user,
      },
      { path: layout.restartKeyFile, content: desired.secrets.key, permissions: '600', makeDirs: true },
    ]);
  }

  const layerChanged = !planHasLayer(plan, desired.layer);
  if (layerChanged) {
    await juju.statusSet('maintenance', 'replanning the worker');
    await pebble.addLayer(LAYER_LABEL, desired.layer);
    // The next worker writes its own status; an old "up" must not pass for it.
    await pebble.remove(layout.statusFile, { recursive: true });
  }
  // The layer counts as applied only once Pebble confirmed the replan: a replan lost on the
  // way (a connection error) leaves the cache as it was, so the next hook replans again,
  // even when the plan already holds the layer (SECURITY.md, item 2).
  let startError: string | undefined;
  try {
    await pebble.replan();
    cache.put(...APPLIED_LAYER, layerDigest);
  } catch (error) {
    if (!(error instanceof PebbleChangeError)) throw error;
    startError = error.message;
  }
  if (runtimeChanged || workflowsChanged) {
    await removeOthers(pebble, layout.runtimeRoot, runtimeHash);
    await removeOthers(pebble, layout.workflowsRoot, workflowsHash);
  }
  return { startError };
}
