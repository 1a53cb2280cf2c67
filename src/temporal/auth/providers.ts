// The auth providers the worker and the trigger can authenticate with, by their
// `auth-provider` name. Adding one is a module with a TokenSource and a line here; the
// options it needs are marked with its name in the settings table.
import type { Settings } from '../../contract/settings';
import { candidTokenSource } from './candid';
import { googleTokenSource } from './google';
import type { TokenSource } from './token-source';

const PROVIDERS: Record<string, (settings: Settings) => TokenSource> = {
  google: googleTokenSource,
  candid: candidTokenSource,
};

/** Why `auth-provider` cannot be used as set, or null when it can. */
export function unsupportedAuthProvider(name: string | undefined): string | null {
  if (name === undefined || name in PROVIDERS) return null;
  return `auth-provider '${name}' is not supported yet`;
}

/** The token source of the settings' auth provider; undefined without one. */
export function tokenSourceFor(settings: Settings): TokenSource | undefined {
  const name = settings.authProvider;
  if (name === undefined) return undefined;
  const unsupported = unsupportedAuthProvider(name);
  if (unsupported) throw new Error(unsupported);
  return PROVIDERS[name]!(settings);
}
