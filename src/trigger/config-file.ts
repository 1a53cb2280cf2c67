// Reads a `juju config --file` style config.yml (config.yml.template's shape): one
// top-level key naming the application, holding the charm's options. The trigger takes
// from it the options the settings table marks as read by the trigger.
import { parse } from 'yaml';
import { OPTION_KEYS, spec } from '../contract/settings';

export const APPLICATION_KEY = 'temporal-worker-k8s';

/** The charm options a client uses, by their config.yaml names. */
export const CLIENT_OPTION_KEYS = OPTION_KEYS.filter((key) => spec(key).readers.includes('trigger')).map(
  (key) => spec(key).option!,
);

/** Option name → text, for the client options the file sets. */
export type ClientOptions = Record<string, string>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The client options in a config.yml's text. The options sit under `temporal-worker-k8s`,
 * or under the only top-level key when the application was deployed under another name.
 * Empty values count as unset, as they do for the charm. Errors name keys, never values.
 */
export function parseConfigFile(text: string, source: string): ClientOptions {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new Error(`${source} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!isRecord(document)) {
    throw new Error(`${source} must be a mapping with the application name as its top-level key`);
  }
  const keys = Object.keys(document);
  const appKey = keys.includes(APPLICATION_KEY) ? APPLICATION_KEY : keys.length === 1 ? keys[0]! : undefined;
  if (appKey === undefined) {
    throw new Error(
      `${source} has no '${APPLICATION_KEY}' key (top-level keys: ${keys.join(', ') || 'none'})`,
    );
  }
  const options = document[appKey];
  if (!isRecord(options)) {
    throw new Error(`${source}: '${appKey}' must hold a mapping of charm options`);
  }
  const settings: ClientOptions = {};
  for (const key of CLIENT_OPTION_KEYS) {
    const value = options[key];
    if (value === undefined || value === null || value === '') continue;
    if (typeof value !== 'string') {
      throw new Error(`${source}: '${key}' must be a string`);
    }
    settings[key] = value;
  }
  return settings;
}
