// The trigger command's options: flags first, then the config.yml given with --config,
// then defaults, read into settings by the same table as the charm and the worker.
// Files named by flags (CA bundle, key, credentials) are read here so that everything
// after this module works on values. Messages never hold a secret value.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { authProviderOptions, readOptions, spec, type Settings } from '../contract/settings';
import { temporalAccess, type TlsOptions } from '../temporal/access';
import { SERVICE_ACCOUNT_FIELDS } from '../temporal/auth/google';
import { unsupportedAuthProvider } from '../temporal/auth/providers';
import { DEFAULT_TEMPORAL_PORT } from '../temporal/host';
import { APPLICATION_KEY, CLIENT_OPTION_KEYS, parseConfigFile, type ClientOptions } from './config-file';

export const WORKFLOW_TYPE = 'ConsumeEventsWorkflow';
export const DEFAULT_NAMESPACE = 'default';
export const DEFAULT_ADDRESS = `localhost:${DEFAULT_TEMPORAL_PORT}`;

export interface TriggerOptions {
  topic: string;
  group: string;
  workflowId: string;
  wait: boolean;
  /** Host, namespace, queue, TLS, encryption key and auth, as the worker reads them. */
  settings: Settings;
  /** Where it connects: the port of a host without one follows TLS (src/temporal/access.ts). */
  address: string;
  tls: TlsOptions | false;
}

export class UsageError extends Error {}

export const USAGE = `Usage: npm run trigger -- --topic TOPIC --group GROUP [options]

Starts ${WORKFLOW_TYPE}(TOPIC, GROUP) on a task queue, like
  tctl workflow execute --type ${WORKFLOW_TYPE} --input TOPIC --input GROUP

Options (a flag wins over --config; --config wins over the defaults):
  --topic TOPIC                Kafka topic to consume (required)
  --group GROUP                Kafka consumer group (required)
  --config FILE                a \`juju config --file\` config.yml (key ${APPLICATION_KEY}): reads host,
                               namespace, queue, tls-root-cas, encryption-key, auth-provider,
                               oidc-*, candid-*
  --address HOST[:PORT]        Temporal frontend; without a port, 443 with TLS and 80 without, as
                               temporal-lib-py (default: config host, else ${DEFAULT_ADDRESS})
  --namespace NAME             Temporal namespace (default: config namespace, else '${DEFAULT_NAMESPACE}')
  --queue NAME                 task queue (default: config queue; required from one of them)
  --workflow-id ID             workflow id (default: consume-events-TOPIC-GROUP)
  --wait                       follow the workflow through its runs until it closes or Ctrl-C
  --tls                        TLS with the system's CAs (plaintext unless a TLS option is given)
  --tls-root-cas FILE          PEM CA bundle; turns TLS on (default: config tls-root-cas)
  --tls-server-name NAME       TLS server name; turns TLS on (default: the address's host)
  --encryption-key-file FILE   base64 AES key for payload encryption (default: config encryption-key)
  --auth google|candid|none    authentication, over TLS only (default: config auth-provider, else none)
  --oidc-credentials-file FILE Google service-account JSON for --auth google (default: config oidc-*)
  --help                       this text
`;

