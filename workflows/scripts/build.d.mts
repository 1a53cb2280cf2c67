import type { WorkflowsManifest } from '../../src/workload/contract';

export interface WorkflowsPackageOptions {
  name: string;
  version: string;
  /** The module exporting the workflows (TypeScript or JavaScript). */
  workflowsPath: string;
  /** The module exporting the activities. */
  activitiesPath: string;
  /** Files or folders copied into the package, `to` relative to its root. */
  extraFiles?: { from: string; to: string }[];
  /** The .tgz to write (npm-pack layout, everything under `package/`). */
  outFile: string;
}

export function buildWorkflowsPackage(
  options: WorkflowsPackageOptions,
): Promise<{ outFile: string; manifest: WorkflowsManifest }>;
