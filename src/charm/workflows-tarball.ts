// The `workflows-file` resource: an npm-pack-style tarball (files under `package/`) holding
// manifest.json (WorkflowsManifest) and the files it names. Untrusted: unpacked in memory
// within WORKFLOWS_FILE_LIMITS, names checked, then pushed in bounded batches. Problems come back as "workflows-file: <reason>".
import * as path from 'node:path';
import { MANIFEST_FILE, parseManifest, type WorkflowsManifest } from '../contract/workflows-manifest';
import { digest } from './digest';
import { MiB, WORKFLOWS_FILE_LIMITS } from './workflows-limits';

export interface WorkflowsPackage {
  manifest: WorkflowsManifest;
  /** Path relative to the package root → content. */
  files: Map<string, Buffer>;
  /** sha256 of the tarball: names the folder the package is pushed into. */
  hash: string;
}

export type WorkflowsPackageResult = { ok: true; package: WorkflowsPackage } | { ok: false; message: string };

const PACKAGE_PREFIX = 'package/';

/** Compressed bytes fed to the parser at a time: a deflate stream inflates at most ~1000×. */
const FEED_BYTES = 16 * 1024;

function failure(reason: string): WorkflowsPackageResult {
  return { ok: false, message: `workflows-file: ${reason}` };
}

/** An entry name as a status may show it: quoted, control characters escaped, cut short. */
function shownName(name: string): string {
  const quoted = JSON.stringify(name.length > 120 ? `${name.slice(0, 119)}…` : name);
  return `'${quoted.slice(1, -1)}'`;
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** Why an entry name is refused, or null: only relative paths under package/, no `..`, no control characters. */
function nameProblem(name: string): string | null {
  if (CONTROL_CHARACTER.test(name)) return 'has a control character in its name';
  if (name.startsWith('/')) return 'is an absolute path';
  if (name.split('/').includes('..')) return "has a '..' segment";
  if (!name.startsWith(PACKAGE_PREFIX)) return 'is outside the package/ folder';
  return null;
}

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

async function unpackInMemory(tarball: Buffer): Promise<Map<string, Buffer> | string> {
  const limits = WORKFLOWS_FILE_LIMITS;
  const { Parser } = await import('tar');
  const files = new Map<string, Buffer>();
  let problem: string | undefined;
  let entries = 0;
  let unpacked = 0;
  const refuse = (reason: string) => {
    problem ??= reason;
  };
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry) => {
      if (problem !== undefined) return entry.resume();
      entries += 1;
      const name = entry.path;
      const badName = nameProblem(name);
      if (entries > limits.entries) refuse(`has more than ${limits.entries} entries`);
      else if (badName) refuse(`entry ${shownName(name)} ${badName}`);
      else if (entry.type === 'Directory') return entry.resume();
      else if (!FILE_TYPES.has(entry.type))
        refuse(`entry ${shownName(name)} is a ${entry.type}; only files and folders are allowed`);
      else if ((entry.size ?? 0) > limits.entryBytes)
        refuse(`entry ${shownName(name)} is larger than ${limits.entryBytes / MiB} MiB`);
      if (problem !== undefined) return entry.resume();
      const chunks: Buffer[] = [];
      let size = 0;
      entry.on('data', (chunk: Buffer) => {
        if (problem !== undefined) return;
        size += chunk.length;
        unpacked += chunk.length;
        if (size > limits.entryBytes)
          refuse(`entry ${shownName(name)} is larger than ${limits.entryBytes / MiB} MiB`);
        else if (unpacked > limits.unpackedBytes)
          refuse(`unpacks to more than ${limits.unpackedBytes / MiB} MiB`);
        if (problem !== undefined) chunks.length = 0;
        else chunks.push(chunk);
      });
      entry.on('end', () => {
        if (problem === undefined) files.set(name, Buffer.concat(chunks));
      });
    },
  });
  let parseError: Error | undefined;
  const ended = new Promise<void>((resolve) => {
    const stop = (error: Error) => {
      parseError ??= error;
      resolve();
    };
    parser.on('error', stop);
    parser.on('abort', stop);
    parser.on('end', () => resolve());
  });
  // Fed a slice at a time, so a refused archive stops inflating at once.
  for (let offset = 0; offset < tarball.length; offset += FEED_BYTES) {
    if (problem !== undefined || parseError !== undefined) break;
    parser.write(tarball.subarray(offset, offset + FEED_BYTES));
  }
  if (problem === undefined && parseError === undefined) {
    parser.end();
    await ended;
  }
  if (problem !== undefined) return problem;
  if (parseError !== undefined) {
    // tar's own guard against bombs (its default: 1000 times the compressed size).
    if (/decompression ratio/.test(parseError.message)) return 'inflates more than 1000 times its size';
    throw parseError;
  }
  return files;
}

export async function loadWorkflowsPackage(tarball: Buffer): Promise<WorkflowsPackageResult> {
  if (tarball[0] !== 0x1f || tarball[1] !== 0x8b) return failure('not a gzip-compressed tar archive (.tgz)');
  if (tarball.length > WORKFLOWS_FILE_LIMITS.compressedBytes)
    return failure(`is larger than ${WORKFLOWS_FILE_LIMITS.compressedBytes / MiB} MiB`);
  let entries: Map<string, Buffer> | string;
  try {
    entries = await unpackInMemory(tarball);
  } catch (error) {
    return failure(`cannot unpack: ${(error as Error).message}`);
  }
  if (typeof entries === 'string') return failure(entries);
  const files = new Map<string, Buffer>();
  for (const [entryPath, content] of entries) {
    const relative = path.posix.normalize(entryPath.slice(PACKAGE_PREFIX.length));
    if (relative === '.' || relative === '') continue;
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
