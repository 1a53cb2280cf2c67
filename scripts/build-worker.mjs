// @ts-check
// Builds the worker runtime the charm pushes into the workload container:
//   dist/worker/worker.js                  src/worker/main.ts, bundled (CommonJS, for the Node of src/platforms.json)
//   dist/worker/workflow-worker-thread.js  the SDK's workflow thread, which it loads by path, with
//                                          only the Temporal types it uses (thread-proto.mjs)
//   dist/worker/node_modules/              real packages shared with the workflows package's
//                                          activities (@temporalio/activity, @temporalio/common,
//                                          prom-client and their runtime dependencies) and the native bridge
//                                          for the Linux architectures of src/platforms.json only
// Webpack is left out: the worker runs prebuilt workflow bundles only.
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PLATFORMS, NODE_TARGET } from './platforms.mjs';
import { threadProto } from './thread-proto.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'dist', 'worker');
const NATIVE_TARGETS = Object.values(PLATFORMS.architectures).map((arch) => arch.temporalBridgeTarget);

/** Packages the worker loads at run time from node_modules instead of its bundle. */
const SHIPPED = ['@temporalio/core-bridge', '@temporalio/activity', '@temporalio/common', 'prom-client'];
/** Declared dependencies that are never required at run time. @type {Record<string, string[]>} */
const UNUSED_DEPENDENCIES = {
  '@temporalio/activity': ['@temporalio/client'],
  '@grpc/proto-loader': ['yargs'],
};

/** @param {string} file @returns {{ dependencies?: Record<string, string> }} */
function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Node's lookup: `<dir>/node_modules/<name>`, then each parent folder. @param {string} name @param {string} fromDir */
function findPackage(name, fromDir) {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`cannot find ${name} from ${fromDir}`);
  }
}

/** Folders at a package's root that hold no run-time code (bintrees ships 2.3 MB of perf data in test/). */
const NOT_RUN_TIME_FOLDERS = ['test', 'tests', '__tests__', 'bench', 'benchmark', 'example', 'examples'];

/**
 * Run-time files only: no type declarations, source maps, nested installs, tests or
 * examples, and no TypeScript sources of the SDK packages (they run from lib/; others may
 * run from src/).
 * @param {string} name
 * @param {string} packageRoot
 * @returns {(source: string) => boolean}
 */
function keeper(name, packageRoot) {
  const sdkPackage = name.startsWith('@temporalio/');
  return (source) => {
    const base = path.basename(source);
    if (statSync(source).isDirectory()) {
      if (base === 'node_modules') return false;
      if (path.dirname(source) !== packageRoot) return true;
      return !NOT_RUN_TIME_FOLDERS.includes(base) && !(sdkPackage && ['src', 'ts'].includes(base));
    }
    return !/\.(d\.[cm]?ts|map|md|ts)$/.test(base);
  };
}

/** @param {string} name @param {string} from @param {string} to */
function copyPackage(name, from, to) {
  if (name === '@temporalio/core-bridge') {
    mkdirSync(to, { recursive: true });
    for (const file of ['package.json', 'index.js', 'common.js', 'LICENSE']) {
      if (existsSync(path.join(from, file))) cpSync(path.join(from, file), path.join(to, file));
    }
    cpSync(path.join(from, 'lib'), path.join(to, 'lib'), { recursive: true, filter: keeper(name, from) });
    for (const target of NATIVE_TARGETS) {
      cpSync(path.join(from, 'releases', target), path.join(to, 'releases', target), { recursive: true });
    }
    return;
  }
  cpSync(from, to, { recursive: true, filter: (source) => source === from || keeper(name, from)(source) });
}

/** Copies the shipped packages and their dependency closure; returns every package name shipped. */
function shipPackages() {
  const modules = path.join(OUT, 'node_modules');
  const placed = new Map(); // destination dir → source dir
  const names = new Set();
  const queue = SHIPPED.map((name) => ({ name, fromDir: ROOT, destModules: modules }));
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const { name, fromDir, destModules } = next;
    const source = findPackage(name, fromDir);
    let dest = path.join(modules, name);
    if (placed.has(dest) && placed.get(dest) !== source) dest = path.join(destModules, name);
    if (placed.get(dest) === source) continue;
    placed.set(dest, source);
    names.add(name);
    copyPackage(name, source, dest);
    const unused = UNUSED_DEPENDENCIES[name] ?? [];
    for (const dependency of Object.keys(readJson(path.join(source, 'package.json')).dependencies ?? {})) {
      if (dependency.startsWith('@types/') || unused.includes(dependency)) continue;
      queue.push({ name: dependency, fromDir: source, destModules: path.join(dest, 'node_modules') });
    }
  }
  return [...names];
}

