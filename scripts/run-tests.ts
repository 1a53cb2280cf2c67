// `npm test`: first what the tests need, as the demo does (demo/prerequisites.ts): the
// real components in tools/ (`npm run setup`) when missing, and dist/ (`npm run build`)
// when missing or older than the sources. Then the unit tests in parallel, the
// integration tests one file at a time (they start real Pebble, Temporal and Kafka),
// and one closing line with the totals of both runs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildIsStale, missingBuild, missingTools, runNpmScript } from '../demo/prerequisites';

const ROOT = path.resolve(__dirname, '..');

interface JestResults {
  numPassedTests: number;
  numFailedTests: number;
  numRuntimeErrorTestSuites: number;
}

async function prepare(): Promise<void> {
  const tools = missingTools(ROOT);
  if (tools.length > 0) {
    console.log(`npm test: installing the tools (missing: ${tools.join(', ')})`);
    await runNpmScript(ROOT, 'setup', () => {});
  }
  const built = missingBuild(ROOT);
  if (built.length > 0 || buildIsStale(ROOT)) {
    console.log(
      `npm test: building (${built.length > 0 ? `missing: ${built.join(', ')}` : 'sources changed since the last build'})`,
    );
    await runNpmScript(ROOT, 'build', () => {});
  }
}

/** Runs one jest project; returns its counts, or null when jest wrote none. */
function runJest(
  name: string,
  args: string[],
  resultsDir: string,
): { results: JestResults | null; status: number } {
  const outputFile = path.join(resultsDir, `${name}.json`);
  const run = spawnSync(
    process.execPath,
    [
      'node_modules/jest/bin/jest.js',
      ...args,
      '--json',
      `--outputFile=${outputFile}`,
      ...process.argv.slice(2),
    ],
    { cwd: ROOT, stdio: 'inherit' },
  );
  try {
    return { results: JSON.parse(readFileSync(outputFile, 'utf8')) as JestResults, status: run.status ?? 1 };
  } catch {
    console.error(`${name} tests: jest wrote no results (exit ${run.status ?? run.signal})`);
    return { results: null, status: 1 };
  }
}

async function main(): Promise<number> {
  await prepare();
  const resultsDir = mkdtempSync(path.join(tmpdir(), 'jest-results-'));
  let passed = 0;
  let failed = 0;
  let exitCode = 0;
  try {
    for (const [name, args] of [
      ['unit', ['--selectProjects', 'unit']],
      ['integration', ['--selectProjects', 'integration', '--runInBand']],
    ] as const) {
      const { results, status } = runJest(name, [...args], resultsDir);
      if (results) {
        passed += results.numPassedTests;
        failed += results.numFailedTests + results.numRuntimeErrorTestSuites;
      }
      if (status !== 0) exitCode = status;
    }
  } finally {
    rmSync(resultsDir, { recursive: true, force: true });
  }
  if (passed === 0) {
    console.error('no test ran');
    exitCode = 1;
  }
  console.log(`${passed} passed, ${failed} failed`);
  return exitCode;
}

main().then(
  (exitCode) => process.exit(exitCode),
  (error: unknown) => {
    console.error(`npm test: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
