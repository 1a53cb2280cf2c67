// The connection to the Temporal frontend: address, TLS as temporal-lib-py
// decides it (only when tls-root-cas is set, server name = host part), and the
// Google bearer token kept fresh with setMetadata (no reconnect, no restart).
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { WorkerConfig } from './config';
import { type AccessToken, GoogleAccessTokens, bearer, refreshDelay } from './google-auth';

export function connectionOptions(
  config: WorkerConfig,
  metadata?: Record<string, string>,
): NativeConnectionOptions {
  return {
    address: config.temporal.address,
    tls: config.tlsRootCas
      ? {
          serverRootCACertificate: Buffer.from(config.tlsRootCas),
          serverNameOverride: config.temporal.hostname,
        }
      : false,
    metadata,
  };
}

/** Fetches Google tokens and hands each new one to the connection before the last one expires. */
export class TokenRefresher {
  private timer: NodeJS.Timeout | undefined;
  private connection: NativeConnection | undefined;
  private failures = 0;
  private stopped = false;
  /** Set while the last fetch failed; health reports it. */
  lastError: string | undefined;

  constructor(
    private readonly tokens: GoogleAccessTokens,
    private readonly logger: Logger,
    private readonly onChange: () => void,
  ) {}

  /** The first token, before the connection exists; throws when it cannot be had. */
  async initial(): Promise<AccessToken> {
    try {
      const token = await this.tokens.fetch();
      this.lastError = undefined;
      return token;
    } catch (error) {
      this.lastError = `cannot get a Google access token: ${describe(error)}`;
      throw new Error(this.lastError);
    }
  }

  start(connection: NativeConnection, current: AccessToken): void {
    this.connection = connection;
    this.schedule(refreshDelay(current.expiresAt));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.refresh(), delayMs);
  }

  private async refresh(): Promise<void> {
    try {
      const token = await this.tokens.fetch();
      await this.connection!.setMetadata(bearer(token.token));
      this.failures = 0;
      const recovered = this.lastError !== undefined;
      this.lastError = undefined;
      this.logger.info(
        { expiresAt: new Date(token.expiresAt).toISOString() },
        'renewed the Google access token',
      );
      if (recovered) this.onChange();
      this.schedule(refreshDelay(token.expiresAt));
    } catch (error) {
      this.failures++;
      this.lastError = `cannot renew the Google access token: ${describe(error)}`;
      this.logger.error({ attempt: this.failures }, this.lastError);
      this.onChange();
      // temporal-lib-py backs off from 60 s to 600 s; start lower so a short blip heals fast.
      this.schedule(Math.min(600_000, 5_000 * 2 ** (this.failures - 1)));
    }
  }
}

export function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.slice(0, 300);
}
