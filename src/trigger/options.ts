// The trigger command's options: flags first, then the config.yml given with --config,
// then defaults. Files named by flags (CA bundle, key, credentials) are read here so that
// everything after this module works on values. Messages never hold a secret value.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseHost, type TemporalAddress } from '../worker/config';
import { DEFAULT_TEMPORAL_PORT } from '../workload/temporal-host';
import { APPLICATION_KEY, parseConfigFile, type ClientSettings } from './config-file';

export const WORKFLOW_TYPE = 'ConsumeEventsWorkflow';
export const DEFAULT_NAMESPACE = 'default';

/** The Google service-account fields temporal-lib-py hands to google-auth (temporal-interop.md §1.1). */
export interface GoogleServiceAccount {
  type: string;
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  auth_uri: string;
  token_uri: string;
  auth_provider_x509_cert_url: string;
  client_x509_cert_url: string;
}

export type TriggerAuth = { provider: 'none' } | { provider: 'google'; serviceAccount: GoogleServiceAccount };

export interface TriggerTls {
  /** PEM text of the CA bundle the server's certificate must chain to; the system's CAs when absent. */
  serverRootCACertificate?: Buffer;
  /** The host part of the address, as temporal-lib-py sets `domain`, unless --tls-server-name says otherwise. */
  serverNameOverride: string;
}

export interface TriggerOptions {
  topic: string;
  group: string;
  /** `host:port` */
  address: string;
  namespace: string;
  queue: string;
  workflowId: string;
  wait: boolean;
  tls?: TriggerTls;
  /** Base64 AES key, as the charm's `encryption-key`: a secret. */
  encryptionKey?: string;
  auth: TriggerAuth;
}

export class UsageError extends Error {}

export const USAGE = `Usage: npm run trigger -- --topic TOPIC --group GROUP [options]

Starts ${WORKFLOW_TYPE}(TOPIC, GROUP) on a task queue, like
  tctl workflow execute --type ${WORKFLOW_TYPE} --input TOPIC --input GROUP

Options (a flag wins over --config; --config wins over the defaults):
  --topic TOPIC                Kafka topic to consume (required)
  --group GROUP                Kafka consumer group (required)
  --config FILE                a \`juju config --file\` config.yml (key ${APPLICATION_KEY}): reads host,
                               namespace, queue, tls-root-cas, encryption-key, auth-provider, oidc-*
  --address HOST[:PORT]        Temporal frontend (default: config host, else localhost:${DEFAULT_TEMPORAL_PORT})
  --namespace NAME             Temporal namespace (default: config namespace, else '${DEFAULT_NAMESPACE}')
  --queue NAME                 task queue (default: config queue; required from one of them)
  --workflow-id ID             workflow id (default: consume-events-TOPIC-GROUP)
  --wait                       follow the workflow through its runs until it closes or Ctrl-C
  --tls                        TLS with the system's CAs (plaintext unless a TLS option is given)
  --tls-root-cas FILE          PEM CA bundle; turns TLS on (default: config tls-root-cas)
  --tls-server-name NAME       TLS server name; turns TLS on (default: the address's host)
  --encryption-key-file FILE   base64 AES key for payload encryption (default: config encryption-key)
  --auth google|none           authentication (default: config auth-provider, else none)
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

/** The worker's own reading of `host` (`name` → `name:7233`, `[v6]:port`), as a usage error. */
function parseAddress(address: string): TemporalAddress {
  try {
    return parseHost(address);
  } catch (error) {
    throw new UsageError(`--address/host: ${(error as Error).message}`);
  }
}

const SERVICE_ACCOUNT_DEFAULTS: Pick<
  GoogleServiceAccount,
  'type' | 'auth_uri' | 'token_uri' | 'auth_provider_x509_cert_url'
> = {
  type: 'service_account',
  auth_uri: 'https://accounts.google.com/o/oauth2/auth',
  token_uri: 'https://oauth2.googleapis.com/token',
  auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
};

// config.yaml's oidc-* keys → the service-account JSON fields (temporal-interop.md §1.1).
const OIDC_FIELDS: Record<keyof GoogleServiceAccount, keyof ClientSettings> = {
  type: 'oidc-auth-type',
  project_id: 'oidc-project-id',
  private_key_id: 'oidc-private-key-id',
  private_key: 'oidc-private-key',
  client_email: 'oidc-client-email',
  client_id: 'oidc-client-id',
  auth_uri: 'oidc-auth-uri',
  token_uri: 'oidc-token-uri',
  auth_provider_x509_cert_url: 'oidc-auth-cert-url',
  client_x509_cert_url: 'oidc-client-cert-url',
};

const REQUIRED_FOR_TOKEN: (keyof GoogleServiceAccount)[] = ['client_email', 'private_key', 'private_key_id'];

function serviceAccountFromJson(text: string, file: string): Partial<GoogleServiceAccount> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`the credentials file ${file} is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new UsageError(`the credentials file ${file} must hold a JSON object`);
  }
  const fields: Partial<GoogleServiceAccount> = {};
  for (const field of Object.keys(OIDC_FIELDS) as (keyof GoogleServiceAccount)[]) {
    const value = (parsed as Record<string, unknown>)[field];
    if (typeof value === 'string' && value !== '') fields[field] = value;
  }
  return fields;
}

