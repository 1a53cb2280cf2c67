// One renewing source of the `authorization` metadata, whatever the auth provider: the
// first credentials before connecting, each next one before the last expires, backing
// off while the provider's endpoint fails. The worker hands each renewal to its
// connection (setMetadata); the trigger reads the current metadata on every call.
import { errorSummary } from '../../error-summary';

/** gRPC metadata for every call to the frontend (`authorization: …`). Secret. */
export type AuthMetadata = Record<string, string>;

export interface Credentials {
  metadata: AuthMetadata;
  /** Epoch ms. */
  expiresAt: number;
}

/**
 * A provider's failure that only a change of the named option can fix (an endpoint that
 * answers it is not one, an unknown agent, a key the server refuses): the worker stops on it
 * and the charm blocks with its message. An endpoint that does not answer is not one of these:
 * the worker retries. Never holds a secret.
 */
export class AuthSettingError extends Error {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(`${option}: ${message}`);
  }
}

/** What an auth provider implements (auth/providers.ts lists them). */
export interface TokenSource {
  /** New credentials; throws saying why none could be had (never echoing a secret). */
  fetch(): Promise<Credentials>;
}

/**
 * When to fetch the next credentials: 5 minutes before expiry for hour-long ones
 * (temporal-lib-py renews Google tokens every 55 minutes), a fifth of the lifetime before
 * expiry for short ones, never sooner than a second from now.
 */
export function refreshDelay(expiresAt: number, now = Date.now()): number {
  const lifetime = expiresAt - now;
  return Math.max(1000, lifetime - Math.min(5 * 60_000, lifetime / 5));
}

/** temporal-lib-py backs off from 60 s to 600 s; start lower so a short blip heals fast. */
export function retryDelay(failures: number): number {
  return Math.min(600_000, 5_000 * 2 ** Math.max(0, failures - 1));
}

export interface RenewalEvents {
  renewed?(credentials: Credentials): void | Promise<void>;
  failed?(error: string, failures: number): void;
}

export class RenewingAuthorization {
  private current: Credentials | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  /** The credentials an UNAUTHENTICATED answer already renewed (renewAfterRejection). */
  private rejected: Credentials | undefined;
  private renewal: Promise<void> | undefined;
  private stopped = false;
  /** Set while the last fetch failed. */
  lastError: string | undefined;

  constructor(
    private readonly source: TokenSource,
    private readonly events: RenewalEvents = {},
  ) {}

  /** The first credentials; throws when they cannot be had. Renewals follow until stop(). */
  async start(): Promise<AuthMetadata> {
    this.stopped = false;
    try {
      this.current = await this.source.fetch();
    } catch (error) {
      this.lastError = `cannot get credentials for the Temporal server: ${errorSummary(error)}`;
      throw error instanceof AuthSettingError ? error : new Error(this.lastError);
    }
    this.lastError = undefined;
    this.failures = 0;
    this.schedule(refreshDelay(this.current.expiresAt));
    return this.current.metadata;
  }

  /** The metadata to send now. */
  metadata(): AuthMetadata {
    if (!this.current) throw new Error('no credentials yet: start() first');
    return this.current.metadata;
  }

  /**
   * The server answered UNAUTHENTICATED: renew now, once per credentials (a renewal that is
   * refused again waits for the schedule). Resolves when the renewal is done.
   */
  async renewAfterRejection(): Promise<void> {
    if (this.stopped || !this.current) return;
    if (this.rejected !== this.current) {
      this.rejected = this.current;
      if (this.timer) clearTimeout(this.timer);
      this.renewal = this.renew();
    }
    await this.renewal;
  }

  /** Resolves once a renewal under way (after a rejection) is done. */
  async settled(): Promise<void> {
    await this.renewal;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.renew(), delayMs);
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    try {
      const credentials = await this.source.fetch();
      this.current = credentials;
      await this.events.renewed?.(credentials);
      this.failures = 0;
      this.lastError = undefined;
      this.schedule(refreshDelay(credentials.expiresAt));
    } catch (error) {
      this.failures++;
      this.lastError = `cannot renew the credentials for the Temporal server: ${errorSummary(error)}`;
      this.events.failed?.(this.lastError, this.failures);
      this.schedule(retryDelay(this.failures));
    }
  }
}
