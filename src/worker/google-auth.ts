// auth-provider `google`: the OAuth2 access token temporal-lib-py gets from a
// service account (JWT-bearer grant, scopes "email profile openid"), sent as
// `authorization: Bearer <token>` and renewed before it expires.
import type { JWT } from 'google-auth-library';
import type { GoogleAuthSettings } from './config';

export const OIDC_SCOPES = ['email', 'profile', 'openid'];
// google-auth-library always posts the grant here; the JWT's `aud` stays this
// value (as in google-auth for Python) even when oidc-token-uri differs.
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

export interface AccessToken {
  token: string;
  expiresAt: number;
}

export class GoogleAccessTokens {
  private readonly client: JWT;

  constructor(settings: GoogleAuthSettings) {
    // Loaded only for auth-provider google, to keep the worker's start fast.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { JWT: JwtClient } = require('google-auth-library') as typeof import('google-auth-library');
    this.client = new JwtClient({
      email: settings.clientEmail,
      key: settings.privateKey,
      keyId: settings.privateKeyId,
      scopes: OIDC_SCOPES,
      // Any token we hold is renewed when it has less than this left.
      eagerRefreshThresholdMillis: 5 * 60_000,
    });
    if (settings.tokenUri !== GOOGLE_TOKEN_URL) {
      // The library has no token-URI option; its transporter's request
      // interceptors are the supported seam to send the grant elsewhere.
      const tokenUri = settings.tokenUri;
      this.client.transporter.interceptors.request.add({
        resolved: async (options) => {
          if (String(options.url) === GOOGLE_TOKEN_URL) options.url = new URL(tokenUri);
          return options;
        },
      });
    }
  }

  /** A new token (the previous one is about to expire or there is none). */
  async fetch(): Promise<AccessToken> {
    const credentials = await this.client.authorize();
    if (!credentials.access_token) throw new Error('the token endpoint returned no access_token');
    return {
      token: credentials.access_token,
      expiresAt: credentials.expiry_date ?? Date.now() + 3600_000,
    };
  }
}

/**
 * When to fetch the next token: 5 minutes before expiry for hour-long tokens
 * (temporal-lib-py renews every 55 minutes), a fifth of the lifetime before
 * expiry for short ones, never sooner than a second from now.
 */
export function refreshDelay(expiresAt: number, now = Date.now()): number {
  const lifetime = expiresAt - now;
  return Math.max(1000, lifetime - Math.min(5 * 60_000, lifetime / 5));
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