function serviceAccountFromSettings(settings: ClientSettings): Partial<GoogleServiceAccount> {
  const fields: Partial<GoogleServiceAccount> = {};
  for (const [field, key] of Object.entries(OIDC_FIELDS) as [
    keyof GoogleServiceAccount,
    keyof ClientSettings,
  ][]) {
    const value = settings[key];
    if (value !== undefined) fields[field] = value;
  }
  return fields;
}

function googleAuth(
  settings: ClientSettings,
  credentialsFile: string | undefined,
  readFile: ReadFile,
): TriggerAuth {
  const fields = credentialsFile
    ? serviceAccountFromJson(
        readNamedFile(readFile, credentialsFile, 'the credentials file'),
        credentialsFile,
      )
    : serviceAccountFromSettings(settings);
  const missing = REQUIRED_FOR_TOKEN.filter((field) => !fields[field]);
  if (missing.length > 0) {
    const from = credentialsFile
      ? `the credentials file ${credentialsFile}`
      : `the config (${missing.map((field) => OIDC_FIELDS[field]).join(', ')})`;
    throw new UsageError(`--auth google needs ${missing.join(', ')}: missing from ${from}`);
  }
  const serviceAccount: GoogleServiceAccount = {
    ...SERVICE_ACCOUNT_DEFAULTS,
    project_id: '',
    client_id: '',
    client_x509_cert_url: '',
    ...fields,
  } as GoogleServiceAccount;
  return { provider: 'google', serviceAccount };
}

function authFrom(
  requested: string | undefined,
  settings: ClientSettings,
  credentialsFile: string | undefined,
  readFile: ReadFile,
): TriggerAuth {
  const provider = requested ?? settings['auth-provider'] ?? 'none';
  switch (provider) {
    case 'none':
      return { provider: 'none' };
    case 'google':
      return googleAuth(settings, credentialsFile, readFile);
    case 'candid':
      throw new UsageError(
        'auth-provider candid is not supported by the trigger command: use --auth google or none',
      );
    default:
      throw new UsageError(`--auth must be 'google' or 'none', not '${provider}'`);
  }
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
  let settings: ClientSettings = {};
  if (values.config !== undefined) {
    const text = readNamedFile(readFile, values.config, 'the config file');
    try {
      settings = parseConfigFile(text, values.config);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }

  const { address, hostname } = parseAddress(
    values.address ?? settings.host ?? `localhost:${DEFAULT_TEMPORAL_PORT}`,
  );
  const namespace = values.namespace ?? settings.namespace ?? DEFAULT_NAMESPACE;
  const queue = values.queue ?? settings.queue;
  if (queue === undefined || queue === '') {
    throw new UsageError('--queue is required (or `queue` in the --config file)');
  }

  const rootCas = values['tls-root-cas']
    ? readNamedFile(readFile, values['tls-root-cas'], 'the CA bundle')
    : settings['tls-root-cas'];
  if (rootCas !== undefined && !rootCas.includes('-----BEGIN CERTIFICATE-----')) {
    throw new UsageError('tls-root-cas must hold PEM certificates');
  }
  const tlsWanted = rootCas !== undefined || values.tls === true || values['tls-server-name'] !== undefined;
  const tls: TriggerTls | undefined = tlsWanted
    ? {
        ...(rootCas === undefined ? {} : { serverRootCACertificate: Buffer.from(rootCas) }),
        serverNameOverride: values['tls-server-name'] ?? hostname,
      }
    : undefined;

  const encryptionKey = values['encryption-key-file']
    ? readNamedFile(readFile, values['encryption-key-file'], 'the encryption key file').trim()
    : settings['encryption-key'];

  return {
    topic,
    group,
    address,
    namespace,
    queue,
    workflowId: values['workflow-id'] ?? `consume-events-${topic}-${group}`,
    wait: values.wait ?? false,
    ...(tls ? { tls } : {}),
    ...(encryptionKey ? { encryptionKey } : {}),
    auth: authFrom(values.auth, settings, values['oidc-credentials-file'], readFile),
  };
}
