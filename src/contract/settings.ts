// Every setting, once: the config option it comes from (if any), the environment name
// the worker gets it by, its config.yaml type and default, how its text is read, whether
// it is secret, and who reads it. The charm checks config and renders the worker's
// environment and secrets file from this table; the worker reads its settings with it;
// the trigger reads a config.yml with it; a test holds config.yaml, config.yml.template
// and the Terraform variables to it. Adding a setting is one entry here plus its use.
import { HEALTH_PORT, PROMETHEUS_PORT, WORKER_HOME, WORKFLOWS_METRICS_PORT } from './container';
import * as rules from './setting-rules';
import { InvalidSetting, type Rule } from './setting-rules';

/** Who reads a setting: the charm (from config-get), the worker (from its environment), `npm run trigger` (from config.yml). */
export type Reader = 'charm' | 'worker' | 'trigger';
export type OptionType = 'string' | 'boolean' | 'float';
export type ConfigValue = string | number | boolean;

export interface SettingSpec<T = unknown> {
  /** The config.yaml option; absent for what the charm works out itself (paths, ports, restart triggers). */
  option?: string;
  /** The environment variable the worker reads. */
  env: string;
  /** config.yaml's type (options only). */
  type?: OptionType;
  /** config.yaml's default; for other settings, what an unset variable means. */
  default: ConfigValue;
  rule: Rule<T>;
  /** The charm blocks while it is empty; the worker refuses to start. */
  required?: boolean;
  /** Goes to the 0600 secrets file, never the layer, a log or a status. */
  secret?: boolean;
  /** Set for the options an auth provider needs: all of them, when `auth-provider` names it. */
  authProvider?: string;
  readers: readonly Reader[];
  /** The longest text accepted, in bytes (default DEFAULT_MAX_BYTES); checked before the rule reads it. */
  maxBytes?: number;
  /**
   * Handed to the worker in a file of the container, named by `<env>_FILE` in the layer,
   * not in the layer environment: Linux caps one environment string at 128 KiB (SECURITY.md, item 7).
   */
  file?: true;
}

/** The bound of a setting without its own `maxBytes`: keeps every layer variable far below 128 KiB. */
export const DEFAULT_MAX_BYTES = 16 * 1024;

/** Every setting's variable starts so; the env-file may not use such names. */
export const RESERVED_ENV_PREFIX = 'TWC_';

const ALL: readonly Reader[] = ['charm', 'worker', 'trigger'];
const WORKER: readonly Reader[] = ['charm', 'worker'];
const CHARM: readonly Reader[] = ['charm'];

type OptionInput = Omit<SettingSpec, 'option' | 'env' | 'type' | 'default'> & {
  type?: OptionType;
  default?: ConfigValue;
};

/** `log-level` → `TWC_LOG_LEVEL`, as the Python charm named them. */
function option<const S extends OptionInput>(
  name: string,
  input: S,
): S & { option: string; env: string; type: OptionType; default: S extends { default: infer D } ? D : '' } {
  return {
    type: 'string',
    default: '',
    ...input,
    option: name,
    env: `${RESERVED_ENV_PREFIX}${name.toUpperCase().replace(/-/g, '_')}`,
  } as S & {
    option: string;
    env: string;
    type: OptionType;
    default: S extends { default: infer D } ? D : '';
  };
}

/** A setting the charm works out and hands to the worker (or keeps in the layer to restart it). */
function derived<const S extends Omit<SettingSpec, 'env' | 'option' | 'type'>>(
  env: string,
  input: S,
): S & { env: string } {
  return { ...input, env };
}

const unset = { default: '' } as const;

