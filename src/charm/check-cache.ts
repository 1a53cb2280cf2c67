// Remembers, between hooks, that an input passed its checks, by content digest: a hook
// whose config and workflows package were checked before loads neither zod nor tar
// (hooks must start fast). Entries never hold input values, only digests and manifests.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export function digest(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

let codeIdentity: string | undefined;

/** Changes with the charm's code, so an upgraded charm checks everything again. */
function charmCodeIdentity(): string {
  if (codeIdentity === undefined) {
    const file = require.main?.filename ?? '';
    try {
      const info = statSync(file);
      codeIdentity = `${file}:${info.size}:${info.mtimeMs}`;
    } catch {
      codeIdentity = file;
    }
  }
  return codeIdentity;
}

// Small files and synchronous calls: fs/promises alone costs a hook several ms to load.
export class CheckCache {
  constructor(private readonly dir: string) {}

  private entry(kind: string, key: string): string {
    return path.join(this.dir, `${kind}-${digest(`${charmCodeIdentity()}\n${key}`)}.json`);
  }

  async get(kind: string, key: string): Promise<string | null> {
    try {
      return readFileSync(this.entry(kind, key), 'utf8');
    } catch {
      return null;
    }
  }

  async put(kind: string, key: string, content: string): Promise<void> {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      writeFileSync(this.entry(kind, key), content, { mode: 0o600 });
    } catch {
      // A cache that cannot be written only costs time.
    }
  }
}
