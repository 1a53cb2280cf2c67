import { createHash } from 'node:crypto';

/** sha256, hex: names pushed folders, keys the hook cache, detects changed content. */
export function digest(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}
