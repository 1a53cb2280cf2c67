// A charm directory with a worker runtime and a bundled workflows package, plus the
// in-memory Juju and Pebble, for state-transition tests of the reconcile.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { create } from 'tar';
import type { CharmContext } from '../../../src/charm/reconcile';
import type { ConfigValue } from '../../../src/juju/types';
import { containerLayout } from '../../../src/contract/container';
import type { WorkflowsManifest } from '../../../src/contract/workflows-manifest';
import { FakeJuju, FakePebble } from '../../harness/fakes';
import { TEST_PRIVATE_KEY } from '../../harness/test-credentials';

export const WORKER_HOME = '/srv/temporal-worker';

export const VALID_CONFIG: Record<string, ConfigValue> = {
  host: 'temporal.example.com:7233',
  namespace: 'rocks',
  queue: 'oci-factory',
};

export const GOOGLE_CONFIG: Record<string, ConfigValue> = {
  'auth-provider': 'google',
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
    ports: { health: 8089, prometheus: 9000 },
  };
  return { juju, pebble, context };
}

/** The worker reports its state, as src/worker does through STATUS_FILE. */
export function workerReports(pebble: FakePebble, state: string, extra: Record<string, unknown> = {}): void {
  pebble.writeFile(
    `${WORKER_HOME}/status.json`,
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
