// `npm run pack`: the .charm is the zip charmcraft would produce (layout, modes,
// manifest.yaml, the entrypoint rule), `charmcraft analyse` finds no error or warning in
// it, and its unpacked dispatch runs the charm with the Node it carries, under the fake
// hook tools and a real Pebble.
import { execFile } from 'node:child_process';
import {
  chmodSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import * as yauzl from 'yauzl';
import { FakeJujuModel } from '../harness/fake-juju';
import { startPebble, type RunningPebble } from '../harness/pebble';
import { freePort } from '../../workflows/tests/harness/ports';
import { installedTool } from '../../workflows/tests/harness/tools';
import { TemporalDevServer } from '../harness/temporal';
import { PROJECT_ROOT, distFile } from '../harness/tools';
import platforms from '../../src/platforms.json';

const NODE_VERSION = platforms.nodeVersion;

jest.setTimeout(300_000);

const run = promisify(execFile);
const readYaml = (file: string): unknown => parseYaml(readFileSync(path.join(PROJECT_ROOT, file), 'utf8'));
const CHARMCRAFT = readYaml('charmcraft.yaml') as {
  name?: string;
  base?: string;
  platforms: Record<string, { 'build-for'?: string | string[] } | null>;
};

interface ZipEntry {
  name: string;
  mode: number;
  entry: yauzl.Entry;
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false }, (error, zip) =>
      error ? reject(error) : resolve(zip),
    ),
  );
}

async function zipEntries(zip: yauzl.ZipFile): Promise<ZipEntry[]> {
  const entries: ZipEntry[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      entries.push({ name: entry.fileName, mode: (entry.externalFileAttributes >>> 16) & 0o7777, entry });
      zip.readEntry();
    });
    zip.once('end', resolve);
    zip.once('error', reject);
    zip.readEntry();
  });
  return entries;
}

function entryStream(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream))),
  );
}

async function entryHead(zip: yauzl.ZipFile, entry: yauzl.Entry, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of await entryStream(zip, entry)) {
    chunks.push(chunk as Buffer);
    length += (chunk as Buffer).length;
    if (length >= bytes) break;
  }
  return Buffer.concat(chunks).subarray(0, bytes);
}

/** Unzips like Juju does when it deploys the charm: files with their unix modes. */
async function unzip(file: string, dir: string): Promise<ZipEntry[]> {
  const zip = await openZip(file);
  try {
    const entries = await zipEntries(zip);
    for (const { name, mode, entry } of entries) {
      const target = path.join(dir, name);
      if (!target.startsWith(dir + path.sep)) throw new Error(`zip entry escapes the charm dir: ${name}`);
      mkdirSync(path.dirname(target), { recursive: true });
      await pipeline(await entryStream(zip, entry), createWriteStream(target));
      chmodSync(target, mode);
    }
    return entries;
  } finally {
    zip.close();
  }
}

async function packCharm(outputDir: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['scripts/pack.mjs', '--output-dir', outputDir, ...args], {
    cwd: PROJECT_ROOT,
    maxBuffer: 10 * 1024 * 1024,
  });
  const match = /wrote (\S+\.charm)/.exec(stdout);
  if (!match) throw new Error(`pack printed no charm file:\n${stdout}`);
  return path.resolve(PROJECT_ROOT, match[1]!);
}

/** charmcraft's `<name>_<platform>.charm` for the platform of charmcraft.yaml building for `arch`. */
function expectedCharmName(arch: string): string {
  const label = Object.entries(CHARMCRAFT.platforms).find(([key, spec]) => {
    const target = String(spec === null ? key : [spec['build-for']].flat()[0]);
    return target.split(':').at(-1) === arch;
  })?.[0];
  if (!label) throw new Error(`charmcraft.yaml has no platform for ${arch}`);
  // charmcraft takes the name from metadata.yaml when charmcraft.yaml does not repeat it.
  const name = CHARMCRAFT.name ?? (readYaml('metadata.yaml') as { name: string }).name;
  return `${name}_${label.replace(/:/g, '-')}.charm`;
}

const ELF_MACHINE = { amd64: 0x3e, arm64: 0xb7 };

let tempDir: string;
let charmFile: string;
let charmDir: string;
let entries: ZipEntry[];

