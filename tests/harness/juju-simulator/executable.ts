// The hook-tool executables a hook finds on PATH. Two transports over the same
// runHookTool, chosen per model:
//   'executable'  hook-tool-main.ts, bundled by esbuild into one CommonJS file (cached
//                 under .tmp/, keyed by a digest of this folder's sources): each call is a
//                 Node process on the state file, ~a bare `node` start. Needs nothing running.
//   'agent'       hook-tool-client.sh, a POSIX-sh client of the in-process agent (agent.ts):
//                 a few ms a call, like Juju's own tools, for the benchmark of the hooks.
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  symlinkSync,
} from 'node:fs';
import platforms from '../../../src/platforms.json';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { HOOK_TOOL_NAMES } from './hook-tools';

export type HookToolTransport = 'executable' | 'agent';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..', '..');
export const AGENT_CLIENT = path.join(__dirname, 'hook-tool-client.sh');

/** The bundled hook-tool program, built on first use after its sources changed. */
export function hookToolExecutable(): string {
  const digest = createHash('sha256');
  for (const file of readdirSync(__dirname)
    .filter((name) => name.endsWith('.ts'))
    .sort()) {
    digest.update(`${file}\0${readFileSync(path.join(__dirname, file), 'utf8')}\0`);
  }
  const dir = path.join(PROJECT_ROOT, '.tmp', 'juju-simulator', digest.digest('hex').slice(0, 16));
  const outfile = path.join(dir, 'hook-tool.js');
  if (existsSync(outfile)) return outfile;
  mkdirSync(dir, { recursive: true });
  // Built beside its final name, then renamed: parallel test workers may build it at once.
  const partial = `${outfile}.${process.pid}.partial`;
  buildSync({
    entryPoints: [path.join(__dirname, 'hook-tool-main.ts')],
    outfile: partial,
    bundle: true,
    platform: 'node',
    target: `node${platforms.nodeVersion.split('.')[0]}`,
    format: 'cjs',
    banner: { js: '#!/usr/bin/env node' },
    legalComments: 'none',
    logLevel: 'warning',
  });
  chmodSync(partial, 0o755);
  renameSync(partial, outfile);
  return outfile;
}

/** Puts one executable per hook tool into `binDir`, all playing the simulator through `transport`. */
export function installHookTools(binDir: string, transport: HookToolTransport): void {
  const target = transport === 'agent' ? AGENT_CLIENT : hookToolExecutable();
  mkdirSync(binDir, { recursive: true });
  for (const tool of HOOK_TOOL_NAMES) symlinkSync(target, path.join(binDir, tool));
}
