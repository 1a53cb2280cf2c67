// Checks the workflows package in use, unpacking it only when this content was not
// checked before (the manifest of a checked package is kept in the hook cache).
import type { WorkflowsManifest } from '../contract/workflows-manifest';
import { digest } from './digest';
import type { HookCache } from './hook-cache';
import type { WorkflowsPackage } from './workflows-tarball';

export interface InspectedWorkflowsPackage {
  manifest: WorkflowsManifest;
  /** sha256 of the tarball: names the folder the package is pushed into. */
  hash: string;
  /** The unpacked files, when they had to be unpacked to check the package. */
  loaded?: WorkflowsPackage;
}

export type InspectResult = { ok: true; package: InspectedWorkflowsPackage } | { ok: false; message: string };

export async function inspectWorkflowsPackage(tarball: Buffer, cache: HookCache): Promise<InspectResult> {
  const hash = digest(tarball);
  const cached = cache.get('workflows', hash);
  if (cached !== null) {
    try {
      return { ok: true, package: { manifest: JSON.parse(cached) as WorkflowsManifest, hash } };
    } catch {
      // Unreadable entry: check the package itself.
    }
  }
  // Loaded on demand: tar and zod cost tens of ms at start-up.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadWorkflowsPackage } = require('./workflows-tarball') as typeof import('./workflows-tarball');
  const result = await loadWorkflowsPackage(tarball);
  if (!result.ok) return result;
  cache.put('workflows', hash, JSON.stringify(result.package.manifest));
  return { ok: true, package: { manifest: result.package.manifest, hash, loaded: result.package } };
}
