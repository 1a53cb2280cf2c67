// The two files an operator writes from the project's templates: config.yml (for
// `juju config temporal-worker-k8s --file config.yml`) from config.yml.template, and the
// env-file resource from workflows/.env.template, filled in for the local components.
import { existsSync, readFileSync } from 'node:fs';
import { isMap, parseDocument, stringify } from 'yaml';
import { APPLICATION } from './unit-agent';

/**
 * Options of the template that make no sense against a local dev server (it has no TLS and
 * no auth) or would reach outside services: left out, so they keep the charm's defaults.
 */
const NOT_FOR_A_LOCAL_SERVER =
  /^(auth-provider|tls-root-cas|candid-.*|oidc-.*|sentry-.*|https?-proxy|no-proxy)$/;

export interface RenderedConfig {
  /** config.yml's text. */
  text: string;
  /** The options it sets, as `juju config --file` would apply them. */
  options: Record<string, string | number | boolean>;
  /** Template options left out (see NOT_FOR_A_LOCAL_SERVER). */
  dropped: string[];
}

/** config.yml: the template's options for the application, with `overrides` set and the remote-only ones dropped. */
export function renderConfigYml(template: string | null, overrides: Record<string, string>): RenderedConfig {
  const document = parseDocument(template ?? `${APPLICATION}: {}\n`);
  if (document.errors.length > 0) {
    throw new Error(`config.yml.template is not valid YAML: ${document.errors[0]!.message}`);
  }
  const application = document.get(APPLICATION);
  if (!isMap(application)) {
    throw new Error(`config.yml.template must hold the charm's options under '${APPLICATION}:'`);
  }
  const dropped: string[] = [];
  for (const item of [...application.items]) {
    const key = String((item.key as { value?: unknown })?.value ?? item.key);
    if (NOT_FOR_A_LOCAL_SERVER.test(key) && !(key in overrides)) {
      application.delete(key);
      dropped.push(key);
    }
  }
  for (const [key, value] of Object.entries(overrides)) application.set(key, value);
  const options = (document.toJS() as Record<string, Record<string, string | number | boolean | null>>)[
    APPLICATION
  ]!;
  return {
    text: document.toString(),
    options: Object.fromEntries(
      Object.entries(options).filter(
        (entry): entry is [string, string | number | boolean] => entry[1] !== null,
      ),
    ),
    dropped,
  };
}

function dotenvValue(value: string): string {
  return /^[^\s#"'\\]*$/.test(value) ? value : JSON.stringify(value);
}

/** The env file: the template's lines with `values` filled in, and the values it lacks appended. */
export function renderEnvFile(template: string | null, values: Record<string, string>): string {
  const pending = new Map(Object.entries(values));
  const lines = (template ?? '').split('\n').map((line) => {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line);
    const key = match?.[1];
    if (key === undefined || !pending.has(key)) return line;
    const value = pending.get(key)!;
    pending.delete(key);
    return `${key}=${dotenvValue(value)}`;
  });
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  if (pending.size > 0) {
    lines.push('', '# Set by npm run demo for its local components');
    for (const [key, value] of pending) lines.push(`${key}=${dotenvValue(value)}`);
  }
  return `${lines.join('\n')}\n`;
}

export function readTemplate(file: string): string | null {
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

/** For printing config.yml without its secrets. */
export function redactedConfig(options: Record<string, unknown>, secretKeys: string[]): string {
  const shown = Object.fromEntries(
    Object.entries(options).map(([key, value]) => [key, secretKeys.includes(key) ? '<redacted>' : value]),
  );
  return stringify({ [APPLICATION]: shown }).trimEnd();
}
