// The `environment` option, as the Python charm's HEAD reads it (`environment_processors.py`,
// docs/temporal-interop.md §5.4): YAML with an `env` list of `{name, value}` (a list or map
// value becomes its JSON) and a `juju` list of `{secret-id}` (every key, upper-cased, `-` → `_`)
// or `{secret-id, name, key}` (one key). Later entries win, `juju` after `env`. Names go through
// the env-file's check (refusedEnvName); `vault` needs a relation this charm does not have.
// Problems name the entry, never a value.
import type { Juju } from '../juju/types';
import { CONTROL_CHARACTER, refusedEnvName } from './env-file';
import { missingKeys, readUserSecret } from './user-secrets';
import { loadYaml } from '../yaml';

const OPTION = 'environment';
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface JujuEntry {
  secretId: string;
  name?: string;
  key?: string;
}

export type EnvironmentResult =
  { ok: true; variables: Record<string, string> } | { ok: false; message: string };

const fail = (message: string) => ({ ok: false as const, message: `${OPTION}: ${message}` });

function hasExactly(item: unknown, keys: string[]): item is Record<string, unknown> {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return false;
  const own = Object.keys(item).sort();
  return own.length === keys.length && [...keys].sort().every((key, index) => own[index] === key);
}

function valueText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function listOf(document: Record<string, unknown>, section: string): unknown[] | null {
  const list = document[section] ?? [];
  return Array.isArray(list) ? list : null;
}

/** Checks a name the operator gave (from `env`, `juju` or a secret's key). */
function nameProblem(name: string, where: string): string | null {
  if (!NAME.test(name)) return `${where}: '${name}' is not a variable name`;
  const refused = refusedEnvName(name);
  return refused ? `${where}: ${name} is refused: ${refused}` : null;
}

export async function readEnvironmentOption(
  juju: Juju,
  text: string,
  app: string,
): Promise<EnvironmentResult> {
  if (text.trim() === '') return { ok: true, variables: {} };
  let document: unknown;
  try {
    document = loadYaml().parse(text);
  } catch {
    return fail('is not valid YAML');
  }
  if (document === null) return { ok: true, variables: {} };
  if (typeof document !== 'object' || Array.isArray(document)) return fail('must be a map of env, juju');
  const sections = document as Record<string, unknown>;
  const unknown = Object.keys(sections).filter((key) => !['env', 'juju', 'vault'].includes(key));
  if (unknown.length > 0) return fail(`unknown section ${unknown.join(', ')}: only env and juju`);
  if ((listOf(sections, 'vault') ?? [1]).length > 0) {
    return fail('vault entries need a vault relation, which this charm does not have: use juju secrets');
  }

  const variables: Record<string, string> = {};
  const env = listOf(sections, 'env');
  if (!env) return fail('env must be a list');
  for (const [index, item] of env.entries()) {
    const where = `env entry ${index + 1}`;
    if (!hasExactly(item, ['name', 'value'])) return fail(`${where} must have exactly name and value`);
    const name = String(item.name);
    const problem = nameProblem(name, where);
    if (problem) return fail(problem);
    variables[name] = valueText(item.value);
  }

  const juju_ = listOf(sections, 'juju');
  if (!juju_) return fail('juju must be a list');
  const entries: JujuEntry[] = [];
  for (const [index, item] of juju_.entries()) {
    const where = `juju entry ${index + 1}`;
    if (hasExactly(item, ['secret-id'])) entries.push({ secretId: String(item['secret-id']) });
    else if (hasExactly(item, ['secret-id', 'name', 'key'])) {
      const entry = { secretId: String(item['secret-id']), name: String(item.name), key: String(item.key) };
      const problem = nameProblem(entry.name, where);
      if (problem) return fail(problem);
      entries.push(entry);
    } else return fail(`${where} must have secret-id, or secret-id, name and key`);
  }
  for (const [index, entry] of entries.entries()) {
    const read = await readUserSecret(juju, `${OPTION} juju entry ${index + 1}`, entry.secretId, app);
    if (!read.ok) return read;
    if (entry.key === undefined) {
      for (const [key, value] of Object.entries(read.content)) {
        const name = key.toUpperCase().replace(/-/g, '_');
        const problem = nameProblem(name, `juju entry ${index + 1}, key ${key}`);
        if (problem) return fail(problem);
        variables[name] = value;
      }
    } else {
      const value = read.content[entry.key];
      if (value === undefined) {
        return {
          ok: false,
          message: missingKeys(`${OPTION} juju entry ${index + 1}`, entry.secretId, [entry.key]),
        };
      }
      variables[entry.name!] = value;
    }
  }
  for (const [name, value] of Object.entries(variables)) {
    if (CONTROL_CHARACTER.test(value)) return fail(`${name} holds a control character`);
  }
  return { ok: true, variables };
}
