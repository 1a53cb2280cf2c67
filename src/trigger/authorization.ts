// The `authorization` header for --auth google, from the worker's own token source so
// that the trigger and the worker authenticate the same way.
import type { TriggerOptions } from './options';
import type { AuthorizationSource } from './start';

export async function authorizationFor(options: TriggerOptions): Promise<AuthorizationSource | undefined> {
  if (options.auth.provider === 'none') return undefined;
  throw new Error('--auth google is not wired to the worker token source yet');
}