beforeAll(async () => {
  distFile('charm.js');
  tempDir = mkdtempSync(path.join(os.tmpdir(), 'pack-test-'));
  charmFile = await packCharm(tempDir);
  charmDir = path.join(tempDir, 'charm');
  mkdirSync(charmDir);
  entries = await unzip(charmFile, charmDir);
});

afterAll(() => {
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
});

describe('npm run pack (amd64)', () => {
  it('names the archive as charmcraft does for the amd64 platform of charmcraft.yaml', () => {
    expect(path.basename(charmFile)).toBe(expectedCharmName('amd64'));
  });

  it('holds the charm files, the built code and a Node runtime, and nothing from the source tree', () => {
    const names = entries.map((entry) => entry.name);
    for (const name of [
      'dispatch',
      'manifest.yaml',
      'metadata.yaml',
      'config.yaml',
      'actions.yaml',
      'dist/charm.js',
      'dist/worker/worker.js',
      'dist/oci-factory-workflows-0.0.1.tgz',
      'node/bin/node',
      // What the COS relations send, read from the charm's folder as the COS libraries do.
      'src/prometheus_alert_rules/temporal-worker.rules',
      'src/grafana_dashboards/temporal-worker.json',
    ]) {
      expect(names).toContain(name);
    }
    const cos = /^src\/(prometheus_alert_rules|grafana_dashboards)\/[^/]+$/;
    expect(
      names.filter(
        (name) => !cos.test(name) && /^(src|tests|node_modules|terraform|\.tmp)\/|\.charm$/.test(name),
      ),
    ).toEqual([]);
    expect(new Set(names).size).toBe(names.length);
  });

  it('keeps unix modes: dispatch, the entrypoint and node executable, the YAML files not', () => {
    const modeOf = (name: string) => entries.find((entry) => entry.name === name)?.mode;
    expect(modeOf('dispatch')).toBe(0o755);
    expect(modeOf('dist/charm.js')).toBe(0o755);
    expect(modeOf('node/bin/node')).toBe(0o755);
    for (const name of ['metadata.yaml', 'config.yaml', 'actions.yaml', 'manifest.yaml'])
      expect(modeOf(name)).toBe(0o644);
    expect(statSync(path.join(charmDir, 'node/bin/node')).mode & 0o111).not.toBe(0);
  });

  it('copies metadata.yaml, config.yaml, actions.yaml and dispatch unchanged', () => {
    for (const name of ['metadata.yaml', 'config.yaml', 'actions.yaml', 'dispatch']) {
      expect(readFileSync(path.join(charmDir, name))).toEqual(readFileSync(path.join(PROJECT_ROOT, name)));
    }
  });

  it('writes manifest.yaml as charmcraft does, with the base and architecture Juju reads', () => {
    const manifest = parseYaml(readFileSync(path.join(charmDir, 'manifest.yaml'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(manifest.bases).toEqual([{ name: 'ubuntu', channel: '24.04', architectures: ['amd64'] }]);
    expect(typeof manifest['charmcraft-version']).toBe('string');
    expect(Number.isNaN(Date.parse(String(manifest['charmcraft-started-at'])))).toBe(false);
    expect((manifest.analysis as { attributes: { name: string }[] }).attributes.map((a) => a.name)).toEqual([
      'language',
      'framework',
    ]);
  });

  it("passes charmcraft's entrypoint rule: dispatch's last word is an executable file of the charm", () => {
    const lastLine = readFileSync(path.join(charmDir, 'dispatch'), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .at(-1)!;
    const entrypoint = lastLine
      .trim()
      .split(/\s+/)
      .at(-1)!
      .replace(/^["']|["']$/g, '');
    const file = path.join(charmDir, entrypoint);
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).isFile()).toBe(true);
    expect(statSync(file).mode & 0o111).not.toBe(0);
  });

  it(`carries Node ${NODE_VERSION} for amd64, which runs here`, async () => {
    const node = path.join(charmDir, 'node/bin/node');
    expect(readFileSync(node).readUInt16LE(18)).toBe(ELF_MACHINE.amd64);
    const { stdout } = await run(node, ['--version']);
    expect(stdout.trim()).toBe(`v${NODE_VERSION}`);
  });

  it("ships only amd64's native Temporal bridge", () => {
    const bridges = entries.map((entry) => entry.name).filter((name) => name.endsWith('.node'));
    expect(bridges.length).toBeGreaterThan(0);
    expect(bridges.every((name) => name.includes('x86_64-unknown-linux-gnu'))).toBe(true);
  });
});

/**
 * What `charmcraft analyse` may say that is neither `ok` nor a problem, each with why it cannot
 * be otherwise for this charm. Every other check must be a lint result of `ok`: no `warning`,
 * `error`, `fatal` or `unknown`, and no linter left out.
 */
const ANALYSE_EXPECTED: Record<string, { result: string; why: string }> = {
  // Attributes describe the charm; they are not lint results.
  language: {
    result: 'unknown',
    why: 'charmcraft recognises only Python (dispatch running a .py entrypoint)',
  },
  framework: { result: 'unknown', why: 'charmcraft recognises only ops and reactive, both Python libraries' },
  'ops-main-call': {
    result: 'nonapplicable',
    why: 'looks for ops.main() in a Python entrypoint; ours is dist/charm.js',
  },
  'additional-files': {
    result: 'nonapplicable',
    why: "compares with charmcraft's stage/ folder, which exists only while charmcraft packs",
  },
  'pip-check': { result: 'nonapplicable', why: 'checks the Python venv/ of the charm; it has none' },
  pydeps: { result: 'nonapplicable', why: "checks the Python charm libraries' PYDEPS in venv/; it has none" },
};

interface AnalyseResult {
  name: string;
  result: string;
  check_type: 'attribute' | 'lint';
  text: string;
  url: string;
}

describe('charmcraft analyse on the packed charm (amd64)', () => {
  let exitCode: number;
  let results: AnalyseResult[];

  beforeAll(async () => {
    const charmcraft = installedTool(path.join('bin', 'charmcraft'), 'charmcraft');
    // Exit status 1, 2 or 3 is a fatal, error or warning result: keep the JSON to name it.
    const { code, stdout, stderr } = await run(charmcraft, ['analyse', '--format=json', charmFile], {
      cwd: tempDir,
      maxBuffer: 10 * 1024 * 1024,
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({
        code: typeof error.code === 'number' ? error.code : -1,
        stdout: error.stdout ?? '',
        stderr: error.stderr ?? String(error),
      }),
    );
    try {
      results = JSON.parse(stdout) as AnalyseResult[];
    } catch {
      throw new Error(`charmcraft analyse exited ${code} without its JSON:\n${stdout}\n${stderr}`);
    }
    exitCode = code;
  });

  it('reports every lint ok, except the checks that do not apply to a charm with no Python', () => {
    const unexpected = results
      .filter((check) => (ANALYSE_EXPECTED[check.name]?.result ?? 'ok') !== check.result)
      .map((check) => `${check.check_type} ${check.name}: ${check.result} ${check.text}`.trim());
    expect(unexpected).toEqual([]);
    // The linters that apply ran: a linter missing from the output is not a pass.
    expect(results.map((check) => check.name)).toEqual(
      expect.arrayContaining([
        'entrypoint',
        'metadata',
        'juju-config',
        'juju-actions',
        'naming-conventions',
        ...Object.keys(ANALYSE_EXPECTED),
      ]),
    );
    expect(exitCode).toBe(0);
  });

  it("writes the same analysis attributes into manifest.yaml as charmcraft's own pack would", () => {
    const manifest = parseYaml(readFileSync(path.join(charmDir, 'manifest.yaml'), 'utf8')) as {
      analysis: { attributes: { name: string; result: string }[] };
    };
    expect(manifest.analysis.attributes).toEqual(
      results
        .filter((check) => check.check_type === 'attribute')
        .map(({ name, result }) => ({ name, result })),
    );
  });
});

describe('the unpacked charm under the fake hook tools', () => {
  let juju: FakeJujuModel;
  let pebble: RunningPebble | undefined;
  let workerHome: string;
  let markerFile: string;
  let env: Record<string, string>;
  let temporal: TemporalDevServer;

  beforeAll(async () => {
    temporal = await TemporalDevServer.start({ namespace: 'rocks' });
    // A `node` first on PATH that records whether dispatch fell back to it to run the charm.
    const shimDir = path.join(tempDir, 'path-node');
    markerFile = path.join(tempDir, 'path-node-ran-the-charm');
    mkdirSync(shimDir);
    writeFileSync(
      path.join(shimDir, 'node'),
      `#!/bin/sh\ncase "$1" in *charm.js) echo "$1" >> '${markerFile}';; esac\nexec '${process.execPath}' "$@"\n`,
      { mode: 0o755 },
    );
    workerHome = path.join(tempDir, 'worker-home');
    juju = new FakeJujuModel({ charmDir });
    env = {
      PATH: [shimDir, juju.binDir, '/usr/bin', '/bin'].join(':'),
      CHARM_CONTAINERS_DIR: path.join(tempDir, 'no-containers-yet'),
      CHARM_WORKER_HOME: workerHome,
      // Pebble runs on the host, which has no `node` user: the worker runs as this process's user.
      CHARM_WORKER_USER: os.userInfo().username,
      // Other tests on this machine may hold the default ports.
      CHARM_HEALTH_PORT: String(await freePort()),
      CHARM_PROMETHEUS_PORT: String(await freePort()),
    };
  });

  afterAll(async () => {
    await pebble?.stop();
    await temporal?.shutdown();
    juju?.cleanup();
  });

  afterEach(() => {
    expect(existsSync(markerFile)).toBe(false);
  });

  it('install with no config: blocked, naming the missing option', async () => {
    const result = await juju.dispatch('install', { env });
    expect(result.exitCode).toBe(0);
    expect(juju.status().status).toBe('blocked');
    expect(juju.status().message).toContain('host');
  });

  it('config-changed with a valid config but no Pebble socket yet: waiting, exit 0', async () => {
    juju.setConfig({ host: temporal.address, namespace: 'rocks', queue: 'oci-factory' });
    const result = await juju.dispatch('config-changed', { env });
    expect(result.exitCode).toBe(0);
    expect(juju.status()).toEqual({
      status: 'waiting',
      message: 'waiting for Pebble in container temporal-worker',
    });
  });

  it('pebble-ready with a real Pebble: the packed charm pushes its worker and plans the service', async () => {
    pebble = await startPebble();
    env.CHARM_CONTAINERS_DIR = pebble.containersDir;
    const result = await juju.dispatch('temporal-worker-pebble-ready', { env });
    expect(result.exitCode).toBe(0);
    const plan = await pebble.cli(['plan']);
    expect(plan.stdout).toContain('temporal-worker:');
    expect(existsSync(workerHome)).toBe(true);
    expect(juju.status().message).not.toBe('waiting for Pebble in container temporal-worker');
  });

  it('update-status: active once the worker the packed charm pushed is connected and polling', async () => {
    for (let attempt = 0; attempt < 45 && juju.status().status !== 'active'; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const result = await juju.dispatch('update-status', { env });
      expect(result.exitCode).toBe(0);
    }
    expect(juju.status()).toEqual({
      status: 'active',
      message: "worker listening to namespace 'rocks' on queue 'oci-factory'",
    });
    expect(juju.hookError()).toBeNull();
  });
});

describe('npm run pack -- --arch arm64', () => {
  it('names, describes and fills the archive for arm64', async () => {
    const file = await packCharm(path.join(tempDir, 'arm64'), '--arch', 'arm64');
    expect(path.basename(file)).toBe(expectedCharmName('arm64'));
    const zip = await openZip(file);
    try {
      const all = await zipEntries(zip);
      const byName = new Map(all.map((entry) => [entry.name, entry]));
      const manifest = parseYaml(
        (await entryHead(zip, byName.get('manifest.yaml')!.entry, 4096)).toString(),
      ) as {
        bases: unknown;
      };
      expect(manifest.bases).toEqual([{ name: 'ubuntu', channel: '24.04', architectures: ['arm64'] }]);
      const node = byName.get('node/bin/node')!;
      expect(node.mode).toBe(0o755);
      expect((await entryHead(zip, node.entry, 20)).readUInt16LE(18)).toBe(ELF_MACHINE.arm64);
      const bridges = all.map((entry) => entry.name).filter((name) => name.endsWith('.node'));
      expect(bridges.length).toBeGreaterThan(0);
      expect(bridges.every((name) => name.includes('aarch64-unknown-linux-gnu'))).toBe(true);
    } finally {
      zip.close();
    }
  });
});
