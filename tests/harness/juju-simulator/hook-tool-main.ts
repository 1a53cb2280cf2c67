// The hook-tool executable: one program plays every tool, named by the symlink it is run
// through (`config-get`, `status-set`, …), over the state file named by FAKE_JUJU_STATE.
// It is bundled into one CommonJS file (see executable.ts) so it starts as fast as Node can.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { STATE_FILE_ENV } from './environment';
import { failure } from './command-line';
import { NO_STDIN } from './hook-tools';
import { runHookToolOnStateFile } from './state-file';

function main(): number {
  const statePath = process.env[STATE_FILE_ENV];
  if (!statePath) {
    process.stderr.write(
      `ERROR ${STATE_FILE_ENV} is not set: this fake hook tool needs the harness state file\n`,
    );
    return 1;
  }
  const result = runHookToolOnStateFile(statePath, {
    tool: path.basename(process.argv[1] ?? ''),
    args: process.argv.slice(2),
    contextId: process.env.JUJU_CONTEXT_ID,
    remoteUnit: process.env.JUJU_REMOTE_UNIT,
    cwd: process.cwd(),
    readStdin: () => {
      try {
        return readFileSync(0, 'utf8');
      } catch {
        throw failure(NO_STDIN);
      }
    },
  });
  if (result.stdout) process.stdout.write(result.stdout);
  if (result.stderr) process.stderr.write(result.stderr);
  return result.exitCode;
}

process.exitCode = main();