const FLAGS = {
  topic: { type: 'string' },
  group: { type: 'string' },
  config: { type: 'string' },
  address: { type: 'string' },
  namespace: { type: 'string' },
  queue: { type: 'string' },
  'workflow-id': { type: 'string' },
  wait: { type: 'boolean' },
  tls: { type: 'boolean' },
  'tls-root-cas': { type: 'string' },
  'tls-server-name': { type: 'string' },
  'encryption-key-file': { type: 'string' },
  auth: { type: 'string' },
  'oidc-credentials-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The flag that sets an option, where one does (named in usage errors). */
const OPTION_FLAGS: Record<string, string> = {
  host: '--address',
  namespace: '--namespace',
  queue: '--queue',
  'tls-root-cas': '--tls-root-cas',
  'encryption-key': '--encryption-key-file',
  'auth-provider': '--auth',
};

export type ReadFile = (file: string) => string;

const readUtf8: ReadFile = (file) => readFileSync(file, 'utf8');

function readNamedFile(readFile: ReadFile, file: string, what: string): string {
  try {
    return readFile(file);
  } catch (error) {
    throw new UsageError(
      `cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
}

/** The oidc-* options in a Google service-account JSON file. */
function serviceAccountOptions(text: string, file: string): ClientOptions {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`the credentials file ${file} is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new UsageError(`the credentials file ${file} must hold a JSON object`);
  }
  const options: ClientOptions = {};
  for (const [field, key] of Object.entries(SERVICE_ACCOUNT_FIELDS)) {
    const value = (parsed as Record<string, unknown>)[field];
    options[spec(key).option!] = typeof value === 'string' ? value : '';
  }
  return options;
}

function authProviderFlag(value: string | undefined): string | undefined {
  if (value === undefined || value === 'google' || value === 'candid') return value;
  if (value === 'none') return '';
  // A provider the charm knows but this command cannot use yet gets that said.
  const unsupported = authProviderOptions(value).length > 0 ? unsupportedAuthProvider(value) : null;
  throw new UsageError(unsupported ?? `--auth must be 'google', 'candid' or 'none', not '${value}'`);
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`${flag} is required`);
  return value;
}

/** Returns null when --help was asked for. */
export function resolveTriggerOptions(argv: string[], readFile: ReadFile = readUtf8): TriggerOptions | null {
  let values: ReturnType<
    typeof parseArgs<{ options: typeof FLAGS; strict: true; allowPositionals: false }>
  >['values'];
  try {
    ({ values } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return null;

  const topic = required(values.topic, '--topic');
  const group = required(values.group, '--group');
  let fromConfig: ClientOptions = {};
  if (values.config !== undefined) {
    const text = readNamedFile(readFile, values.config, 'the config file');
    try {
      fromConfig = parseConfigFile(text, values.config);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  const credentialsFile = values['oidc-credentials-file'];
  const fromFlags: Record<string, string | undefined> = {
    host: values.address,
    namespace: values.namespace,
    queue: values.queue,
    'tls-root-cas':
      values['tls-root-cas'] && readNamedFile(readFile, values['tls-root-cas'], 'the CA bundle'),
    'encryption-key':
      values['encryption-key-file'] &&
      readNamedFile(readFile, values['encryption-key-file'], 'the encryption key file').trim(),
    'auth-provider': authProviderFlag(values.auth),
    ...(credentialsFile
      ? serviceAccountOptions(
          readNamedFile(readFile, credentialsFile, 'the credentials file'),
          credentialsFile,
        )
      : {}),
  };
  const defaults: ClientOptions = { host: DEFAULT_ADDRESS, namespace: DEFAULT_NAMESPACE };
  const texts: ClientOptions = {};
  for (const name of CLIENT_OPTION_KEYS) {
    const text = fromFlags[name] ?? fromConfig[name] ?? defaults[name];
    if (text !== undefined) texts[name] = text;
  }
  const result = readOptions(texts);
  if (!result.ok) {
    const problem = result.problems[0]!;
    const name = spec(problem.key).option!;
    const flag = OPTION_FLAGS[name];
    if (name === 'queue' && problem.kind === 'missing') {
      throw new UsageError('--queue is required (or `queue` in the --config file)');
    }
    const from =
      problem.provider && credentialsFile ? `the credentials file ${credentialsFile}` : 'the config';
    throw new UsageError(
      problem.provider
        ? `--auth ${problem.provider} needs ${result.problems.map((p) => spec(p.key).option).join(', ')}: missing from ${from}`
        : `${flag ? `${flag}/` : ''}${name}: ${name} ${problem.reason}`,
    );
  }
  const settings = result.settings;
  const unsupported = unsupportedAuthProvider(settings.authProvider);
  if (unsupported) throw new UsageError(unsupported);
  const access = temporalAccess(settings, { force: values.tls, serverName: values['tls-server-name'] });
  // As the charm refuses it: the token or macaroon would go out in clear (SECURITY.md, item 10).
  if (settings.authProvider !== undefined && access.tls === false) {
    throw new UsageError(
      `--auth ${settings.authProvider} needs TLS (its credentials are never sent without it): ` +
        'give --tls, --tls-root-cas or --tls-server-name, or tls-root-cas in the --config file',
    );
  }
  return {
    topic,
    group,
    workflowId: values['workflow-id'] ?? `consume-events-${topic}-${group}`,
    wait: values.wait ?? false,
    settings,
    ...access,
  };
}
