// Where the real components live once `npm run setup` (from the repository root) has run:
// under the repository's tools/. A test that needs one that is missing fails here, saying
// how to get it; it never skips.
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export const REPOSITORY_ROOT = path.resolve(__dirname, '..', '..', '..');
const TOOLS = path.join(REPOSITORY_ROOT, 'tools');

/** `tools/<relativePath>`, or an error saying how to install it. */
export function installedTool(relativePath: string, what: string): string {
  const file = path.join(TOOLS, relativePath);
  if (!existsSync(file)) {
    throw new Error(
      `${what} is not installed at ${file}: run \`npm run setup\` from the repository root (scripts/setup-tools.sh) first`,
    );
  }
  return file;
}

export function temporalBinary(): string {
  return installedTool(path.join('bin', 'temporal'), 'The Temporal CLI');
}

/** The folder of Kafka's jars, for `java -cp '<dir>/*'`. */
export function kafkaLibs(): string {
  return path.dirname(installedTool(path.join('kafka', 'libs', '.complete'), "Apache Kafka's jars"));
}
