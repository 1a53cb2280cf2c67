// @ts-check
// `npm run pack [-- --arch amd64|arm64] [--output-dir DIR]`, after `npm run build`:
// writes <name>_<platform>.charm, the zip `charmcraft pack` would produce for the
// platform of charmcraft.yaml that builds for that architecture. The archive holds
// dispatch, manifest.yaml, metadata.yaml, config.yaml, actions.yaml, the built code
// (dist/charm.js, dist/worker/**, the bundled workflows package) and a Node runtime
// at node/bin/node, since the charm container has no Node.
//
// The Node binary comes from the npm registry package node-linux-<x64|arm64> (Node's
// official builds), fetched once with `npm pack` into .tmp/node-runtime/.
import { execFileSync } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tar from 'tar';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import yazl from 'yazl';
import { PLATFORMS } from './platforms.mjs';

/** @typedef {import('./platforms.mjs').Architecture} Architecture */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NODE_CACHE = path.join(ROOT, '.tmp', 'node-runtime');

/** The Node release the charm carries, published as node-linux-<nodeArch>. */
export const NODE_VERSION = PLATFORMS.nodeVersion;

/** charmcraft architecture → Node's name for it (the npm package suffix), ELF e_machine, Rust target of the Temporal bridge. */
const ARCHITECTURES = PLATFORMS.architectures;

/** @param {string} arch @returns {arch is Architecture} */
const isArchitecture = (arch) => Object.hasOwn(ARCHITECTURES, arch);

const CHARM_FILES = ['dispatch', 'metadata.yaml', 'config.yaml', 'actions.yaml'];
const OPTIONAL_CHARM_FILES = ['LICENSE', 'README.md', 'icon.svg'];
/** What the COS relations send, read by the charm from its own folder (src/charm/cos/). */
const COS_DIRS = ['src/prometheus_alert_rules', 'src/grafana_dashboards'];
const BRIDGE_RELEASES = 'dist/worker/node_modules/@temporalio/core-bridge/releases/';

class PackError extends Error {}

/** @param {string} message @returns {never} */
function fail(message) {
  throw new PackError(message);
}

/** @param {string} file @returns {any} the parsed YAML, unchecked */
function readYamlFile(file) {
  const full = path.join(ROOT, file);
  if (!existsSync(full)) fail(`${file} is missing`);
  return parseYaml(readFileSync(full, 'utf8'));
}

/**
 * `ubuntu@24.04` → { name: 'ubuntu', channel: '24.04' }
 * @param {unknown} base
 * @param {string} where
 * @returns {{ name: string, channel: string }}
 */
function parseBase(base, where) {
  const match = /^([a-z]+)@([0-9.]+)$/.exec(String(base ?? ''));
  if (!match) fail(`${where}: '${base}' is not a base like ubuntu@24.04`);
  return { name: String(match[1]), channel: String(match[2]) };
}

/** `amd64` or `ubuntu@24.04:amd64` → { base?, arch } @param {unknown} target */
function parseTarget(target) {
  const parts = String(target).split(':');
  return parts.length === 2 ? { base: parts[0], arch: parts[1] } : { base: undefined, arch: parts[0] };
}

/**
 * The platform of charmcraft.yaml that builds for `arch`, as charmcraft names it:
 * its label (the key under `platforms`) and the base it runs on.
 * @param {any} charmcraft the parsed charmcraft.yaml
 * @param {string} arch
 * @returns {{ label: string, base: { name: string, channel: string } }}
 */
export function platformFor(charmcraft, arch) {
  if (charmcraft.bases) fail('charmcraft.yaml uses the legacy `bases` key: use `base` and `platforms`');
  const platforms = charmcraft.platforms ?? fail('charmcraft.yaml has no `platforms`');
  for (const [label, spec] of Object.entries(platforms)) {
    const buildFor = spec == null ? [label] : [spec['build-for']].flat();
    if (buildFor.length !== 1) fail(`charmcraft.yaml: platform '${label}' must build for one target`);
    const target = parseTarget(buildFor[0]);
    if (target.arch !== arch) continue;
    const base = target.base ?? charmcraft.base ?? fail(`charmcraft.yaml: platform '${label}' has no base`);
    return { label, base: parseBase(base, `charmcraft.yaml platform '${label}'`) };
  }
  return fail(
    `charmcraft.yaml has no platform building for ${arch} (platforms: ${Object.keys(platforms).join(', ')})`,
  );
}

/** @param {string} name @param {string} platformLabel */
export function charmFileName(name, platformLabel) {
  return `${name}_${platformLabel.replace(/:/g, '-')}.charm`;
}

