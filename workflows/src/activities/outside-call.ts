// Every call the pipeline makes to an outside service (Keystone, Swift, GitHub, the registry
// tags API, the schema registry, Mattermost) goes through `callOutside`: one timeout per attempt,
// one reading of what a failure means, one retry policy.
//
// - Transient (connection refused or reset, a timeout, HTTP 5xx, 429, a rate-limit 403): retried
//   with exponential backoff, honouring Retry-After, until the retry budget is spent; then
//   thrown as a TransientError, which the consumer never commits over (docs/oci-factory-pipeline.md §6).
//   The service is reported failing to the worker (service-status.ts) until a call to it succeeds.
// - Permanent (any other 4xx, malformed data, missing settings): thrown at once as it is.
import { STATUS_CODES } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from './error-message';
import { declareOutsideServices, recordOutsideCallFailure } from './metrics';
import { reportServiceProblem, reportServiceWorking } from './service-status';
import { timeLimit } from './time-limit';

export const OUTSIDE_SERVICES = [
  'keystone',
  'swift',
  'github',
  'registry-tags',
  'schema-registry',
  'mattermost',
] as const;
export type OutsideService = (typeof OUTSIDE_SERVICES)[number];
declareOutsideServices(OUTSIDE_SERVICES);

/** How one service is called: the per-attempt timeout and how long failures are retried. */
export interface CallPolicy {
  timeoutMs: number;
  /** Retries stop once this much time has passed since the first attempt. */
  retryBudgetMs: number;
  /** The run's (or event's) signal: aborting it stops the call and any retry at once. */
  signal?: AbortSignal;
  /** Told before each wait for a retry (the heartbeat reports it). */
  onRetry?(retry: RetryNotice): void;
}

export interface RetryNotice {
  service: OutsideService;
  what: string;
  attempt: number;
  waitMs: number;
  error: string;
}

/** An HTTP answer that is not a success, with what its classification needs. */
export class HttpStatusError extends Error {
  override readonly name = 'HttpStatusError';
  constructor(
    message: string,
    readonly status: number,
    readonly headers: Headers | Record<string, string | undefined> = {},
  ) {
    super(message);
  }
}

