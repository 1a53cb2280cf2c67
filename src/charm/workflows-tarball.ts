// The `workflows-file` resource: an npm-pack-style tarball (files under `package/`) holding
// manifest.json (WorkflowsManifest) and the files it names. Unpacked in memory, checked,
// then pushed file by file. Problems come back as "workflows-file: <reason>".
import * as path from 'node:path';
import { MANIFEST_FILE, parseManifest, type WorkflowsManifest } from '../contract/workflows-manifest';
import { digest } from './digest';

export interface WorkflowsPackage {
  manifest: WorkflowsManifest;
  /** Path relative to the package root → content. */
  files: Map<string, Buffer>;
  /** sha256 of the tarball: names the folder the package is pushed into. */
  hash: string;
}

export type WorkflowsPackageResult = { ok: true; package: WorkflowsPackage } | { ok: false; message: string };

const PACKAGE_PREFIX = 'package/';

function failure(reason: string): WorkflowsPackageResult {
  return { ok: false, message: `workflows-file: ${reason}` };
}

async function unpackInMemory(tarball: Buffer): Promise<Map<string, Buffer>> {
  const { Parser } = await import('tar');
  const files = new Map<string, Buffer>();
  return new Promise((resolve, reject) => {
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry) => {
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: Buffer) => chunks.push(chunk));
        entry.on('end', () => {
          if (entry.type === 'File' || entry.type === 'OldFile') files.set(entry.path, Buffer.concat(chunks));
        });
      },
    });
    parser.on('error', reject);
    parser.on('abort', reject);
    parser.on('end', () => resolve(files));
    parser.end(tarball);
  });
}

function packageRelative(entryPath: string): string | null {
  if (!entryPath.startsWith(PACKAGE_PREFIX)) return null;
  const relative = path.posix.normalize(entryPath.slice(PACKAGE_PREFIX.length));
  if (relative === '.' || relative.startsWith('../') || path.posix.isAbsolute(relative)) return null;
  return relative;
}

export async function loadWorkflowsPackage(tarball: Buffer): Promise<WorkflowsPackageResult> {
  if (tarball[0] !== 0x1f || tarball[1] !== 0x8b) return failure('not a gzip-compressed tar archive (.tgz)');
  let entries: Map<string, Buffer>;
  try {
    entries = await unpackInMemory(tarball);
  } catch (error) {
    return failure(`cannot unpack: ${(error as Error).message}`);
  }
  const files = new Map<string, Buffer>();
  for (const [entryPath, content] of entries) {
    const relative = packageRelative(entryPath);
    if (relative === null) return failure(`entry '${entryPath}' is outside the package/ folder`);
    files.set(relative, content);
  }
  const manifestContent = files.get(MANIFEST_FILE);
  if (!manifestContent) return failure(`package/${MANIFEST_FILE} is missing`);
  let manifest: WorkflowsManifest;
  try {
    manifest = parseManifest(manifestContent.toString('utf8'));
  } catch (error) {
    return failure((error as Error).message);
  }
  for (const key of ['workflowBundle', 'activities'] as const) {
    const named = path.posix.normalize(manifest[key]);
    if (!files.get(named)?.length)
      return failure(`${MANIFEST_FILE} names ${key} '${manifest[key]}', which is missing or empty`);
  }
  const hash = digest(tarball);
  return { ok: true, package: { manifest, files, hash } };
}