export const SETTINGS = {
  logLevel: option('log-level', { default: 'info', rule: rules.logLevel, readers: WORKER }),
  host: option('host', { rule: rules.temporalHost, required: true, readers: ALL }),
  namespace: option('namespace', { rule: rules.noSpaces, required: true, readers: ALL }),
  queue: option('queue', { rule: rules.noSpaces, required: true, readers: ALL }),
  supportedWorkflows: option('supported-workflows', {
    default: 'all',
    rule: rules.nameSelection('workflow'),
    required: true,
    readers: WORKER,
  }),
  supportedActivities: option('supported-activities', {
    default: 'all',
    rule: rules.nameSelection('activity'),
    required: true,
    readers: WORKER,
  }),
  workflowsFileName: option('workflows-file-name', { rule: rules.fileName, readers: CHARM }),
  encryptionKey: option('encryption-key', { rule: rules.aesKey, secret: true, readers: ALL }),
  authProvider: option('auth-provider', {
    rule: {
      expect: "must be empty, 'google' or 'candid'",
      read: (value: string) => {
        if (value !== 'google' && value !== 'candid') throw new InvalidSetting();
        return value;
      },
    },
    readers: ALL,
  }),
  // A Juju user secret whose keys (AUTH_SECRET_OPTIONS) override those options, as the Python
  // charm's HEAD reads it (docs/temporal-interop.md §5.2); src/charm/user-secrets.ts.
  authSecretId: option('auth-secret-id', { rule: rules.secretUri, readers: CHARM }),
  tlsRootCas: option('tls-root-cas', {
    rule: rules.pemCertificates,
    readers: ALL,
    maxBytes: 8 * 1024 * 1024,
    file: true,
  }),
  candidUrl: option('candid-url', { rule: rules.httpUrl, authProvider: 'candid', readers: ALL }),
  candidUsername: option('candid-username', { rule: rules.text, authProvider: 'candid', readers: ALL }),
  candidPublicKey: option('candid-public-key', {
    rule: rules.bakeryKey,
    authProvider: 'candid',
    readers: ALL,
  }),
  candidPrivateKey: option('candid-private-key', {
    rule: rules.bakeryKey,
    secret: true,
    authProvider: 'candid',
    readers: ALL,
  }),
  oidcAuthType: option('oidc-auth-type', {
    default: 'service_account',
    rule: rules.text,
    authProvider: 'google',
    readers: ALL,
  }),
  oidcProjectId: option('oidc-project-id', { rule: rules.text, authProvider: 'google', readers: ALL }),
  oidcPrivateKeyId: option('oidc-private-key-id', { rule: rules.text, authProvider: 'google', readers: ALL }),
  oidcPrivateKey: option('oidc-private-key', {
    rule: rules.pemPrivateKey,
    secret: true,
    authProvider: 'google',
    readers: ALL,
  }),
  oidcClientEmail: option('oidc-client-email', { rule: rules.email, authProvider: 'google', readers: ALL }),
  oidcClientId: option('oidc-client-id', { rule: rules.text, authProvider: 'google', readers: ALL }),
  oidcAuthUri: option('oidc-auth-uri', { rule: rules.httpUrl, authProvider: 'google', readers: ALL }),
  oidcTokenUri: option('oidc-token-uri', { rule: rules.httpUrl, authProvider: 'google', readers: ALL }),
  oidcAuthCertUrl: option('oidc-auth-cert-url', {
    rule: rules.httpUrl,
    authProvider: 'google',
    readers: ALL,
  }),
  oidcClientCertUrl: option('oidc-client-cert-url', {
    rule: rules.httpUrl,
    authProvider: 'google',
    readers: ALL,
  }),
  // The charm renders these as HTTP_PROXY/http_proxy etc., which the worker reads (worker-environment.ts).
  httpProxy: option('http-proxy', { rule: rules.proxyUrl, readers: CHARM }),
  httpsProxy: option('https-proxy', { rule: rules.proxyUrl, readers: CHARM }),
  noProxy: option('no-proxy', { rule: rules.hostList, readers: CHARM }),
  // YAML `env:` values and `juju:` secret references for the activities (docs/temporal-interop.md
  // §5.4); src/charm/environment-option.ts. Secret: its values may be.
  environment: option('environment', {
    rule: rules.text,
    secret: true,
    readers: CHARM,
    maxBytes: 1024 * 1024,
  }),
  sentryDsn: option('sentry-dsn', { rule: rules.httpUrl, secret: true, readers: WORKER }),
  sentryRelease: option('sentry-release', { rule: rules.text, readers: WORKER }),
  sentryEnvironment: option('sentry-environment', { rule: rules.text, readers: WORKER }),
  sentryRedactParams: option('sentry-redact-params', {
    type: 'boolean',
    default: false,
    rule: rules.boolean,
    readers: WORKER,
  }),
  sentrySampleRate: option('sentry-sample-rate', {
    type: 'float',
    default: 1.0,
    rule: rules.sampleRate,
    readers: WORKER,
  }),
  // The database asked of a related postgresql_client provider (src/charm/relations/database.ts).
  dbName: option('db-name', { rule: rules.noSpaces, readers: CHARM }),
  // The OciFactoryNoEventProcessed alert's period (src/charm/cos/alert-rules.ts).
  noEventAlertPeriod: option('no-event-alert-period', { default: '7d', rule: rules.period, readers: CHARM }),

  secretsFile: derived('TWC_SECRETS_FILE', { ...unset, rule: rules.text, readers: WORKER }),
  workflowsDir: derived('TWC_WORKFLOWS_DIR', {
    default: `${WORKER_HOME}/workflows`,
    rule: rules.text,
    readers: WORKER,
  }),
  statusFile: derived('TWC_STATUS_FILE', { ...unset, rule: rules.text, readers: WORKER }),
  healthPort: derived('TWC_HEALTH_PORT', { default: HEALTH_PORT, rule: rules.port, readers: WORKER }),
  /** 0 turns the metrics endpoint off. */
  prometheusPort: derived('TWC_PROMETHEUS_PORT', {
    default: PROMETHEUS_PORT,
    rule: rules.port,
    readers: WORKER,
  }),
  /** 0 turns it off. */
  workflowsMetricsPort: derived('TWC_WORKFLOWS_METRICS_PORT', {
    default: WORKFLOWS_METRICS_PORT,
    rule: rules.port,
    readers: WORKER,
  }),
  /** All interfaces, for the Prometheus scrape (both metrics ports); tests bind loopback. */
  prometheusBindAddress: derived('TWC_PROMETHEUS_BIND_ADDRESS', {
    default: '0.0.0.0',
    rule: rules.text,
    readers: WORKER,
  }),
  // Restart triggers: content digests in the layer, so Pebble restarts the worker when they change.
  runtimeHash: derived('TWC_RUNTIME_HASH', { ...unset, rule: rules.text, readers: CHARM }),
  workflowsHash: derived('TWC_WORKFLOWS_HASH', { ...unset, rule: rules.text, readers: CHARM }),
  secretsHash: derived('TWC_SECRETS_HASH', { ...unset, rule: rules.text, readers: CHARM }),
} as const satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof SETTINGS;
export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