/**
 * manifest.yaml as charmcraft writes it (charmcraft services/package.py get_manifest).
 * @param {{ base: { name: string, channel: string }, arch: string, startedAt: string, packerVersion: string }} manifest
 */
export function renderManifest({ base, arch, startedAt, packerVersion }) {
  return stringifyYaml({
    analysis: {
      attributes: [
        { name: 'language', result: 'unknown' },
        { name: 'framework', result: 'unknown' },
      ],
    },
    bases: [{ name: base.name, channel: base.channel, architectures: [arch] }],
    'charmcraft-started-at': startedAt,
    'charmcraft-version': packerVersion,
  });
}

/**
 * charmcraft's entrypoint linter: the last word of the last non-empty line of dispatch,
 * relative to the charm root, must be an executable regular file.
 * @param {string} dispatchText
 */
export function dispatchEntrypoint(dispatchText) {
  const lines = dispatchText.split('\n').filter((line) => line.trim() !== '');
  const words = (lines.at(-1) ?? '').trim().split(/\s+/);
  return path.posix.normalize((words.at(-1) ?? '').replace(/^["']|["']$/g, ''));
}

/** @param {string} dir @returns {string[]} */
function listTree(dir) {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((entry) => {
      const relative = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) return listTree(relative);
      return entry.isFile() ? [relative] : [];
    });
}

/** @param {string} file */
function elfMachine(file) {
  const header = readFileSync(file).subarray(0, 20);
  if (header.readUInt32BE(0) !== 0x7f454c46) return undefined;
  return header.readUInt16LE(18);
}

/** node/bin/node for `arch`, from the npm package's tarball (cached under .tmp/). @param {Architecture} arch */
function nodeRuntime(arch) {
  const { nodeArch, elfMachine: machine } = ARCHITECTURES[arch];
  const packageName = `node-linux-${nodeArch}`;
  const dir = path.join(NODE_CACHE, `${packageName}-${NODE_VERSION}`);
  const binary = path.join(dir, 'package', 'bin', 'node');
  if (!existsSync(binary)) {
    mkdirSync(NODE_CACHE, { recursive: true });
    const tarball = path.join(NODE_CACHE, `${packageName}-${NODE_VERSION}.tgz`);
    if (!existsSync(tarball)) {
      console.log(`pack: fetching ${packageName}@${NODE_VERSION} from the npm registry`);
      execFileSync(
        'npm',
        ['pack', `${packageName}@${NODE_VERSION}`, '--pack-destination', NODE_CACHE, '--silent'],
        {
          cwd: NODE_CACHE,
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
    }
    const staging = `${dir}.partial`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    try {
      tar.x({
        file: tarball,
        cwd: staging,
        sync: true,
        filter: (entry) => /^package\/(bin\/node|LICENSE)$/.test(entry),
      });
    } catch (error) {
      rmSync(tarball, { force: true });
      fail(`cannot unpack ${tarball} (removed; run again to fetch it anew): ${String(error)}`);
    }
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  }
  if (elfMachine(binary) !== machine) fail(`${binary} is not a Linux ${arch} executable`);
  return { binary, license: path.join(dir, 'package', 'LICENSE') };
}

/** @param {string} file */
function requireBuilt(file) {
  if (!existsSync(path.join(ROOT, file))) fail(`${file} is missing: run \`npm run build\` first`);
  return file;
}

function bundledWorkflowsPackage() {
  const dist = path.join(ROOT, 'dist');
  const names = existsSync(dist)
    ? readdirSync(dist).filter((name) => /^oci-factory-workflows-.+\.tgz$/.test(name))
    : [];
  if (names.length !== 1) {
    fail(
      `dist/ must hold exactly one oci-factory-workflows-*.tgz (found ${names.length}): run \`npm run build\``,
    );
  }
  return `dist/${names[0]}`;
}

/**
 * Archive path → { source file, unix mode }.
 * @param {Architecture} arch
 * @param {{ binary: string, license: string }} node
 * @returns {Map<string, { source: string, mode: number }>}
 */
function charmEntries(arch, node) {
  const entries = new Map();
  /** @type {(archivePath: string, source: string, mode: number) => void} */
  const add = (archivePath, source, mode) => {
    entries.set(archivePath, { source, mode });
  };
  const modeOf = (/** @type {string} */ file) => (statSync(file).mode & 0o111 ? 0o755 : 0o644);

  for (const file of CHARM_FILES) {
    if (!existsSync(path.join(ROOT, file))) fail(`${file} is missing`);
    add(file, path.join(ROOT, file), file === 'dispatch' ? 0o755 : 0o644);
  }
  for (const file of OPTIONAL_CHARM_FILES) {
    if (existsSync(path.join(ROOT, file))) add(file, path.join(ROOT, file), 0o644);
  }
  for (const dir of COS_DIRS) {
    for (const name of readdirSync(path.join(ROOT, dir)).sort()) {
      add(`${dir}/${name}`, path.join(ROOT, dir, name), 0o644);
    }
  }
  add('dist/charm.js', path.join(ROOT, requireBuilt('dist/charm.js')), 0o755);
  requireBuilt('dist/worker/worker.js');
  // The workload container has the charm's architecture: ship only its Temporal bridge.
  const otherBridges = Object.values(ARCHITECTURES)
    .filter((spec) => spec !== ARCHITECTURES[arch])
    .map((spec) => `${BRIDGE_RELEASES}${spec.temporalBridgeTarget}/`);
  for (const file of listTree('dist/worker')) {
    if (otherBridges.some((prefix) => file.startsWith(prefix))) continue;
    add(file, path.join(ROOT, file), modeOf(path.join(ROOT, file)));
  }
  const workflows = bundledWorkflowsPackage();
  add(workflows, path.join(ROOT, workflows), 0o644);
  add('node/bin/node', node.binary, 0o755);
  if (existsSync(node.license)) add('node/LICENSE', node.license, 0o644);
  return entries;
}

/**
 * @param {string} file
 * @param {Map<string, { source: string, mode: number }>} entries
 * @param {Array<[string, string]>} generated archive path → content
 * @returns {Promise<void>}
 */
function writeZip(file, entries, generated) {
  return new Promise((resolve, reject) => {
    const zip = new yazl.ZipFile();
    const mtime = new Date();
    for (const [archivePath, content] of generated) {
      zip.addBuffer(Buffer.from(content), archivePath, { mode: 0o100644, mtime });
    }
    for (const [archivePath, { source, mode }] of [...entries].sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    )) {
      zip.addFile(source, archivePath, { mode: 0o100000 | mode, mtime });
    }
    const partial = `${file}.partial`;
    const output = createWriteStream(partial);
    zip.outputStream.pipe(output).on('error', reject);
    output.on('close', () => {
      renameSync(partial, file);
      resolve();
    });
    output.on('error', reject);
    zip.end();
  });
}

/**
 * @param {{ arch?: string, outputDir?: string }} [options]
 */
export async function pack({ arch = 'amd64', outputDir = ROOT } = {}) {
  if (!isArchitecture(arch))
    fail(`--arch must be one of ${Object.keys(ARCHITECTURES).join(', ')}, not '${arch}'`);
  const charmcraft = readYamlFile('charmcraft.yaml');
  const metadata = readYamlFile('metadata.yaml');
  // charmcraft takes the name from charmcraft.yaml, or from metadata.yaml when it is kept there.
  const name =
    charmcraft.name ?? metadata?.name ?? fail('neither charmcraft.yaml nor metadata.yaml names the charm');
  if (metadata?.name !== name)
    fail(`metadata.yaml names the charm '${metadata?.name}' but charmcraft.yaml '${name}'`);
  const platform = platformFor(charmcraft, arch);
  const node = nodeRuntime(arch);
  const entries = charmEntries(arch, node);

  const entrypoint = dispatchEntrypoint(readFileSync(path.join(ROOT, 'dispatch'), 'utf8'));
  const target = entries.get(entrypoint);
  if (!target || (target.mode & 0o111) === 0) {
    fail(
      `dispatch's entrypoint '${entrypoint}' is not an executable file of the charm (charmcraft's entrypoint linter)`,
    );
  }

  const packageJson = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const manifest = renderManifest({
    base: platform.base,
    arch,
    startedAt: new Date().toISOString(),
    // Not charmcraft: says which packer and project version wrote the archive.
    packerVersion: `${packageJson.version}+temporal-worker-k8s-pack`,
  });

  mkdirSync(outputDir, { recursive: true });
  const file = path.join(outputDir, charmFileName(name, platform.label));
  await writeZip(file, entries, [['manifest.yaml', manifest]]);
  return { file, entries: entries.size + 1 };
}

async function main() {
  const { values } = parseArgs({
    options: { arch: { type: 'string', default: 'amd64' }, 'output-dir': { type: 'string' } },
    strict: true,
  });
  const { file, entries } = await pack({
    arch: values.arch,
    outputDir: values['output-dir'] ? path.resolve(values['output-dir']) : ROOT,
  });
  const megabytes = (statSync(file).size / 1024 / 1024).toFixed(1);
  const shown = path.relative(process.cwd(), file);
  console.log(`pack: wrote ${shown.startsWith('..') ? file : shown} (${entries} files, ${megabytes} MiB)`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(`pack: ${error instanceof PackError ? error.message : error.stack}`);
    process.exit(1);
  });
}
