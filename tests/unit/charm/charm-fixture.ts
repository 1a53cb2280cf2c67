// A charm directory with a worker runtime and a bundled workflows package, plus the
// in-memory Juju and Pebble, for state-transition tests of the reconcile.
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import * as os from 'node:os';
import * as path from 'node:path';
import { create } from 'tar';
import type { CharmContext } from '../../../src/charm/reconcile';
import { topologyFromEnvironment } from '../../../src/charm/cos/topology';
import type { ConfigValue } from '../../../src/juju/types';
import { containerLayout } from '../../../src/contract/container';
import type { WorkflowsManifest } from '../../../src/contract/workflows-manifest';
import { FakeJuju, FakePebble } from '../../harness/fakes';
import { TEST_CA, TEST_PRIVATE_KEY } from '../../harness/test-credentials';

export const WORKER_HOME = '/srv/temporal-worker';

export const VALID_CONFIG: Record<string, ConfigValue> = {
  host: 'temporal.example.com:7233',
  namespace: 'rocks',
  queue: 'oci-factory',
};

export const GOOGLE_CONFIG: Record<string, ConfigValue> = {
  'auth-provider': 'google',
  // Auth needs TLS (issue 10, item 10).
  'tls-root-cas': TEST_CA,
  'oidc-auth-type': 'service_account',
  'oidc-project-id': 'project',
  'oidc-private-key-id': 'key-id',
  'oidc-private-key': TEST_PRIVATE_KEY,
  'oidc-client-email': 'worker@project.iam.gserviceaccount.com',
  'oidc-client-id': '1234',
  'oidc-auth-uri': 'https://accounts.google.com/o/oauth2/auth',
  'oidc-token-uri': 'https://oauth2.googleapis.com/token',
  'oidc-auth-cert-url': 'https://www.googleapis.com/oauth2/v1/certs',
  'oidc-client-cert-url': 'https://www.googleapis.com/robot/v1/metadata/x509/worker',
};

export const MANIFEST: WorkflowsManifest = {
  name: 'oci-factory-workflows',
  version: '0.0.1',
  temporalSdkVersion: '1.24.0',
  workflowBundle: 'workflow-bundle.js',
  activities: 'activities.js',
  workflowNames: ['ConsumeEventsWorkflow'],
  activityNames: ['consume'],
};

const tempDirs: string[] = [];

export function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'charm-unit-'));
  tempDirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A package tarball; `files` are relative to `package/`, a null value leaves the file out. */
export function workflowsTarball(
  options: { manifest?: unknown; files?: Record<string, string | null>; top?: string } = {},
): Buffer {
  const dir = tempDir();
  const top = options.top ?? 'package';
  const files: Record<string, string | null> = {
    'manifest.json': JSON.stringify(options.manifest ?? MANIFEST),
    'workflow-bundle.js': 'module.exports = "bundle";',
    'activities.js': 'exports.consume = async () => ({});',
    'schemas/x.avsc': '{}',
    ...options.files,
  };
  const names: string[] = [];
  for (const [name, content] of Object.entries(files)) {
    if (content === null) continue;
    mkdirSync(path.dirname(path.join(dir, top, name)), { recursive: true });
    writeFileSync(path.join(dir, top, name), content);
    names.push(path.posix.join(top, name));
  }
  const out = path.join(dir, 'out.tgz');
  create({ gzip: true, cwd: dir, file: out, sync: true, portable: true }, names);
  return readFileSync(out);
}

export function writeFile(content: string | Buffer, name = 'file'): string {
  const file = path.join(tempDir(), name);
  writeFileSync(file, content);
  return file;
}

