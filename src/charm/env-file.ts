// The `env-file` resource: dotenv lines for the activities. Parsed with dotenv, plus our
// strictness: every line is blank, a comment or KEY=VALUE; the settings' names are the charm's.
// Problems name the line or the variable, never a value.
import { parse } from 'dotenv';
import { RESERVED_ENV_PREFIX } from '../contract/settings';

export type EnvFileResult = { ok: true; variables: Record<string, string> } | { ok: false; message: string };

const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;

/** Index of the line that closes a quoted value opened on `lines[start]`, or -1. */
function closingLine(lines: string[], start: number, value: string): number {
  const quote = value[0];
  if (quote !== '"' && quote !== "'" && quote !== '`') return start;
  if (value.length > 1 && value.slice(1).includes(quote)) return start;
  for (let index = start + 1; index < lines.length; index++) {
    if (lines[index]!.includes(quote)) return index;
  }
  return -1;
}

export function parseEnvFile(content: string): EnvFileResult {
  const lines = content.replace(/\r\n?/g, '\n').split('\n');
  const names: string[] = [];
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const match = ASSIGNMENT.exec(line);
    if (!match) return { ok: false, message: `env-file: line ${index + 1} is not KEY=VALUE` };
    const end = closingLine(lines, index, match[2]!);
    if (end === -1)
      return { ok: false, message: `env-file: line ${index + 1} opens a quote that never closes` };
    names.push(match[1]!);
    index = end;
  }
  const reserved = names.filter((name) => name.toUpperCase().startsWith(RESERVED_ENV_PREFIX));
  if (reserved.length > 0) {
    return {
      ok: false,
      message: `env-file: ${reserved.join(', ')}: names starting with ${RESERVED_ENV_PREFIX} are reserved for the charm`,
    };
  }
  const parsed = parse(content);
  const variables: Record<string, string> = {};
  for (const name of names) variables[name] = parsed[name] ?? '';
  return { ok: true, variables };
}
