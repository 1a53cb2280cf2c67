// Builds a self-contained workflows package (npm-pack layout, everything under `package/`):
//   manifest.json        WorkflowsManifest (package-types.ts)
//   package.json
//   workflow-bundle.js   bundleWorkflowCode output, reprinted as ASCII without comments: the
//                        worker loads it without webpack
//   activities.js        CommonJS bundle of the activities and all their dependencies, except
//                        @temporalio/activity, @temporalio/common and prom-client, which the worker
//                        provides so that Context, heartbeat and the metrics registry it serves are
//                        the worker's own instances
//   bin/<command>.js     each command the package declares (`bins`), bundled whole with every
//                        dependency, so `npx --package <tarball> <command>` needs nothing but Node
//   <extraFiles>         schemas, CA certificate, …
//
// Run as a script it builds dist/oci-factory-workflows-<version>.tgz in this workspace (and
// removes the tarballs of earlier versions there, so dist/ holds exactly one).
// `node build.mjs --options '<json>'` builds any package (for tests), with the options of
// buildWorkflowsPackage below.
import { bundleWorkflowCode } from '@temporalio/worker';
import * as esbuild from 'esbuild';
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tar from 'tar';

/** @typedef {import('./package-types.js').WorkflowsPackageOptions} WorkflowsPackageOptions */
/** @typedef {import('./package-types.js').WorkflowsManifest} WorkflowsManifest */

const WORKFLOWS_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(WORKFLOWS_ROOT, 'dist');

const WORKFLOW_BUNDLE_FILE = 'workflow-bundle.js';
const ACTIVITIES_FILE = 'activities.js';
const WORKER_PROVIDED_MODULES = ['@temporalio/activity', '@temporalio/common', 'prom-client'];

/** @returns {string} */
function temporalSdkVersion() {
  const require = createRequire(import.meta.url);
  return require('@temporalio/worker/package.json').version;
}

/**
 * The names a module exports, as esbuild sees them (without running the module).
 * @param {string} entryPoint
 * @returns {Promise<string[]>}
 */
async function exportedNames(entryPoint) {
  const result = await esbuild.build({
    entryPoints: [entryPoint],
    bundle: true,
    format: 'esm',
    platform: 'node',
    packages: 'external',
    write: false,
    metafile: true,
    outfile: 'names.js',
    logLevel: 'silent',
  });
  const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint);
  if (!output) throw new Error(`esbuild gave no output for ${entryPoint}`);
  return [...output.exports].sort();
}

/**
 * @param {string} activitiesPath
 * @param {string} outFile
 */
async function bundleActivities(activitiesPath, outFile) {
  await esbuild.build({
    entryPoints: [activitiesPath],
    bundle: true,
    platform: 'node',
    target: 'node24', // the worker's Node
    format: 'cjs',
    external: WORKER_PROVIDED_MODULES,
    outfile: outFile,
    sourcemap: true,
    keepNames: true,
    logLevel: 'warning',
  });
}

// Commands run on CI machines (GitHub's runners), whose Node may be older than the worker's.
const COMMAND_TARGET = 'node20';

/**
 * @param {string} entryPoint
 * @param {string} outFile
 */
async function bundleCommand(entryPoint, outFile) {
  await esbuild.build({
    entryPoints: [entryPoint],
    bundle: true,
    platform: 'node',
    target: COMMAND_TARGET,
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    outfile: outFile,
    logLevel: 'warning',
  });
  chmodSync(outFile, 0o755);
}

/**
 * @param {string} workflowsPath
 * @param {string} outFile
 */
async function bundleWorkflows(workflowsPath, outFile) {
  /** @type {import('@temporalio/worker').Logger} */
  const quiet = {
    log: () => {},
    trace: () => {},
    debug: () => {},
    info: () => {},
    warn: (message, meta) => console.warn(message, meta ?? ''),
    error: (message, meta) => console.error(message, meta ?? ''),
  };
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    logger: quiet,
    // The worker keeps the bundle and its source map in both of its V8 isolates, and the
    // sources in the map are read only for showStackTraceSources, which it leaves off: about
    // 6 MiB of its idle RSS. Stack traces still map to the workflows' files and lines.
    webpackConfigHook: (config) => ({ ...config, devtool: 'inline-nosources-source-map' }),
  });
  writeFileSync(outFile, await asciiBundle(code));
}

const INLINE_SOURCE_MAP = /\/\/# sourceMappingURL=data:application\/json[^,]*;base64,([A-Za-z0-9+/=]+)\s*$/;

/**
 * webpack keeps the comments of the SDK's sources, a few with non-ASCII characters, so V8
 * would hold the bundle as two-byte text, in both of the worker's isolates (about 4 MiB of its
 * RSS). esbuild reprints it as ASCII without comments, and its source map reads through the
 * bundle's own to the original files.
 * @param {string} code bundleWorkflowCode's output, with its inline source map
 * @returns {Promise<string>}
 */
