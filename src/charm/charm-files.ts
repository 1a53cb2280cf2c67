// Files the charm ships and pushes: the worker runtime (dist/worker/**) and the bundled
// workflows package (dist/oci-factory-workflows-<version>.tgz).
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import platforms from '../platforms.json';

export interface RuntimeFiles {
  dir: string;
  /**
   * Digest of the size and modification time of the runtime's top-level entries: cheap on
   * every hook (the runtime is hundreds of files, tens of MB), and it changes whenever the
   * runtime is rebuilt or the charm upgraded, since both write it afresh.
   */
  fingerprint: string;
  /** Every file the container needs, relative to `dir`; listed only when the runtime has to be pushed. */
  listFiles(): string[];
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const relative = path.posix.join(prefix, entry.name);
      if (entry.isDirectory()) return listFiles(dir, relative);
      return entry.isFile() ? [relative] : [];
    });
}

const BRIDGE_RELEASES = /^node_modules\/@temporalio\/core-bridge\/releases\/([^/]+)\//;
/** Node's `process.arch` → the Rust target of the Temporal bridge built for it. */
const BRIDGE_TARGETS: Record<string, string> = Object.fromEntries(
  Object.values(platforms.architectures).map((arch) => [arch.nodeArch, arch.temporalBridgeTarget]),
);

/**
 * Whether the workload container needs this runtime file: of the native Temporal bridges
 * (~30 MB each) only the one for this pod's architecture, the charm container's own.
 */
export function neededInContainer(file: string, arch: string = process.arch): boolean {
  const target = BRIDGE_RELEASES.exec(file)?.[1];
  const wanted = BRIDGE_TARGETS[arch];
  return target === undefined || wanted === undefined || target === wanted;
}

export function workerRuntime(charmDir: string): RuntimeFiles {
  const dir = path.join(charmDir, 'dist', 'worker');
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch (error) {
    throw new Error(
      `the charm's worker runtime is missing at ${dir} (build it with \`npm run build\`): ${String(error)}`,
    );
  }
  if (!entries.includes('worker.js'))
    throw new Error(`the charm's worker runtime at ${dir} has no worker.js`);
  const hash = createHash('sha256');
  for (const entry of entries) {
    const stat = statSync(path.join(dir, entry));
    hash.update(`${entry}\0${stat.size}\0${stat.mtimeMs}\n`);
  }
  return {
    dir,
    fingerprint: hash.digest('hex'),
    listFiles: () => listFiles(dir).filter((file) => neededInContainer(file)),
  };
}

const BUNDLED_WORKFLOWS = /^oci-factory-workflows-.+\.tgz$/;

/** The workflows package the charm bundles, used when no `workflows-file` is attached. */
export function bundledWorkflowsFile(charmDir: string): string | null {
  const distDir = path.join(charmDir, 'dist');
  let names: string[];
  try {
    names = readdirSync(distDir);
  } catch {
    return null;
  }
  const name = names.filter((file) => BUNDLED_WORKFLOWS.test(file)).sort()[0];
  return name === undefined ? null : path.join(distDir, name);
}