/** The SDK's bundler pulls in webpack at load time; the worker never bundles. @type {esbuild.Plugin} */
const noBundlerPlugin = {
  name: 'no-workflow-bundler',
  setup(build) {
    build.onResolve({ filter: /^\.\/workflow\/bundler$/ }, (args) =>
      args.importer.includes(`${path.sep}@temporalio${path.sep}worker${path.sep}`)
        ? { path: 'temporal-workflow-bundler-stub', namespace: 'stub' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      loader: 'js',
      contents: `
        const unsupported = () => { throw new Error('this worker runs prebuilt workflow bundles only (workflowBundle), it cannot bundle workflows'); };
        exports.defaultWorkflowInterceptorModules = [];
        exports.bundleWorkflowCode = unsupported;
        exports.WorkflowCodeBundler = class { constructor() { unsupported(); } };
      `,
    }));
  },
};

/**
 * Dependencies the worker needs only with some settings (Sentry, Google auth,
 * proxies): each is bundled on its own under lazy/ and required from there, so
 * the worker does not parse them at every start.
 * @type {Record<string, string>}
 */
const LAZY_MODULES = {
  '@sentry/node': 'sentry-node.js',
  'google-auth-library': 'google-auth-library.js',
  macaroon: 'macaroon.js',
  tweetnacl: 'tweetnacl.js',
  undici: 'undici.js',
};

/** @type {esbuild.Plugin} */
const lazyModulesPlugin = {
  name: 'lazy-modules',
  setup(build) {
    const names = Object.keys(LAZY_MODULES).map((name) => name.replace(/[/]/g, '\\/'));
    // The worker's own imports and the Temporal access layer's (the auth providers require
    // google-auth-library, macaroon and tweetnacl): otherwise they land in worker.js.
    const lazyImporters = ['worker', 'temporal'].map(
      (folder) => `${path.sep}src${path.sep}${folder}${path.sep}`,
    );
    build.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, (args) =>
      lazyImporters.some((folder) => args.importer.includes(folder))
        ? { path: `./lazy/${LAZY_MODULES[args.path]}`, external: true }
        : undefined,
    );
  },
};

/** @param {string} target @returns {number} */
function sizeOf(target) {
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(target).reduce((sum, entry) => sum + sizeOf(path.join(target, entry)), 0);
}

export async function buildWorker() {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const shipped = shipPackages();
  const external = shipped.flatMap((name) => [name, `${name}/*`]);
  const common = /** @type {const} */ ({
    outdir: OUT,
    bundle: true,
    platform: 'node',
    target: NODE_TARGET,
    format: 'cjs',
    // As the charm's build: V8 keeps every script's source in the heap, and the comments
    // esbuild carries over (a few with emoji) made worker.js a two-byte string of 3.4 MiB.
    // keepNames keeps function names in stack traces.
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const result = await esbuild.build({
    ...common,
    metafile: true,
    entryPoints: { worker: path.join(ROOT, 'src', 'worker', 'main.ts') },
    external,
    plugins: [noBundlerPlugin, lazyModulesPlugin],
    // The SDK loads its workflow thread by path (built beside worker.js below); the
    // other require.resolve calls belong to the debug replayer, which is never used.
    logOverride: { 'require-resolve-not-external': 'silent' },
  });
  const workerPackage = findPackage('@temporalio/worker', ROOT);
  const threadTypes = threadProto(findPackage('@temporalio/proto', workerPackage));
  await esbuild.build({
    ...common,
    entryPoints: {
      'workflow-worker-thread': path.join(workerPackage, 'lib', 'workflow', 'workflow-worker-thread.js'),
    },
    external,
    plugins: [threadTypes.plugin],
  });
  threadTypes.check(readFileSync(path.join(OUT, 'workflow-worker-thread.js'), 'utf8'));
  for (const [name, file] of Object.entries(LAZY_MODULES)) {
    await esbuild.build({
      stdin: {
        contents: `module.exports = require(${JSON.stringify(name)});`,
        resolveDir: ROOT,
        loader: 'js',
      },
      outfile: path.join(OUT, 'lazy', file),
      bundle: true,
      platform: 'node',
      target: NODE_TARGET,
      format: 'cjs',
      external,
      keepNames: true,
      legalComments: 'none',
      logLevel: 'warning',
    });
  }
  if (process.env.BUILD_WORKER_ANALYZE) console.log(await esbuild.analyzeMetafile(result.metafile));
  // source-map (the SDK reads the workflow bundle's source map) loads this by path.
  const sourceMap = findPackage('source-map', workerPackage);
  cpSync(path.join(sourceMap, 'lib', 'mappings.wasm'), path.join(OUT, 'mappings.wasm'));
  const megabytes = (/** @type {number} */ bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  console.log(
    `built dist/worker: ${megabytes(sizeOf(OUT))} (worker.js ${megabytes(sizeOf(path.join(OUT, 'worker.js')))}, ` +
      `node_modules ${megabytes(sizeOf(path.join(OUT, 'node_modules')))}: ${shipped.length} packages)`,
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildWorker();
}
