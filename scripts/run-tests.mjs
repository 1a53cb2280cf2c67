// `npm test`: unit tests in parallel, then the integration tests one file at a
// time (they start real Pebble, Temporal and Kafka), then one closing line with
// the totals of both runs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const extraArgs = process.argv.slice(2);
const resultsDir = mkdtempSync(join(tmpdir(), 'jest-results-'));
const runs = [
  ['unit', ['--selectProjects', 'unit']],
  ['integration', ['--selectProjects', 'integration', '--runInBand']],
];

let passed = 0;
let failed = 0;
let exitCode = 0;
for (const [name, args] of runs) {
  const outputFile = join(resultsDir, `${name}.json`);
  const run = spawnSync(
    process.execPath,
    ['node_modules/jest/bin/jest.js', ...args, '--json', `--outputFile=${outputFile}`, ...extraArgs],
    { stdio: 'inherit' },
  );
  let results;
  try {
    results = JSON.parse(readFileSync(outputFile, 'utf8'));
  } catch {
    console.error(`${name} tests: jest wrote no results (exit ${run.status ?? run.signal})`);
    exitCode = 1;
    continue;
  }
  passed += results.numPassedTests;
  failed += results.numFailedTests + results.numRuntimeErrorTestSuites;
  if (run.status !== 0) exitCode = run.status ?? 1;
}
rmSync(resultsDir, { recursive: true, force: true });
if (passed === 0) {
  console.error('no test ran');
  exitCode = 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(exitCode);