/** The outside service failed in a way that may pass: the event must be processed again later. */
export class TransientError extends Error {
  override readonly name = 'TransientError';
  constructor(
    message: string,
    readonly service: OutsideService | 'event-deadline',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An attempt took longer than the service's timeout. */
export class CallTimeoutError extends Error {
  override readonly name = 'CallTimeoutError';
}

export interface Classification {
  transient: boolean;
  /** From Retry-After (seconds or an HTTP date) or x-ratelimit-reset, when the answer gave one. */
  retryAfterMs?: number;
}

function header(headers: unknown, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

/** Retry-After as seconds or an HTTP date; else the rate limit's reset time when it is spent. */
export function retryAfterMs(headers: unknown, now = Date.now()): number | undefined {
  const retryAfter = header(headers, 'retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Number(retryAfter) * 1000;
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset = header(headers, 'x-ratelimit-reset');
  if (header(headers, 'x-ratelimit-remaining') === '0' && reset && /^\d+$/.test(reset)) {
    return Math.max(0, Number(reset) * 1000 - now);
  }
  return undefined;
}

/** Network-level failures of fetch (undici) and node:http: the request may succeed later. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

function networkCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
  }
  return undefined;
}

/**
 * What the worker shows of a transient failure: the same text for the same failure at every
 * attempt, whichever call of the service failed (the call, the image and the answer's body are in
 * the log).
 */
function problemOf(failure: unknown): string {
  if (failure instanceof HttpStatusError)
    return `HTTP ${failure.status} ${STATUS_CODES[failure.status] ?? ''}`.trim();
  if (failure instanceof CallTimeoutError) return 'no answer in time';
  const message = errorMessage(failure);
  const code = networkCode(failure);
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

/** What a status means: 5xx, 429 and a rate-limit 403 pass; other 4xx do not. */
export function classifyStatus(status: number, headers: unknown, body = ''): Classification {
  const after = retryAfterMs(headers);
  const rateLimited =
    status === 403 &&
    (header(headers, 'x-ratelimit-remaining') === '0' ||
      header(headers, 'retry-after') !== undefined ||
      /rate limit/i.test(body));
  if (status >= 500 || status === 429 || status === 408 || rateLimited) {
    return { transient: true, ...(after !== undefined && { retryAfterMs: after }) };
  }
  return { transient: false };
}

/** The one reading of a failed call. */
export function classify(error: unknown): Classification {
  if (
    error instanceof TransientError ||
    error instanceof CallTimeoutError ||
    error instanceof UnexpectedAnswerError
  ) {
    return { transient: true };
  }
  // Errors of a client that know what they mean (the schema registry's).
  if ((error as { transient?: unknown } | null)?.transient === true) return { transient: true };
  if (error instanceof HttpStatusError) return classifyStatus(error.status, error.headers, error.message);
  // Octokit's RequestError: status 500 when the request itself failed (no answer).
  const status = (error as { status?: unknown } | null)?.status;
  const response = (error as { response?: { headers?: unknown; data?: unknown } } | null)?.response;
  if (typeof status === 'number' && error instanceof Error && error.name === 'HttpError') {
    if (!response) return { transient: true };
    return classifyStatus(status, response.headers, JSON.stringify(response.data ?? ''));
  }
  if (networkCode(error)) return { transient: true };
  if (error instanceof TypeError && /fetch failed|terminated|other side closed/i.test(error.message)) {
    return { transient: true };
  }
  return { transient: false };
}

/** 0.5 s, 1 s, 2 s … up to 15 s, with jitter so that several workers do not retry in step. */
export function backoffMs(attempt: number, random = Math.random): number {
  const ceiling = Math.min(15_000, 500 * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Calls `attempt` with a signal that aborts at the service's timeout (or with the caller's
 * signal) until it succeeds, fails permanently, or the retry budget is spent.
 */
export async function callOutside<T>(
  service: OutsideService,
  what: string,
  policy: CallPolicy,
  attempt: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const started = Date.now();
  for (let n = 1; ; n += 1) {
    policy.signal?.throwIfAborted();
    const limit = timeLimit(policy.timeoutMs, policy.signal);
    let failure: unknown;
    try {
      const answer = await attempt(limit.signal);
      reportServiceWorking(service);
      return answer;
    } catch (error) {
      if (policy.signal?.aborted) throw error;
      failure = limit.expired
        ? new CallTimeoutError(`${what}: no answer within ${policy.timeoutMs} ms`, { cause: error })
        : error;
    } finally {
      limit.end();
    }
    const { transient, retryAfterMs: after } = classify(failure);
    recordOutsideCallFailure(
      service,
      failure instanceof CallTimeoutError ? 'timeout' : transient ? 'transient' : 'permanent',
    );
    if (!transient) throw failure;
    reportServiceProblem(service, problemOf(failure));
    const wait = Math.max(after ?? 0, backoffMs(n));
    const spent = Date.now() - started;
    if (spent + wait > policy.retryBudgetMs) {
      throw new TransientError(
        `${service}: ${what} still failing after ${n} attempts in ${Math.round(spent / 1000)} s: ${errorMessage(failure)}`,
        service,
        { cause: failure },
      );
    }
    policy.onRetry?.({ service, what, attempt: n, waitMs: wait, error: errorMessage(failure) });
    await sleep(wait, undefined, policy.signal ? { signal: policy.signal } : undefined);
  }
}

/** A fetch whose non-2xx answer is an HttpStatusError carrying the status, headers and a piece of the body. */
export async function fetchText(
  url: string,
  init: RequestInit & { signal: AbortSignal },
  describe: string,
): Promise<{ response: Response; text: string }> {
  const response = await fetch(url, init);
  const text = await response.text();
  if (!response.ok && response.status !== 304) {
    throw new HttpStatusError(
      `${describe}: HTTP ${response.status} ${text.slice(0, 200)}`,
      response.status,
      response.headers,
    );
  }
  return { response, text };
}

/**
 * A service's success answer that is not what its API sends (a proxy's HTML page …): the
 * service is not really answering, so this passes like a 5xx.
 */
export class UnexpectedAnswerError extends Error {
  override readonly name = 'UnexpectedAnswerError';
}

/** An API answer's JSON; not JSON is an UnexpectedAnswerError (transient). */
export function parseAnswer<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new UnexpectedAnswerError(`${what} is not JSON: ${text.slice(0, 120)}`);
  }
}

/** The promise, or the signal's reason as soon as it aborts (for clients that take no signal). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error as Error);
      },
    );
  });
}
