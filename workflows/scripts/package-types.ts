// The types of scripts/build.mjs (checked through its JSDoc): what it is asked to build, and
// the manifest.json it writes at the root of the package, which the worker loads it by.

export interface WorkflowsPackageOptions {
  name: string;
  version: string;
  /** The module exporting the workflows (TypeScript or JavaScript). */
  workflowsPath: string;
  /** The module exporting the activities. */
  activitiesPath: string;
  /**
   * Commands the package declares in its package.json `bin`: name → entry module. Each is
   * bundled with all its dependencies into `bin/<name>.js`.
   */
  bins?: Record<string, string>;
  /** Files or folders copied into the package, `to` relative to its root. */
  extraFiles?: { from: string; to: string }[];
  /** The .tgz to write (npm-pack layout, everything under `package/`). */
  outFile: string;
}

export interface WorkflowsManifest {
  name: string;
  version: string;
  /** Temporal TypeScript SDK version the workflow bundle was built with; the worker's must equal it. */
  temporalSdkVersion: string;
  /** Path, relative to the package root, of the prebuilt workflow bundle (`bundleWorkflowCode` output). */
  workflowBundle: string;
  /** Path, relative to the package root, of the CommonJS module exporting the activities. */
  activities: string;
  workflowNames: string[];
  activityNames: string[];
}
