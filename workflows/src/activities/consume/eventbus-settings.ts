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
  /** Where caPem came from, for logs: a file, or `ROCKS_EVENTBUS_CA` (the PEM in the env file). */
  caFile: string;
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

/** The variable that holds the CA's PEM itself: a double-quoted dotenv value over several lines. */
const CA_VARIABLE = 'ROCKS_EVENTBUS_CA';

function readCaFile(caFile: string): string {
  try {
    return readFileSync(caFile, 'utf8');
  } catch (err) {
    throw new Error(
      `cannot read the event bus CA certificate ${caFile} (ROCKS_EVENTBUS_CA_FILE): ${(err as Error).message}`,
    );
  }
}

/**
 * ROCKS_EVENTBUS_CA (the PEM), else ROCKS_EVENTBUS_CA_FILE, else the real CA built into the
 * package. The placeholder the package ships verifies nothing, so it fails here, naming the
 * variable, instead of on the brokers' TLS handshake.
 */
function eventbusCa(env: Env): { caPem: string; caFile: string } {
  const pem = nonEmpty(env, CA_VARIABLE);
  if (pem) {
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
      throw new Error(
        `${CA_VARIABLE} must hold the event bus CA in PEM (-----BEGIN CERTIFICATE----- …), in double quotes over several lines`,
      );
    }
    return { caPem: `${pem}\n`, caFile: CA_VARIABLE };
  }
  const override = nonEmpty(env, 'ROCKS_EVENTBUS_CA_FILE');
  if (override) return { caPem: readCaFile(override), caFile: override };
  const certs = bundledCertsDir();
  const real = certs && path.join(certs, BUNDLED_CA_FILE);
  if (real && existsSync(real)) return { caPem: readCaFile(real), caFile: real };
  throw new Error(
    `the event bus CA is not set: put its PEM in the env file as ${CA_VARIABLE}="-----BEGIN CERTIFICATE-----…" ` +
      '(double quotes, over several lines; see workflows/.env.template). The package ships only a placeholder.',
  );
}

export function readEventbusSettings(env: Env): EventbusSettings {
  return {
    username: required(env, 'ROCKS_EVENTBUS_USERNAME'),
    password: required(env, 'ROCKS_EVENTBUS_PASSWORD'),
    ...eventbusCa(env),
    kafkaBrokers: (nonEmpty(env, 'ROCKS_EVENTBUS_KAFKA_ADDRESS') ?? DEFAULT_KAFKA_ADDRESS)
      .split(',')
      .map((address) => address.trim())
      .filter(Boolean),
    karapaceUrl: (nonEmpty(env, 'ROCKS_EVENTBUS_KARAPACE_URL') ?? DEFAULT_KARAPACE_URL).replace(/\/+$/, ''),
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
