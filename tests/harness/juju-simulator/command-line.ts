// How the simulated hook tools read their command line and print their answers, as
// juju/cmd does (docs/juju-pebble-contract.md §2.1): gnuflag-style flags, `--format`
// smart/json/yaml, `ERROR <message>` with exit 2 for usage errors and 1 otherwise.

/** A tool ends with this exit code; the message goes to stderr as `ERROR <message>`. */
export class ToolExit extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

export const usage = (message: string) => new ToolExit(2, message);
export const failure = (message: string) => new ToolExit(1, message);

interface FlagSpec {
  type: 'bool' | 'string';
  aliases?: string[];
  default?: string | boolean;
  choices?: string[];
}

export type FlagSpecs = Record<string, FlagSpec>;

export interface ParsedArgs {
  flags: Record<string, string | boolean | undefined>;
  positional: string[];
}

const TRUE_TEXTS = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const FALSE_TEXTS = ['0', 'f', 'F', 'FALSE', 'false', 'False'];

/**
 * Parses like juju/gnuflag with interspersed flags: `--name=value`, `--name value`,
 * `-n value`, boolean flags, `--` ends flags. Unknown flags are usage errors.
 */
export function parseArgs(argv: string[], spec: FlagSpecs): ParsedArgs {
  const flags: ParsedArgs['flags'] = {};
  const positional: string[] = [];
  const byName = new Map<string, FlagSpec & { name: string }>();
  for (const [name, def] of Object.entries(spec)) {
    for (const alias of [name, ...(def.aliases ?? [])]) byName.set(alias, { name, ...def });
    if (def.default !== undefined) flags[name] = def.default;
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const flagText = arg.split('=')[0];
    const def = byName.get(eq >= 0 ? body.slice(0, eq) : body);
    if (!def) throw usage(`option provided but not defined: ${flagText}`);
    if (def.type === 'bool') {
      const text = eq < 0 ? 'true' : body.slice(eq + 1);
      if (TRUE_TEXTS.includes(text)) flags[def.name] = true;
      else if (FALSE_TEXTS.includes(text)) flags[def.name] = false;
      else throw usage(`invalid value "${text}" for flag ${flagText}: parse error`);
      continue;
    }
    let value: string;
    if (eq >= 0) value = body.slice(eq + 1);
    else if (i + 1 < argv.length) value = argv[++i]!;
    else throw usage(`flag needs an argument: ${arg}`);
    if (def.choices && !def.choices.includes(value)) {
      throw usage(`invalid value "${value}" for flag ${flagText}: unknown format "${value}"`);
    }
    flags[def.name] = value;
  }
  return { flags, positional };
}

export type Format = 'smart' | 'json' | 'yaml';

export const FORMAT: FlagSpecs = {
  format: { type: 'string', choices: ['smart', 'json', 'yaml'], default: 'smart' },
};
export const RELATION: FlagSpecs = { relation: { type: 'string', aliases: ['r'] } };

export function formatOf(flags: ParsedArgs['flags']): Format {
  return (flags.format ?? 'smart') as Format;
}

/**
 * JSON is one value and a newline. smart prints strings raw, booleans as True/False and
 * string lists one per line; maps, and yaml, fall back to JSON, which is valid YAML.
 */
export function formatOutput(value: unknown, format: Format): string {
  if (format === 'json') return `${JSON.stringify(value)}\n`;
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return format === 'smart' ? `${value}\n` : `${JSON.stringify(value)}\n`;
  if (typeof value === 'boolean') return format === 'smart' ? `${value ? 'True' : 'False'}\n` : `${value}\n`;
  if (Array.isArray(value) && format === 'smart') return value.map((v) => `${String(v)}\n`).join('');
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function noExtraArgs(positional: string[], max: number): void {
  if (positional.length > max) throw usage(`unrecognized args: ["${positional.slice(max).join('" "')}"]`);
}

/**
 * `--file` content: a YAML map of string→string. JSON is valid YAML; a flat `key: value`
 * YAML map is accepted too. Null values become empty strings (which delete the key).
 */
export function parseSettingsFile(text: string, what: string): Record<string, string> {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  let parsed: unknown;
  if (trimmed.startsWith('{')) {
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      throw failure(`cannot parse ${what}: ${(err as Error).message}`);
    }
  } else {
    const map: Record<string, string> = {};
    for (const line of trimmed.split('\n')) {
      if (line.trim() === '' || line.trim().startsWith('#')) continue;
      const match = /^([^:]+):\s*(.*)$/.exec(line);
      if (!match) throw failure(`cannot parse ${what}: yaml: line is not "key: value"`);
      map[match[1]!.trim()] = match[2]!.replace(/^(['"])(.*)\1$/, '$2');
    }
    parsed = map;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw failure(`cannot parse ${what}: expected a map`);
  }
  const settings: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (value !== null && typeof value === 'object') {
      throw failure(`cannot parse ${what}: value for "${key}" is not a string`);
    }
    settings[key] = value === null ? '' : String(value);
  }
  return settings;
}

/** Inline `key=value` arguments, which override keys of `--file`. */
export function parseKeyValues(positional: string[]): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const arg of positional) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw usage(`expected "key=value", got "${arg}"`);
    settings[arg.slice(0, eq)] = arg.slice(eq + 1);
  }
  return settings;
}
