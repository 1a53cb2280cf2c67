// The event bus settings the consume activity reads from its environment (the env file),
// with the production defaults of the OCI Factory's Python workflows.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_EVENT_DEADLINE_SECONDS, DEFAULT_RETRY_BUDGET_SECONDS } from '../pipeline-settings';

export const DEFAULT_KAFKA_ADDRESS = 'kafka.staging.cs.canonical.com:9094';
export const DEFAULT_KARAPACE_URL = 'https://karapace.staging.cs.canonical.com';
/** One activity run returns after this many events or this long, whichever comes first (then continue-as-new). */
export const DEFAULT_MAX_EVENTS_PER_RUN = 100;
export const DEFAULT_MAX_RUN_SECONDS = 600;
/** Per-request timeout of the schema registry (ROCKS_EVENTBUS_KARAPACE_TIMEOUT_SECONDS). */
export const DEFAULT_REGISTRY_TIMEOUT_SECONDS = 10;

/** The real CA, when someone adds it to the package before building. */
const BUNDLED_CA_FILE = 'eventbus-ca.pem';
/** What the package ships: Canonical's event bus CA was not available (see certs/README.md). */
const PLACEHOLDER_CA_FILE = 'eventbus-ca.placeholder.pem';

export interface EventbusSettings {
  username: string;
  password: string;
  kafkaBrokers: string[];
  karapaceUrl: string;
  caPem: string;
  /** Where caPem came from, for logs. */
  caFile: string;
  caIsPlaceholder: boolean;
  maxEventsPerRun: number;
  maxRunMs: number;
  registryTimeoutMs: number;
  /** How long the registry's transient failures are retried (RETRY_BUDGET_SECONDS, shared with the pipeline). */
  retryBudgetMs: number;
  /** One event's processing deadline (EVENT_DEADLINE_SECONDS). */
  eventDeadlineMs: number;
}

export type Env = Record<string, string | undefined>;

function nonEmpty(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function required(env: Env, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set: add it to the env file (see workflows/.env.template)`);
  return value;
}

function positiveNumber(env: Env, name: string, fallback: number): number {
  const text = nonEmpty(env, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, not '${text}'`);
  return value;
}

/**
 * The package's `certs/` folder: beside the activities bundle in a built package, at the root
 * of the workflows folder (three levels above this file's folder) in the source tree.
 */
function bundledCertsDir(): string | undefined {
  let dir = __dirname;
  for (let level = 0; level < 4; level += 1) {
    const candidate = path.join(dir, 'certs');
    if (
      existsSync(path.join(candidate, PLACEHOLDER_CA_FILE)) ||
      existsSync(path.join(candidate, BUNDLED_CA_FILE))
    ) {
      return candidate;
    }
    dir = path.dirname(dir);
  }
  return undefined;
}

function eventbusCa(env: Env): { caFile: string; caIsPlaceholder: boolean } {
  const override = nonEmpty(env, 'ROCKS_EVENTBUS_CA_FILE');
  if (override) return { caFile: override, caIsPlaceholder: false };
  const certs = bundledCertsDir();
  if (!certs)
    throw new Error('the event bus CA certificate is missing from the package: set ROCKS_EVENTBUS_CA_FILE');
  const real = path.join(certs, BUNDLED_CA_FILE);
  if (existsSync(real)) return { caFile: real, caIsPlaceholder: false };
  return { caFile: path.join(certs, PLACEHOLDER_CA_FILE), caIsPlaceholder: true };
}

export function readEventbusSettings(env: Env): EventbusSettings {
  const { caFile, caIsPlaceholder } = eventbusCa(env);
  let caPem: string;
  try {
    caPem = readFileSync(caFile, 'utf8');
  } catch (err) {
    throw new Error(
      `cannot read the event bus CA certificate ${caFile} (ROCKS_EVENTBUS_CA_FILE): ${(err as Error).message}`,
    );
  }
  return {
    username: required(env, 'ROCKS_EVENTBUS_USERNAME'),
    password: required(env, 'ROCKS_EVENTBUS_PASSWORD'),
    kafkaBrokers: (nonEmpty(env, 'ROCKS_EVENTBUS_KAFKA_ADDRESS') ?? DEFAULT_KAFKA_ADDRESS)
      .split(',')
      .map((address) => address.trim())
      .filter(Boolean),
    karapaceUrl: (nonEmpty(env, 'ROCKS_EVENTBUS_KARAPACE_URL') ?? DEFAULT_KARAPACE_URL).replace(/\/+$/, ''),
    caPem,
    caFile,
    caIsPlaceholder,
    maxEventsPerRun: Math.floor(
      positiveNumber(env, 'ROCKS_EVENTBUS_MAX_EVENTS_PER_RUN', DEFAULT_MAX_EVENTS_PER_RUN),
    ),
    maxRunMs: positiveNumber(env, 'ROCKS_EVENTBUS_MAX_RUN_SECONDS', DEFAULT_MAX_RUN_SECONDS) * 1000,
    registryTimeoutMs:
      positiveNumber(env, 'ROCKS_EVENTBUS_KARAPACE_TIMEOUT_SECONDS', DEFAULT_REGISTRY_TIMEOUT_SECONDS) * 1000,
    retryBudgetMs: positiveNumber(env, 'RETRY_BUDGET_SECONDS', DEFAULT_RETRY_BUDGET_SECONDS) * 1000,
    eventDeadlineMs: positiveNumber(env, 'EVENT_DEADLINE_SECONDS', DEFAULT_EVENT_DEADLINE_SECONDS) * 1000,
  };
}
