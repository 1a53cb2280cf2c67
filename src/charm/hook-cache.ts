// What this unit remembers between hooks, by content digest, so a hook skips work done
// before: a workflows package that passed its checks (its manifest; the package is not
// unpacked again), the application version told to Juju, the layer Pebble last confirmed,
// and the unit's restart key (restart-key.ts). Entries never hold input values, only
// digests, manifests and that key; the folder is 0700, the files 0600.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { digest } from './digest';

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
export class HookCache {
  constructor(private readonly dir: string) {}

  private entry(kind: string, key: string): string {
    return path.join(this.dir, `${kind}-${digest(`${charmCodeIdentity()}\n${key}`)}.json`);
  }

  get(kind: string, key: string): string | null {
    try {
      return readFileSync(this.entry(kind, key), 'utf8');
    } catch {
      return null;
    }
  }

  put(kind: string, key: string, content: string): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      writeFileSync(this.entry(kind, key), content, { mode: 0o600 });
    } catch {
      // A cache that cannot be written only costs time.
    }
  }
}
