// The worker's settings, from the environment the charm renders (`TWC_<KEY>`
// for every config key, plus the contract's ENV names). Secrets arrive in the
// same environment once secrets.ts has loaded the secrets file.
import { z } from 'zod';
import { ENV, HEALTH_PORT, PROMETHEUS_PORT, WORKFLOWS_DIR } from '../workload/contract';
import { parseTemporalHost } from '../workload/temporal-host';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error' | 'critical';

export interface TemporalAddress {
  /** `host:port` as handed to the connection. */
  address: string;
  /** The host part, used as the TLS server name like temporal-lib-py does. */
  hostname: string;
}

export interface GoogleAuthSettings {
  provider: 'google';
  clientEmail: string;
  privateKey: string;
  privateKeyId: string;
  tokenUri: string;
}

export interface SentrySettings {
  dsn: string;
  release?: string;
  environment?: string;
  sampleRate: number;
  redactParams: boolean;
}

export type Selection = 'all' | string[];

export interface WorkerConfig {
  temporal: TemporalAddress;
  namespace: string;
  queue: string;
  logLevel: LogLevel;
  tlsRootCas?: string;
  auth?: GoogleAuthSettings;
  encryptionKey?: string;
  supportedWorkflows: Selection;
  supportedActivities: Selection;
  sentry?: SentrySettings;
  workflowsDir: string;
  statusFile?: string;
  healthPort: number;
  /** undefined: metrics off. */
  prometheusPort?: number;
  prometheusBindAddress: string;
}

/** TWC_HOST (or a trigger's --address) as the connection takes it; throws naming the value. */
export function parseHost(host: string): TemporalAddress {
  const parsed = parseTemporalHost(host.trim());
  if (!parsed) throw new Error(`host '${host}' is not name[:port] with a port from 1 to 65535`);
  return { address: parsed.address, hostname: parsed.hostname };
}

/** `all` (or empty) or comma-separated names. */
export function parseSelection(value: string | undefined): Selection {
  const names = (value ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0 || names.includes('all')) return 'all';
  return [...new Set(names)];
}

const optional = z
  .string()
  .optional()
  .transform((value) => (value?.trim() ? value : undefined));
const port = (fallback: number | undefined) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return fallback;
      if (value.trim() === '' || value.trim() === '0') return undefined;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < 1 || parsed > 65535) {
        ctx.addIssue({ code: 'custom', message: `'${value}' is not a port number` });
        return z.NEVER;
      }
      return parsed;
    });

const environmentSchema = z.object({
  TWC_HOST: z.string().trim().min(1, 'host is required'),
  TWC_NAMESPACE: z.string().trim().min(1, 'namespace is required'),
  TWC_QUEUE: z.string().trim().min(1, 'queue is required'),
  TWC_LOG_LEVEL: z
    .string()
    .optional()
    .transform((value) => (value?.trim() ? value.trim().toLowerCase() : 'info'))
    .pipe(z.enum(['debug', 'info', 'warning', 'error', 'critical'])),
  TWC_TLS_ROOT_CAS: optional,
  TWC_AUTH_PROVIDER: optional,
  TWC_OIDC_CLIENT_EMAIL: optional,
  TWC_OIDC_PRIVATE_KEY: optional,
  TWC_OIDC_PRIVATE_KEY_ID: optional,
  TWC_OIDC_TOKEN_URI: optional,
  TWC_ENCRYPTION_KEY: optional,
  TWC_SUPPORTED_WORKFLOWS: optional,
  TWC_SUPPORTED_ACTIVITIES: optional,
  TWC_SENTRY_DSN: optional,
  TWC_SENTRY_RELEASE: optional,
  TWC_SENTRY_ENVIRONMENT: optional,
  TWC_SENTRY_SAMPLE_RATE: optional.pipe(
    z
      .string()
      .optional()
      .transform((value) => (value === undefined ? 1 : Number(value)))
      .pipe(z.number().min(0).max(1)),
  ),
  TWC_SENTRY_REDACT_PARAMS: optional.transform((value) => value?.trim().toLowerCase() === 'true'),
  [ENV.workflowsDir]: optional,
  [ENV.statusFile]: optional,
  [ENV.healthPort]: port(HEALTH_PORT),
  [ENV.prometheusPort]: port(PROMETHEUS_PORT),
  [ENV.prometheusBindAddress]: optional,
});

const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';

/** Throws an Error whose message names every bad setting (never its value). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid worker settings: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return {
    temporal: parseHost(e.TWC_HOST),
    namespace: e.TWC_NAMESPACE,
    queue: e.TWC_QUEUE,
    logLevel: e.TWC_LOG_LEVEL,
    tlsRootCas: e.TWC_TLS_ROOT_CAS,
    auth: authSettings(e),
    encryptionKey: e.TWC_ENCRYPTION_KEY,
    supportedWorkflows: parseSelection(e.TWC_SUPPORTED_WORKFLOWS),
    supportedActivities: parseSelection(e.TWC_SUPPORTED_ACTIVITIES),
    sentry: e.TWC_SENTRY_DSN
      ? {
          dsn: e.TWC_SENTRY_DSN,
          release: e.TWC_SENTRY_RELEASE,
          environment: e.TWC_SENTRY_ENVIRONMENT,
          sampleRate: e.TWC_SENTRY_SAMPLE_RATE,
          redactParams: e.TWC_SENTRY_REDACT_PARAMS,
        }
      : undefined,
    workflowsDir: e[ENV.workflowsDir] ?? WORKFLOWS_DIR,
    statusFile: e[ENV.statusFile],
    healthPort: e[ENV.healthPort] ?? HEALTH_PORT,
    prometheusPort: e[ENV.prometheusPort],
    prometheusBindAddress: e[ENV.prometheusBindAddress] ?? '0.0.0.0',
  };
}

function authSettings(e: z.infer<typeof environmentSchema>): GoogleAuthSettings | undefined {
  switch (e.TWC_AUTH_PROVIDER?.trim()) {
    case undefined:
      return undefined;
    case 'google': {
      const missing = (
        [
          ['oidc-client-email', e.TWC_OIDC_CLIENT_EMAIL],
          ['oidc-private-key', e.TWC_OIDC_PRIVATE_KEY],
          ['oidc-private-key-id', e.TWC_OIDC_PRIVATE_KEY_ID],
        ] as const
      )
        .filter(([, value]) => !value)
        .map(([key]) => key);
      if (missing.length > 0) {
        throw new Error(`auth-provider 'google' needs ${missing.join(', ')}`);
      }
      return {
        provider: 'google',
        clientEmail: e.TWC_OIDC_CLIENT_EMAIL!,
        privateKey: e.TWC_OIDC_PRIVATE_KEY!,
        privateKeyId: e.TWC_OIDC_PRIVATE_KEY_ID!,
        tokenUri: e.TWC_OIDC_TOKEN_URI ?? GOOGLE_TOKEN_URI,
      };
    }
    case 'candid':
      throw new Error("auth-provider 'candid' is not supported yet");
    default:
      throw new Error(`auth-provider '${e.TWC_AUTH_PROVIDER}' is not one of google, candid`);
  }
}
