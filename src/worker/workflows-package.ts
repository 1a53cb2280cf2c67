// The unpacked workflows package: its manifest, the prebuilt workflow bundle
// (narrowed to the selected workflows) and the selected activities.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { MANIFEST_FILE, type WorkflowsManifest } from '../workload/contract';
import type { Selection } from './config';

export class UnknownNamesError extends Error {}

export interface LoadedWorkflows {
  manifest: WorkflowsManifest;
  workflowNames: string[];
  activityNames: string[];
  /** The workflow bundle code, ready for `workflowBundle: { code }`. */
  workflowBundleCode: string;
  workflowBundlePath: string;
  /** Only set when every workflow is selected: the bundle can be used untouched. */
  selectsAllWorkflows: boolean;
  activities: Record<string, (...args: unknown[]) => unknown>;
}

export function readManifest(dir: string): WorkflowsManifest {
  const file = path.join(dir, MANIFEST_FILE);
  let manifest: WorkflowsManifest;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8')) as WorkflowsManifest;
  } catch (error) {
    throw new Error(`cannot read the workflows package manifest ${file}: ${(error as Error).message}`);
  }
  for (const field of ['temporalSdkVersion', 'workflowBundle', 'activities'] as const) {
    if (typeof manifest[field] !== 'string') throw new Error(`${file} has no ${field}`);
  }
  for (const field of ['workflowNames', 'activityNames'] as const) {
    if (!Array.isArray(manifest[field])) throw new Error(`${file} has no ${field} list`);
  }
  return manifest;
}

export function checkSdkVersion(manifest: WorkflowsManifest, workerSdkVersion: string): void {
  if (manifest.temporalSdkVersion !== workerSdkVersion) {
    throw new Error(
      `the workflows package was built with Temporal SDK ${manifest.temporalSdkVersion}, ` +
        `but this worker runs ${workerSdkVersion}: rebuild the package with @temporalio/worker ${workerSdkVersion}`,
    );
  }
}

const plural = { workflow: 'workflows', activity: 'activities' } as const;

/** The selected names, in the manifest's order; an unknown name throws UnknownNamesError naming it. */
export function selectNames(
  kind: 'workflow' | 'activity',
  available: string[],
  selection: Selection,
): string[] {
  if (selection === 'all') return [...available];
  const unknown = selection.filter((name) => !available.includes(name));
  if (unknown.length > 0) {
    const label = kind === 'workflow' ? 'supported-workflows' : 'supported-activities';
    throw new UnknownNamesError(
      `${label} names unknown ${unknown.length > 1 ? plural[kind] : kind} ${unknown.map((n) => `'${n}'`).join(', ')} ` +
        `(the package has: ${available.join(', ') || 'none'})`,
    );
  }
  return available.filter((name) => selection.includes(name));
}

const SOURCE_MAP_COMMENT = '\n//# sourceMappingURL=';

/**
 * Makes the bundle's workflow module expose only `names`, so an unselected
 * workflow type fails its task as unregistered. The code goes before the
 * trailing source map comment, which the SDK requires to stay last.
 */
export function narrowWorkflowBundle(code: string, names: string[]): string {
  const at = code.lastIndexOf(SOURCE_MAP_COMMENT);
  if (at < 0)
    throw new Error('the workflow bundle has no inline source map: was it built by bundleWorkflowCode?');
  const narrowing =
    `\n;(function (selected) {` +
    ` var importAll = __TEMPORAL__.importWorkflows;` +
    ` __TEMPORAL__.importWorkflows = function () {` +
    ` var all = importAll(); var some = {};` +
    ` for (var i = 0; i < selected.length; i++) some[selected[i]] = all[selected[i]];` +
    ` return some; };` +
    ` })(${JSON.stringify(names)});\n`;
  return code.slice(0, at) + narrowing + code.slice(at);
}

export function loadWorkflowsPackage(
  dir: string,
  selection: { workflows: Selection; activities: Selection },
  workerSdkVersion: string,
  requireModule: (file: string) => unknown,
): LoadedWorkflows {
  const manifest = readManifest(dir);
  checkSdkVersion(manifest, workerSdkVersion);
  const workflowNames = selectNames('workflow', manifest.workflowNames, selection.workflows);
  const activityNames = selectNames('activity', manifest.activityNames, selection.activities);
  const workflowBundlePath = path.resolve(dir, manifest.workflowBundle);
  const selectsAllWorkflows = workflowNames.length === manifest.workflowNames.length;
  const bundle = readFileSync(workflowBundlePath, 'utf8');
  const workflowBundleCode = selectsAllWorkflows ? bundle : narrowWorkflowBundle(bundle, workflowNames);

  const activities: LoadedWorkflows['activities'] = {};
  if (activityNames.length > 0) {
    const activitiesPath = path.resolve(dir, manifest.activities);
    const exported = requireModule(activitiesPath) as Record<string, unknown>;
    for (const name of activityNames) {
      const activity = exported[name];
      if (typeof activity !== 'function') {
        throw new Error(
          `${activitiesPath} does not export a function '${name}' although the manifest lists it`,
        );
      }
      activities[name] = activity as (...args: unknown[]) => unknown;
    }
  }
  return {
    manifest,
    workflowNames,
    activityNames,
    workflowBundleCode,
    workflowBundlePath,
    selectsAllWorkflows,
    activities,
  };
}