type ValueOf<S> = S extends { rule: Rule<infer T> } ? T : never;
/** Settings that always have a value: required ones, and those with a default. */
type DefinedKey = {
  [K in SettingKey]: (typeof SETTINGS)[K] extends { required: true }
    ? K
    : (typeof SETTINGS)[K] extends { default: '' }
      ? never
      : K;
}[SettingKey];
/** Every setting's value; `undefined` where the text is empty. */
export type Settings = { -readonly [K in SettingKey]: ValueOf<(typeof SETTINGS)[K]> | undefined } & {
  -readonly [K in DefinedKey]: ValueOf<(typeof SETTINGS)[K]>;
};

/** The keys of the settings that are config options, in config.yaml's order. */
export const OPTION_KEYS = SETTING_KEYS.filter((key) => spec(key).option !== undefined);
/** Every config option name, in config.yaml's order. */
export const OPTION_NAMES = OPTION_KEYS.map((key) => spec(key).option!);

export function spec(key: SettingKey): SettingSpec {
  return SETTINGS[key];
}

/** The key of a config option name, or undefined. */
export function keyOfOption(name: string): SettingKey | undefined {
  return OPTION_KEYS.find((key) => spec(key).option === name);
}

/**
 * The options a Juju user secret named by `auth-secret-id` may supply, by the same key names
 * (the Python charm's AUTH_SECRET_PARAMETERS, docs/temporal-interop.md §5.2).
 */
export const AUTH_SECRET_OPTIONS: readonly string[] = [
  'encryption-key',
  'auth-provider',
  ...OPTION_KEYS.filter((key) => spec(key).authProvider).map((key) => spec(key).option!),
];

/** The options the auth provider `name` needs. */
export function authProviderOptions(name: string): SettingKey[] {
  return OPTION_KEYS.filter((key) => spec(key).authProvider === name);
}

/** What went wrong with one setting. Never holds the value. */
export interface SettingProblem {
  key: SettingKey;
  kind: 'missing' | 'invalid';
  reason: string;
  /** Set when the setting is missing because `auth-provider` names this provider. */
  provider?: string;
}

export type SettingsResult = { ok: true; settings: Settings } | { ok: false; problems: SettingProblem[] };

/** A value as the reader has it: config-get's JSON value, an environment string, a YAML scalar; null/undefined = unset. */
export type RawValue = ConfigValue | null | undefined;

function typeMatches(type: OptionType, value: ConfigValue): boolean {
  if (type === 'boolean') return typeof value === 'boolean';
  if (type === 'float') return typeof value === 'number';
  return typeof value === 'string';
}

/** The text of a config value as the worker receives it (`true`, `0.5`, …). */
export function settingText(value: ConfigValue): string {
  return typeof value === 'string' ? value : String(value);
}

