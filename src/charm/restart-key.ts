// The secrets file's restart trigger: an HMAC of its content under a random key of this unit,
// not a plain digest, so that reading the plan (`pebble plan`) confirms no guess of a secret
// (SECURITY.md, item 8). The key lives in the workload container (0600, pushed with the
// secrets file) and in the hook cache (0700 folder), so an idle hook asks Pebble nothing more.
import { createHmac, randomBytes } from 'node:crypto';
import type { ContainerLayout } from '../contract/container';
import type { Pebble } from '../pebble/types';
import type { HookCache } from './hook-cache';

const CACHE_ENTRY = ['restart-key', 'current'] as const;
const KEY_PATTERN = /^[0-9a-f]{64}$/;

/** This unit's key: from the cache, else from the container, else a new one (pushed with the secrets). */
export async function restartKey(pebble: Pebble, layout: ContainerLayout, cache: HookCache): Promise<string> {
  const cached = cache.get(...CACHE_ENTRY)?.trim();
  if (cached && KEY_PATTERN.test(cached)) return cached;
  const stored = (await pebble.pull(layout.restartKeyFile))?.toString('utf8').trim();
  const key = stored && KEY_PATTERN.test(stored) ? stored : randomBytes(32).toString('hex');
  cache.put(...CACHE_ENTRY, key);
  return key;
}

/** The restart trigger of the secrets file's content. */
export function secretsTrigger(key: string, secretsFileContent: string): string {
  return createHmac('sha256', Buffer.from(key, 'hex')).update(secretsFileContent).digest('hex');
}
