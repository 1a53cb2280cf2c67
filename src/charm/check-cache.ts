// Remembers, between hooks, that an input passed its checks, by content digest: a hook
// whose config and workflows package were checked before loads neither zod nor tar
// (hooks must start fast). Entries never hold input values, only digests and manifests.
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

export function digest(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

let codeIdentity: Promise<string> | undefined;

/** Changes with the charm's code, so an upgraded charm checks everything again. */
function charmCodeIdentity(): Promise<string> {
  const file = require.main?.filename;
  codeIdentity ??= file
    ? stat(file).then(
        (info) => `${file}:${info.size}:${info.mtimeMs}`,
        () => file,
      )
    : Promise.resolve('');
  return codeIdentity;
}

export class CheckCache {
  constructor(private readonly dir: string) {}

  private async entry(kind: string, key: string): Promise<string> {
    return path.join(this.dir, `${kind}-${digest(`${await charmCodeIdentity()}\n${key}`)}.json`);
  }

  async get(kind: string, key: string): Promise<string | null> {
    try {
      return await readFile(await this.entry(kind, key), 'utf8');
    } catch {
      return null;
    }
  }

  async put(kind: string, key: string, content: string): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await writeFile(await this.entry(kind, key), content, { mode: 0o600 });
    } catch {
      // A cache that cannot be written only costs time.
    }
  }
}
