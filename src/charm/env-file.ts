// The `env-file` resource: dotenv lines for the activities. Parsed with dotenv, plus our
// strictness: every line is blank, a comment or KEY=VALUE; the settings' names are the charm's;
// no control character, and no name that changes the runtime (REFUSED_ENV_NAMES).
// Problems name the line or the variable, never a value. refusedEnvName is the one check of
// names the operator hands the worker, shared with the `environment` option.
import { parse } from 'dotenv';
import { RESERVED_ENV_PREFIX } from '../contract/settings';

export type EnvFileResult = { ok: true; variables: Record<string, string> } | { ok: false; message: string };

/**
 * Names the env-file may not set, since they change the worker's runtime rather than
 * configure an activity (SECURITY.md, item 4; listed in the README's resource section).
 */
export const REFUSED_ENV_NAMES: ReadonlyArray<{ pattern: RegExp; why: string }> = [
  { pattern: /^NODE_/, why: 'names starting with NODE_ configure Node itself' },
  {
    pattern: /^(LD_|GLIBC_TUNABLES$|MALLOC_)/,
    why: 'it changes how the dynamic loader or libc runs the worker',
  },
  { pattern: /^PEBBLE(_|$)/, why: 'names starting with PEBBLE_ belong to Pebble' },
  {
    pattern: /^(HTTPS?|NO|ALL|FTP)_PROXY$/,
    why: 'proxies come from the http-proxy, https-proxy and no-proxy options',
  },
  {
    pattern: /^(PATH|HOME|USER|SHELL|IFS|ENV|BASH_ENV|TMPDIR)$/,
    why: "it changes the worker's process environment",
  },
  {
    pattern: /^(SSL_CERT_(FILE|DIR)|OPENSSL_)/,
    why: 'it changes which certificates or TLS library settings are trusted',
  },
  { pattern: /^(UV_|RUST_)/, why: "it tunes the worker's runtime (libuv, Temporal core)" },
  { pattern: /^SENTRY_/, why: 'error reporting comes from the sentry-* options' },
  { pattern: /^GOOGLE_APPLICATION_CREDENTIALS$/, why: 'Temporal auth comes from the oidc-* options' },
  {
    pattern: /^TEMPORAL_(?!WEB_URL$)/,
    why: 'the Temporal connection comes from the config (only TEMPORAL_WEB_URL is the package’s)',
  },
];

/**
 * Why the worker's environment may not take `name` from the operator (the env-file or the
 * `environment` option), or null: a runtime-changing name, or the charm's own TWC_ prefix.
 */
export function refusedEnvName(name: string): string | null {
  const upper = name.toUpperCase();
  if (upper.startsWith(RESERVED_ENV_PREFIX))
    return `names starting with ${RESERVED_ENV_PREFIX} are reserved for the charm`;
  return REFUSED_ENV_NAMES.find(({ pattern }) => pattern.test(upper))?.why ?? null;
}

/** Control characters other than tab: NUL would truncate the value, others break the worker's environment. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL_CHARACTER = /[\u0000-\u0008\u000b-\u001f\u007f]/;

/** The largest env-file the charm reads (the template is ~2 KiB); SECURITY.md, item 3. */
export const ENV_FILE_MAX_BYTES = 1024 * 1024;

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
    if (CONTROL_CHARACTER.test(lines[index]!))
      return { ok: false, message: `env-file: line ${index + 1} holds a control character` };
  }
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const match = ASSIGNMENT.exec(line);
    if (!match) return { ok: false, message: `env-file: line ${index + 1} is not KEY=VALUE` };
    const name = match[1]!;
    // TWC_ names are gathered below, into one message naming them all.
    const refused = name.toUpperCase().startsWith(RESERVED_ENV_PREFIX) ? null : refusedEnvName(name);
    if (refused) return { ok: false, message: `env-file: line ${index + 1}: ${name} is refused: ${refused}` };
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
