// Checks the charm config (config-get) against the settings table, or says, naming the
// option, what is wrong. Messages never echo a value: several options hold secrets.
import { describeConfigProblems, readOptions, type Settings } from '../contract/settings';
import type { ConfigValue } from '../juju/types';
import { unsupportedAuthProvider } from '../temporal/auth/providers';

export type ConfigResult = { ok: true; settings: Settings } | { ok: false; message: string };

export function checkConfig(raw: Record<string, ConfigValue | null>): ConfigResult {
  const result = readOptions(raw, true);
  if (!result.ok) return { ok: false, message: describeConfigProblems(result.problems) };
  const unsupported = unsupportedAuthProvider(result.settings.authProvider);
  if (unsupported) return { ok: false, message: unsupported };
  const provider = result.settings.authProvider;
  // tls-root-cas is what turns TLS on: without it the bearer token would go out in clear
  // (SECURITY.md, item 10).
  if (provider !== undefined && result.settings.tlsRootCas === undefined) {
    return {
      ok: false,
      message: `missing config for auth-provider '${provider}': tls-root-cas (its token is never sent without TLS)`,
    };
  }
  return { ok: true, settings: result.settings };
}
