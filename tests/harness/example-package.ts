// The example workflows package (examples/greeting-db), built as a team would build theirs: its
// own options (examples/greeting-db/build.mjs) through buildWorkflowsPackage, into `outFile`.
// In a child process, since jest loads no ES module such as build.mjs.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { PROJECT_ROOT } from './tools';

export const EXAMPLE_DIR = path.join(PROJECT_ROOT, 'examples', 'greeting-db');

export function buildExamplePackage(outFile: string): void {
  const script = [
    `import { buildWorkflowsPackage } from ${JSON.stringify(path.join(PROJECT_ROOT, 'workflows', 'scripts', 'build.mjs'))};`,
    `import { GREETING_DB_PACKAGE } from ${JSON.stringify(path.join(EXAMPLE_DIR, 'build.mjs'))};`,
    'await buildWorkflowsPackage({ ...GREETING_DB_PACKAGE, outFile: process.argv[1] });',
  ].join('\n');
  execFileSync(process.execPath, ['--input-type=module', '-e', script, outFile], {
    cwd: PROJECT_ROOT,
    stdio: 'pipe',
  });
}