/**
 * Reads every setting from `valueOf` (unset ones take their default). `typed`: values come
 * from config-get, whose JSON types must match config.yaml's; otherwise every value is text.
 */
export function readSettings(valueOf: (key: SettingKey) => RawValue, typed = false): SettingsResult {
  const settings = {} as Record<SettingKey, unknown>;
  const problems: SettingProblem[] = [];
  for (const key of SETTING_KEYS) {
    const setting = spec(key);
    const raw = valueOf(key) ?? setting.default;
    if (typed && setting.type && !typeMatches(setting.type, raw)) {
      problems.push({ key, kind: 'invalid', reason: setting.rule.expect });
      continue;
    }
    const text = settingText(raw);
    const maxBytes = setting.maxBytes ?? DEFAULT_MAX_BYTES;
    // text.length ≤ bytes ≤ 3 × text.length: count the bytes only when it can matter.
    if (text.length > maxBytes / 3 && Buffer.byteLength(text) > maxBytes) {
      problems.push({ key, kind: 'invalid', reason: `is larger than ${describeBytes(maxBytes)}` });
      continue;
    }
    if (text.trim() === '') {
      settings[key] = undefined;
      if (setting.required) problems.push({ key, kind: 'missing', reason: 'is required' });
      // An option emptied where config.yaml has a default is no value the rule allows (an auth
      // provider's options are reported below, as missing for it).
      else if (setting.option && !setting.authProvider && settingText(setting.default) !== '') {
        problems.push({ key, kind: 'invalid', reason: setting.rule.expect });
      }
      continue;
    }
    try {
      settings[key] = setting.rule.read(text);
    } catch (error) {
      if (!(error instanceof InvalidSetting)) throw error;
      problems.push({ key, kind: 'invalid', reason: error.reason ?? setting.rule.expect });
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  const provider = settings.authProvider as string | undefined;
  if (provider !== undefined) {
    const missing = authProviderOptions(provider).filter((key) => settings[key] === undefined);
    if (missing.length > 0) {
      return {
        ok: false,
        problems: missing.map((key) => ({
          key,
          kind: 'missing' as const,
          reason: `is required by auth-provider '${provider}'`,
          provider,
        })),
      };
    }
  }
  return { ok: true, settings: settings as Settings };
}

function describeBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / 1024 / 1024} MiB` : `${bytes / 1024} KiB`;
}

/** The variable that names the file a `file` setting is handed over in: `TWC_TLS_ROOT_CAS_FILE`. */
export function fileEnv(key: SettingKey): string {
  return `${spec(key).env}_FILE`;
}

/** Reads the options in `values`, by config.yaml name; every other setting takes its default. */
export function readOptions(values: Record<string, RawValue>, typed = false): SettingsResult {
  return readSettings((key) => {
    const name = spec(key).option;
    return name === undefined ? undefined : values[name];
  }, typed);
}

/** The name a problem is reported under: the option for options, the variable otherwise. */
export function settingName(key: SettingKey): string {
  return spec(key).option ?? spec(key).env;
}

/** The charm's blocked message: "missing config: a, b; invalid config: c must …". */
export function describeConfigProblems(problems: SettingProblem[]): string {
  const names = (list: SettingProblem[]) => list.map((problem) => settingName(problem.key)).join(', ');
  const missing = problems.filter((problem) => problem.kind === 'missing' && !problem.provider);
  const invalid = problems.filter((problem) => problem.kind === 'invalid');
  const forProvider = problems.filter((problem) => problem.provider);
  const parts: string[] = [];
  if (missing.length > 0) parts.push(`missing config: ${names(missing)}`);
  if (invalid.length > 0) {
    parts.push(`invalid config: ${invalid.map((p) => `${settingName(p.key)} ${p.reason}`).join('; ')}`);
  }
  if (forProvider.length > 0) {
    parts.push(`missing config for auth-provider '${forProvider[0]!.provider}': ${names(forProvider)}`);
  }
  return parts.join('; ');
}

/** The worker's and the trigger's message: "TWC_HOST: host is required; …". */
export function describeEnvironmentProblems(problems: SettingProblem[]): string {
  const missingFirst = [...problems].sort(
    (a, b) => Number(b.kind === 'missing') - Number(a.kind === 'missing'),
  );
  return missingFirst
    .map((problem) => `${spec(problem.key).env}: ${settingName(problem.key)} ${problem.reason}`)
    .join('; ');
}
