// The unpacked workflows package: its manifest, the prebuilt workflow bundle
// (narrowed to the selected workflows) and the selected activities.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { selectNames, type NameSelection } from '../contract/name-selection';
import { MANIFEST_FILE, parseManifest, type WorkflowsManifest } from '../contract/workflows-manifest';

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
  try {
    return parseManifest(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the workflows package manifest ${file}: ${(error as Error).message}`);
  }
}

export function checkSdkVersion(manifest: WorkflowsManifest, workerSdkVersion: string): void {
  if (manifest.temporalSdkVersion !== workerSdkVersion) {
    throw new Error(
      `the workflows package was built with Temporal SDK ${manifest.temporalSdkVersion}, ` +
        `but this worker runs ${workerSdkVersion}: rebuild the package with @temporalio/worker ${workerSdkVersion}`,
    );
  }
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
  selection: { workflows: NameSelection; activities: NameSelection },
  workerSdkVersion: string,
  requireModule: (file: string) => unknown,
): LoadedWorkflows {
  const manifest = readManifest(dir);
  checkSdkVersion(manifest, workerSdkVersion);
  const workflowNames = selectNames('workflow', manifest, selection.workflows);
  const activityNames = selectNames('activity', manifest, selection.activities);
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
