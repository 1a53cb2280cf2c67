// Reads everything the operator controls (config, env-file, workflows-file) and checks
// it. Any problem comes back as the blocked message, naming the key or resource.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { WorkflowsManifest } from '../workload/contract';
import type { ConfigValue, Juju } from '../juju/types';
import { bundledWorkflowsFile } from './charm-files';
import { CheckCache } from './check-cache';
import { deriveConfig, type CharmConfig, type ConfigResult, type NameSelection } from './config-values';
import { parseEnvFile } from './env-file';
import { inspectWorkflowsPackage, type InspectedWorkflowsPackage } from './workflows-inspect';

export interface CharmInputs {
  config: CharmConfig;
  envFileVariables: Record<string, string>;
  workflows: InspectedWorkflowsPackage & { tarball: Buffer };
}

export type InputsResult = { ok: true; inputs: CharmInputs } | { ok: false; message: string };

async function attachedFile(juju: Juju, resource: string): Promise<{ path: string; content: Buffer } | null> {
  const file = await juju.resourceGet(resource);
  if (file === null) return null;
  const content = readFileSync(file);
  return content.length === 0 ? null : { path: file, content };
}

function unknownNames(
  key: string,
  wanted: NameSelection,
  available: string[],
  pkg: WorkflowsManifest,
): string | null {
  if (wanted === 'all') return null;
  const unknown = wanted.filter((name) => !available.includes(name));
  if (unknown.length === 0) return null;
  return (
    `invalid config: ${key} names ${unknown.map((name) => `'${name}'`).join(', ')}, which the workflows package ` +
    `${pkg.name} ${pkg.version} does not have (it has: ${available.join(', ') || 'none'})`
  );
}

/**
 * Juju stores every attached file under the metadata's `filename`, so `workflows-file-name`
 * may name either that or the package's own file, `<name>-<version>.tgz` as `npm run build` writes it.
 */
function workflowsFileNameProblem(
  wanted: string,
  filePath: string,
  manifest: WorkflowsManifest,
): string | null {
  const storedName = path.basename(filePath);
  const packageFileName = `${manifest.name}-${manifest.version}.tgz`;
  if (wanted === '' || wanted === storedName || wanted === packageFileName) return null;
  return (
    `invalid config: workflows-file-name '${wanted}' names neither the workflows package in use ` +
    `('${packageFileName}') nor the workflows-file ('${storedName}')`
  );
}

async function checkConfig(
  raw: Record<string, ConfigValue | null>,
  cache: CheckCache,
): Promise<ConfigResult> {
  const key = JSON.stringify(Object.entries(raw).sort(([a], [b]) => a.localeCompare(b)));
  if ((await cache.get('config', key)) !== null) return { ok: true, config: deriveConfig(raw) };
  // Loaded on demand: zod costs tens of ms at start-up, and most hooks do not need it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { validateConfig } = require('./config') as typeof import('./config');
  const result = validateConfig(raw);
  if (result.ok) await cache.put('config', key, '{}');
  return result;
}

export async function readInputs(juju: Juju, charmDir: string, cache: CheckCache): Promise<InputsResult> {
  // Three independent hook-tool calls: started together, each process's start-up overlaps.
  const [rawConfig, envFile, attachedWorkflowsFile] = await Promise.all([
    juju.configGet(),
    attachedFile(juju, 'env-file'),
    attachedFile(juju, 'workflows-file'),
  ]);
  const configResult = await checkConfig(rawConfig, cache);
  if (!configResult.ok) return configResult;
  const config = configResult.config;

  const envResult = envFile
    ? parseEnvFile(envFile.content.toString('utf8'))
    : { ok: true as const, variables: {} };
  if (!envResult.ok) return envResult;

  let workflowsFile = attachedWorkflowsFile;
  if (!workflowsFile) {
    const bundled = bundledWorkflowsFile(charmDir);
    if (!bundled) return { ok: false, message: 'workflows-file: none attached and the charm bundles none' };
    workflowsFile = { path: bundled, content: readFileSync(bundled) };
  }
  const inspected = await inspectWorkflowsPackage(workflowsFile.content, cache);
  if (!inspected.ok) return inspected;
  const manifest = inspected.package.manifest;
  const fileNameProblem = workflowsFileNameProblem(config.workflowsFileName, workflowsFile.path, manifest);
  if (fileNameProblem) return { ok: false, message: fileNameProblem };
  const nameProblem =
    unknownNames('supported-workflows', config.supportedWorkflows, manifest.workflowNames, manifest) ??
    unknownNames('supported-activities', config.supportedActivities, manifest.activityNames, manifest);
  if (nameProblem) return { ok: false, message: nameProblem };

  return {
    ok: true,
    inputs: {
      config,
      envFileVariables: envResult.variables,
      workflows: { ...inspected.package, tarball: workflowsFile.content },
    },
  };
}
