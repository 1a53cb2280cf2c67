// Reads everything the operator controls (config, env-file, workflows-file) and checks
// it. Any problem comes back as the blocked message, naming the key or resource.
import { type BigIntStats, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { Settings } from '../contract/settings';
import { selectNames } from '../contract/name-selection';
import type { WorkflowsManifest } from '../contract/workflows-manifest';
import type { ConfigValue, Juju } from '../juju/types';
import { bundledWorkflowsFile } from './charm-files';
import { checkConfig } from './config-check';
import { ENV_FILE_MAX_BYTES, parseEnvFile } from './env-file';
import { readEnvironmentOption } from './environment-option';
import type { HookCache } from './hook-cache';
import { inspectWorkflowsPackage, type InspectedWorkflowsPackage } from './workflows-inspect';
import { WORKFLOWS_FILE_LIMITS } from './workflows-limits';
import { applyAuthSecret } from './user-secrets';
import { DATABASE, liveRelationIds, readRelations, TEMPORAL_HOST_INFO } from './relations';

export interface CharmInputs {
  /** config-get's answer, as the worker's environment is rendered from it. */
  config: Record<string, ConfigValue | null>;
  settings: Settings;
  /** Options whose value came from the `auth-secret-id` secret: rendered as secrets. */
  optionsFromSecret: Set<string>;
  /** The env-file's variables, then the `environment` option's (which win). */
  envFileVariables: Record<string, string>;
  /** The related database's TEMPORAL_DB_* variables ({} without one): secrets. */
  databaseVariables: Record<string, string>;
  /** The temporal-host-info application the host came from, when the `host` option is empty. */
  hostFrom?: string;
  workflows: InspectedWorkflowsPackage;
}

/** A problem blocks the unit, or makes it wait for a relation's data; the running worker is left alone. */
export type InputsResult =
  { ok: true; inputs: CharmInputs } | { ok: false; message: string; status?: 'waiting' | 'blocked' };

/** The largest file each resource may be; a larger one is refused before it is read (SECURITY.md, item 3). */
const RESOURCE_LIMITS: Record<string, number> = {
  'env-file': ENV_FILE_MAX_BYTES,
  'workflows-file': WORKFLOWS_FILE_LIMITS.compressedBytes,
};

type AttachedFile = { path: string; stat: BigIntStats } | { tooLarge: string } | null;

/** The resource's file, unread: null when none is attached or it is empty. */
async function attachedFile(juju: Juju, resource: string): Promise<AttachedFile> {
  const file = await juju.resourceGet(resource);
  if (file === null) return null;
  const limit = RESOURCE_LIMITS[resource]!;
  const stat = statSync(file, { bigint: true });
  if (stat.size > BigInt(limit))
    return { tooLarge: `${resource}: is larger than ${limit / 1024 / 1024} MiB` };
  return stat.size === 0n ? null : { path: file, stat };
}

/** Whether the package has every workflow and activity the config selects. */
function selectionProblem(settings: Settings, manifest: WorkflowsManifest): string | null {
  try {
    selectNames('workflow', manifest, settings.supportedWorkflows);
    selectNames('activity', manifest, settings.supportedActivities);
    return null;
  } catch (error) {
    return `invalid config: ${(error as Error).message}`;
  }
}

/**
 * Juju stores every attached file under the metadata's `filename`, so `workflows-file-name`
 * may name either that or the package's own file, `<name>-<version>.tgz` as `npm run build` writes it.
 * The Python charm's value, a wheel's name, cannot name what this charm runs: it is only
 * warned about (`warning`). Another name blocks, since the operator meant another package.
 */
function checkWorkflowsFileName(
  wanted: string,
  filePath: string,
  manifest: WorkflowsManifest,
): { problem?: string; warning?: string } {
  const storedName = path.basename(filePath);
  const packageFileName = `${manifest.name}-${manifest.version}.tgz`;
  if (wanted === '' || wanted === storedName || wanted === packageFileName) return {};
  if (wanted.endsWith('.whl')) {
    return {
      warning:
        `workflows-file-name '${wanted}' names a Python wheel, which this charm does not run: ` +
        `ignored; the workflows package in use is '${packageFileName}'`,
    };
  }
  return {
    problem:
      `invalid config: workflows-file-name '${wanted}' names neither the workflows package in use ` +
      `('${packageFileName}') nor the workflows-file ('${storedName}')`,
  };
}

/** juju-log WARNING, once per unit and message: not again on every update-status. */
async function warnOnce(juju: Juju, cache: HookCache, message: string): Promise<void> {
  if (cache.get('warned', message) !== null) return;
  await juju.log('WARNING', message);
  cache.put('warned', message, '');
}

/** `app`: this application's name, for the `juju grant-secret` a blocked status suggests. */
export async function readInputs(
  juju: Juju,
  charmDir: string,
  cache: HookCache,
  app: string,
  brokenRelationId?: string,
): Promise<InputsResult> {
  // Independent hook-tool calls: started together, each process's start-up overlaps.
  const [rawConfig, envFile, attachedWorkflowsFile, hostInfo, database] = await Promise.all([
    juju.configGet(),
    attachedFile(juju, 'env-file'),
    attachedFile(juju, 'workflows-file'),
    liveRelationIds(juju, TEMPORAL_HOST_INFO, brokenRelationId),
    liveRelationIds(juju, DATABASE, brokenRelationId),
  ]);
  const auth = await applyAuthSecret(juju, rawConfig, app);
  if (!auth.ok) return auth;
  const related = await readRelations(juju, { hostInfo, database }, auth.config, app);
  if (!related.ok) return related;
  const { relations } = related;
  const config = relations.host ? { ...auth.config, host: relations.host.address } : auth.config;
  const configResult = checkConfig(config);
  if (!configResult.ok) {
    const suffix = auth.fromSecret.size > 0 ? " (with auth-secret-id's keys)" : '';
    return { ok: false, message: `${configResult.message}${suffix}` };
  }
  const settings = configResult.settings;
  for (const attached of [envFile, attachedWorkflowsFile]) {
    if (attached && 'tooLarge' in attached) return { ok: false, message: attached.tooLarge };
  }

  const envResult =
    envFile && 'path' in envFile
      ? parseEnvFile(readFileSync(envFile.path, 'utf8'))
      : { ok: true as const, variables: {} };
  if (!envResult.ok) return envResult;
  const environment = await readEnvironmentOption(juju, settings.environment ?? '', app);
  if (!environment.ok) return environment;

  let workflowsFile = attachedWorkflowsFile && 'path' in attachedWorkflowsFile ? attachedWorkflowsFile : null;
  if (!workflowsFile) {
    const bundled = bundledWorkflowsFile(charmDir);
    if (!bundled) return { ok: false, message: 'workflows-file: none attached and the charm bundles none' };
    workflowsFile = { path: bundled, stat: statSync(bundled, { bigint: true }) };
  }
  const inspected = await inspectWorkflowsPackage(workflowsFile, cache);
  if (!inspected.ok) return inspected;
  const manifest = inspected.package.manifest;
  const fileName = checkWorkflowsFileName(settings.workflowsFileName ?? '', workflowsFile.path, manifest);
  const problem = fileName.problem ?? selectionProblem(settings, manifest);
  if (problem) return { ok: false, message: problem };
  if (fileName.warning) await warnOnce(juju, cache, fileName.warning);

  return {
    ok: true,
    inputs: {
      config,
      settings,
      optionsFromSecret: auth.fromSecret,
      envFileVariables: { ...envResult.variables, ...environment.variables },
      databaseVariables: relations.databaseVariables,
      ...(relations.host ? { hostFrom: relations.host.app } : {}),
      workflows: inspected.package,
    },
  };
}
