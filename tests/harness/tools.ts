// Pebble and the built artefacts, for the charm's tests. A test that needs one that is
// missing fails here, saying how to get it; it never skips. The other tools are found by
// workflows/tests/harness/tools.ts.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { REPOSITORY_ROOT, installedTool } from '../../workflows/tests/harness/tools';

export const PROJECT_ROOT = REPOSITORY_ROOT;

export function pebbleBinary(): string {
  return installedTool(path.join('bin', 'pebble'), 'Pebble');
}

/** Built artefacts (`npm run build`). */
export function distFile(...parts: string[]): string {
  const file = path.join(PROJECT_ROOT, 'dist', ...parts);
  if (!existsSync(file)) {
    throw new Error(`dist/${parts.join('/')} is missing at ${file}: run \`npm run build\` first`);
  }
  return file;
}
