// Where the real components live once `npm run setup` has run. A test that needs
// one that is missing fails here, saying how to get it; it never skips.
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const TOOLS = path.join(PROJECT_ROOT, 'tools');

function required(file: string, what: string): string {
  if (!existsSync(file)) {
    throw new Error(
      `${what} is not installed at ${file}: run \`npm run setup\` (scripts/setup-tools.sh) first`,
    );
  }
  return file;
}

export function pebbleBinary(): string {
  return required(path.join(TOOLS, 'bin', 'pebble'), 'Pebble');
}

export function temporalBinary(): string {
  return required(path.join(TOOLS, 'bin', 'temporal'), 'The Temporal CLI');
}

/** The folder of Kafka's jars, for `java -cp '<dir>/*'`. */
export function kafkaLibs(): string {
  const dir = path.join(TOOLS, 'kafka', 'libs');
  required(path.join(dir, '.complete'), "Apache Kafka's jars");
  return dir;
}

/** Built artefacts (`npm run build`). */
export function distFile(...parts: string[]): string {
  return required(
    path.join(PROJECT_ROOT, 'dist', ...parts),
    `dist/${parts.join('/')} (from \`npm run build\`)`,
  );
}