export function charmDir(options: { bundled?: Buffer | null } = {}): string {
  const dir = tempDir();
  mkdirSync(path.join(dir, 'dist', 'worker', 'native'), { recursive: true });
  writeFileSync(path.join(dir, 'dist', 'worker', 'worker.js'), 'console.log("worker")');
  writeFileSync(path.join(dir, 'dist', 'worker', 'native', 'bridge.node'), 'native');
  if (options.bundled !== null) {
    writeFileSync(
      path.join(dir, 'dist', 'oci-factory-workflows-0.0.1.tgz'),
      options.bundled ?? workflowsTarball(),
    );
  }
  return dir;
}

export interface Unit {
  juju: FakeJuju;
  pebble: FakePebble;
  context: CharmContext;
}

export function unit(
  options: {
    config?: Record<string, ConfigValue | null>;
    resources?: Record<string, string>;
    charmDir?: string;
    modelProxies?: CharmContext['modelProxies'];
  } = {},
): Unit {
  const juju = new FakeJuju({ config: options.config ?? VALID_CONFIG, resources: options.resources });
  const pebble = new FakePebble();
  const context: CharmContext = {
    juju,
    pebble,
    charmDir: options.charmDir ?? charmDir(),
    layout: containerLayout(WORKER_HOME),
    modelProxies: options.modelProxies ?? { http: '', https: '', no: '' },
    cacheDir: tempDir(),
    ports: { health: 8089, prometheus: 9000, workflowsMetrics: 9001 },
    workerUser: 'node',
    topology: topologyFromEnvironment({}),
  };
  return { juju, pebble, context };
}

/** The worker reports its state, as src/worker does through STATUS_FILE. */
export function workerReports(pebble: FakePebble, state: string, extra: Record<string, unknown> = {}): void {
  pebble.writeFile(
    `${WORKER_HOME}/state/status.json`,
    JSON.stringify({
      state,
      message: '',
      namespace: 'rocks',
      queue: 'oci-factory',
      pid: 42,
      updatedAt: new Date(0).toISOString(),
      ...extra,
    }),
  );
}

export interface RawEntry {
  name: string;
  /** ustar type flag: '0' file (default), '2' symbolic link, '1' hard link, '5' folder. */
  type?: string;
  content?: Buffer | string;
  linkName?: string;
}

/** One ustar header block, written by hand so a test can say what tar's writer would refuse. */
function tarHeader(entry: RawEntry, size: number): Buffer {
  const header = Buffer.alloc(512);
  header.write(entry.name, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write(entry.type ?? '0', 156);
  header.write(entry.linkName ?? '', 157, 100, 'utf8');
  header.write('ustar\u000000', 257);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return header;
}

/** A gzip'd tar of `entries` exactly as given (names are not sanitized). */
export function rawTarball(entries: RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const content = Buffer.from(entry.content ?? '');
    blocks.push(
      tarHeader(entry, content.length),
      content,
      Buffer.alloc((512 - (content.length % 512)) % 512),
    );
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks), { level: 1 });
}

/**
 * A gzip bomb: one tar entry `name` of `size` zero bytes, streamed through gzip so the test
 * never holds the unpacked size; written to `file`.
 */
export async function writeGzipBomb(file: string, size: number, name = 'package/bomb.bin'): Promise<void> {
  const gzip = createGzip({ level: 9 });
  const out = createWriteStream(file);
  const done = pipeline(gzip, out);
  const write = (chunk: Buffer) =>
    gzip.write(chunk) ? Promise.resolve() : new Promise<void>((resolve) => gzip.once('drain', resolve));
  await write(tarHeader({ name }, size));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let left = size; left > 0; left -= zeros.length)
    await write(zeros.subarray(0, Math.min(left, zeros.length)));
  await write(Buffer.alloc(((512 - (size % 512)) % 512) + 1024));
  gzip.end();
  await done;
}

/**
 * `size` bytes that gzip shrinks ~30 times: large unpacked, small packed, yet far from the
 * ratio of a bomb (1 random KiB every 32 KiB).
 */
export function bulky(size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let offset = 0; offset < size; offset += 32 * 1024) randomBytes(1024).copy(out, offset);
  return out;
}
