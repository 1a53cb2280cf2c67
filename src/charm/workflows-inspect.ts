// Checks the workflows package in use, unpacking it only when this content was not
// checked before (the manifest of a checked package is kept in the hook cache), and
// reading it only when this file was not seen before (its digest is kept by the file's
// identity: a replaced or rewritten file has another inode, size or change time).
import { type BigIntStats, readFileSync } from 'node:fs';
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
  /** The tarball, read when it has to be pushed; throws if the file no longer has `hash`. */
  readTarball(): Buffer;
}

export interface WorkflowsFile {
  path: string;
  stat: BigIntStats;
}

function fileIdentity({ path, stat }: WorkflowsFile): string {
  return [path, stat.dev, stat.ino, stat.size, stat.mtimeNs, stat.ctimeNs].join('\0');
}

export type InspectResult = { ok: true; package: InspectedWorkflowsPackage } | { ok: false; message: string };

export async function inspectWorkflowsPackage(file: WorkflowsFile, cache: HookCache): Promise<InspectResult> {
  const identity = fileIdentity(file);
  let content: Buffer | undefined;
  let hash = cache.get('workflows-file', identity);
  if (hash === null) {
    content = readFileSync(file.path);
    hash = digest(content);
    cache.put('workflows-file', identity, hash);
  }
  const knownHash = hash;
  const readTarball = () => {
    if (content === undefined) {
      content = readFileSync(file.path);
      if (digest(content) !== knownHash) throw new Error(`${file.path} changed while the hook ran`);
    }
    return content;
  };
  const cached = cache.get('workflows', hash);
  if (cached !== null) {
    try {
      return { ok: true, package: { manifest: JSON.parse(cached) as WorkflowsManifest, hash, readTarball } };
    } catch {
      // Unreadable entry: check the package itself.
    }
  }
  // Loaded on demand: tar and zod cost tens of ms at start-up.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadWorkflowsPackage } = require('./workflows-tarball') as typeof import('./workflows-tarball');
  const result = await loadWorkflowsPackage(readTarball());
  if (!result.ok) return result;
  cache.put('workflows', hash, JSON.stringify(result.package.manifest));
  return {
    ok: true,
    package: { manifest: result.package.manifest, hash, loaded: result.package, readTarball },
  };
}
