// Juju user secrets the operator names in config (`auth-secret-id`, `juju:` entries of
// `environment`): read with secret-get --refresh, so `secret-changed` picks a new revision up
// (docs/juju-pebble-contract.md §2.4). A secret the unit cannot read blocks with its id and
// the command that fixes it; no message ever holds a value.
import { SECRET_URI } from '../contract/setting-rules';
import { AUTH_SECRET_OPTIONS, authProviderOptions, spec } from '../contract/settings';
import { HookToolError, type ConfigValue, type Juju } from '../juju/types';

export type SecretRead = { ok: true; content: Record<string, string> } | { ok: false; message: string };

/** `<option>: …` with the fix for a secret-get failure; Juju's stderr is not repeated. */
function unreadable(option: string, id: string, app: string, error: HookToolError): string {
  const grant = `juju grant-secret ${id} ${app}`;
  if (/not found/.test(error.stderr)) {
    return `${option}: secret ${id} not found: check the id with 'juju secrets', then run '${grant}'`;
  }
  if (/permission denied|not authorized|unauthorized/i.test(error.stderr)) {
    return `${option}: secret ${id} is not granted to this application: run '${grant}'`;
  }
  return `${option}: cannot read secret ${id} (secret-get exit ${error.exitCode ?? 'unknown'}): is it granted? '${grant}'`;
}

/** The content of the latest revision of user secret `id`, named in option `option`. */
export async function readUserSecret(
  juju: Juju,
  option: string,
  id: string,
  app: string,
): Promise<SecretRead> {
  try {
    return { ok: true, content: await juju.secretGet(id, true) };
  } catch (error) {
    if (!(error instanceof HookToolError)) throw error;
    return { ok: false, message: unreadable(option, id, app, error) };
  }
}

/** The blocked message for keys `id` lacks. */
export function missingKeys(option: string, id: string, keys: string[]): string {
  const plural = keys.length > 1 ? 's' : '';
  return (
    `${option}: secret ${id} has no key${plural} ${keys.join(', ')}: ` +
    `add ${keys.length > 1 ? 'them' : 'it'} with 'juju update-secret ${id} ${keys[0]}=…'`
  );
}

export type AuthSecretResult =
  | { ok: true; config: Record<string, ConfigValue | null>; fromSecret: Set<string> }
  | { ok: false; message: string };

/**
 * The config with the `auth-secret-id` secret's keys (AUTH_SECRET_OPTIONS, the Python charm's
 * names) in place of those options. Like the Python charm, the secret must name `auth-provider`
 * and hold every key that provider needs. The options it supplies come back in `fromSecret`:
 * they are rendered as secrets, whatever the option.
 */
export async function applyAuthSecret(
  juju: Juju,
  config: Record<string, ConfigValue | null>,
  app: string,
): Promise<AuthSecretResult> {
  const option = spec('authSecretId').option!;
  const id = typeof config[option] === 'string' ? config[option].trim() : '';
  // Not an id (checkConfig then says so): nothing to read.
  if (!SECRET_URI.test(id)) return { ok: true, config, fromSecret: new Set() };
  const read = await readUserSecret(juju, option, id, app);
  if (!read.ok) return read;
  const provider = read.content['auth-provider'] ?? '';
  const needed = ['auth-provider', ...authProviderOptions(provider).map((key) => spec(key).option!)];
  const missing = needed.filter((key) => (read.content[key] ?? '').trim() === '');
  if (missing.length > 0) return { ok: false, message: missingKeys(option, id, missing) };
  const merged = { ...config };
  const fromSecret = new Set<string>();
  for (const name of AUTH_SECRET_OPTIONS) {
    if (read.content[name] === undefined) continue;
    merged[name] = read.content[name];
    fromSecret.add(name);
  }
  return { ok: true, config: merged, fromSecret };
}