async function asciiBundle(code) {
  const inline = INLINE_SOURCE_MAP.exec(code);
  if (!inline) throw new Error('the workflow bundle has no inline source map');
  const { file } = JSON.parse(Buffer.from(/** @type {string} */ (inline[1]), 'base64').toString('utf8'));
  const printed = await esbuild.transform(code, {
    charset: 'ascii',
    legalComments: 'none',
    sourcemap: 'external',
    sourcesContent: false,
    sourcefile: file,
  });
  // The worker names the bundle's script after the map's file, which esbuild leaves out.
  const map = Buffer.from(JSON.stringify({ ...JSON.parse(printed.map), file })).toString('base64');
  return `${printed.code}//# sourceMappingURL=data:application/json;base64,${map}\n`;
}

/**
 * @param {WorkflowsPackageOptions} options
 * @returns {Promise<{ outFile: string, manifest: WorkflowsManifest }>}
 */
export async function buildWorkflowsPackage({
  name,
  version,
  workflowsPath,
  activitiesPath,
  bins = {},
  extraFiles = [],
  outFile,
}) {
  const staging = mkdtempSync(path.join(os.tmpdir(), 'workflows-package-'));
  try {
    const root = path.join(staging, 'package');
    mkdirSync(root);
    const [workflowNames, activityNames] = await Promise.all([
      exportedNames(workflowsPath),
      exportedNames(activitiesPath),
    ]);
    await bundleActivities(activitiesPath, path.join(root, ACTIVITIES_FILE));
    await bundleWorkflows(workflowsPath, path.join(root, WORKFLOW_BUNDLE_FILE));
    /** @type {Record<string, string>} */
    const binFiles = {};
    for (const [command, entryPoint] of Object.entries(bins)) {
      binFiles[command] = `bin/${command}.js`;
      await bundleCommand(entryPoint, path.join(root, binFiles[command]));
    }
    for (const { from, to } of extraFiles) {
      cpSync(from, path.join(root, to), { recursive: true });
    }
    /** @type {WorkflowsManifest} */
    const manifest = {
      name,
      version,
      temporalSdkVersion: temporalSdkVersion(),
      workflowBundle: WORKFLOW_BUNDLE_FILE,
      activities: ACTIVITIES_FILE,
      workflowNames,
      activityNames,
    };
    writeFileSync(path.join(root, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    writeFileSync(
      path.join(root, 'package.json'),
      JSON.stringify(
        {
          name,
          version,
          private: true,
          main: ACTIVITIES_FILE,
          ...(Object.keys(binFiles).length > 0 ? { bin: binFiles } : {}),
        },
        null,
        2,
      ) + '\n',
    );
    mkdirSync(path.dirname(outFile), { recursive: true });
    await tar.c({ gzip: true, file: outFile, cwd: staging, portable: true }, ['package']);
    return { outFile, manifest };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

async function buildOciFactoryWorkflows() {
  const { name, version } = JSON.parse(readFileSync(path.join(WORKFLOWS_ROOT, 'package.json'), 'utf8'));
  mkdirSync(DIST, { recursive: true });
  for (const earlier of readdirSync(DIST).filter(
    (file) => file.startsWith(`${name}-`) && file.endsWith('.tgz'),
  ))
    rmSync(path.join(DIST, earlier));
  return buildWorkflowsPackage({
    name,
    version,
    workflowsPath: path.join(WORKFLOWS_ROOT, 'src', 'workflows', 'index.ts'),
    activitiesPath: path.join(WORKFLOWS_ROOT, 'src', 'activities', 'index.ts'),
    bins: { 'oci-factory-find-images': path.join(WORKFLOWS_ROOT, 'src', 'find-images', 'main.ts') },
    extraFiles: [
      { from: path.join(WORKFLOWS_ROOT, 'schemas'), to: 'schemas' },
      { from: path.join(WORKFLOWS_ROOT, 'certs'), to: 'certs' },
    ],
    outFile: path.join(DIST, `${name}-${version}.tgz`),
  });
}

/**
 * What a build script prints: the package written and its names, or the error (exit 1).
 * @param {Promise<{ outFile: string, manifest: WorkflowsManifest }>} build
 */
export function reportBuild(build) {
  build.then(
    ({ outFile, manifest }) => {
      console.log(
        `built ${path.relative(process.cwd(), outFile)}: workflows ${manifest.workflowNames.join(', ')}; activities ${manifest.activityNames.join(', ')}`,
      );
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const optionsFlag = process.argv.indexOf('--options');
  const build =
    optionsFlag >= 0
      ? buildWorkflowsPackage(JSON.parse(process.argv[optionsFlag + 1] ?? '{}'))
      : buildOciFactoryWorkflows();
  reportBuild(build);
}
