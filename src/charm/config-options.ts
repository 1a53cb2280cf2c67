// Every config option, as config.yaml declares it (same names, types and defaults as the
// Python charm at rev 5aaa90a). A unit test keeps config.yaml and this table in step.

export type OptionType = 'string' | 'boolean' | 'float';

export interface OptionSpec {
  type: OptionType;
  default: string | boolean | number;
  /** Reaches the worker through the secrets file only, never the layer, logs or statuses. */
  secret?: boolean;
}

export const CONFIG_OPTIONS = {
  'log-level': { type: 'string', default: 'info' },
  host: { type: 'string', default: '' },
  namespace: { type: 'string', default: '' },
  queue: { type: 'string', default: '' },
  'supported-workflows': { type: 'string', default: 'all' },
  'supported-activities': { type: 'string', default: 'all' },
  'workflows-file-name': { type: 'string', default: '' },
  'encryption-key': { type: 'string', default: '', secret: true },
  'auth-provider': { type: 'string', default: '' },
  'tls-root-cas': { type: 'string', default: '' },
  'candid-url': { type: 'string', default: '' },
  'candid-username': { type: 'string', default: '' },
  'candid-public-key': { type: 'string', default: '' },
  'candid-private-key': { type: 'string', default: '', secret: true },
  'oidc-auth-type': { type: 'string', default: 'service_account' },
  'oidc-project-id': { type: 'string', default: '' },
  'oidc-private-key-id': { type: 'string', default: '' },
  'oidc-private-key': { type: 'string', default: '', secret: true },
  'oidc-client-email': { type: 'string', default: '' },
  'oidc-client-id': { type: 'string', default: '' },
  'oidc-auth-uri': { type: 'string', default: '' },
  'oidc-token-uri': { type: 'string', default: '' },
  'oidc-auth-cert-url': { type: 'string', default: '' },
  'oidc-client-cert-url': { type: 'string', default: '' },
  'http-proxy': { type: 'string', default: '' },
  'https-proxy': { type: 'string', default: '' },
  'no-proxy': { type: 'string', default: '' },
  'sentry-dsn': { type: 'string', default: '', secret: true },
  'sentry-release': { type: 'string', default: '' },
  'sentry-environment': { type: 'string', default: '' },
  'sentry-redact-params': { type: 'boolean', default: false },
  'sentry-sample-rate': { type: 'float', default: 1.0 },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof CONFIG_OPTIONS;

export const OPTION_NAMES = Object.keys(CONFIG_OPTIONS) as OptionName[];

export function isSecretOption(name: OptionName): boolean {
  const spec: OptionSpec = CONFIG_OPTIONS[name];
  return spec.secret === true;
}

export const REQUIRED_OPTIONS: OptionName[] = [
  'host',
  'namespace',
  'queue',
  'supported-workflows',
  'supported-activities',
];

export const OIDC_OPTIONS = OPTION_NAMES.filter((name) => name.startsWith('oidc-'));
export const CANDID_OPTIONS = OPTION_NAMES.filter((name) => name.startsWith('candid-'));

export const LOG_LEVELS = ['info', 'debug', 'warning', 'error', 'critical'] as const;
