// auth-provider `google`: the OAuth2 access token temporal-lib-py gets from a service
// account (JWT-bearer grant, scopes "email profile openid"), sent as
// `authorization: Bearer <token>` (docs/temporal-interop.md §1).
import type { JWT } from 'google-auth-library';
import type { Settings } from '../../contract/settings';
import type { Credentials, TokenSource } from './token-source';

export const OIDC_SCOPES = ['email', 'profile', 'openid'];
// google-auth-library always posts the grant here; the JWT's `aud` stays this value
// (as in google-auth for Python) even when oidc-token-uri differs.
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/** The service-account JSON fields temporal-lib-py hands to google-auth, by their settings (§1.1). */
export const SERVICE_ACCOUNT_FIELDS = {
  type: 'oidcAuthType',
  project_id: 'oidcProjectId',
  private_key_id: 'oidcPrivateKeyId',
  private_key: 'oidcPrivateKey',
  client_email: 'oidcClientEmail',
  client_id: 'oidcClientId',
  auth_uri: 'oidcAuthUri',
  token_uri: 'oidcTokenUri',
  auth_provider_x509_cert_url: 'oidcAuthCertUrl',
  client_x509_cert_url: 'oidcClientCertUrl',
} as const satisfies Record<string, keyof Settings>;

export function googleTokenSource(settings: Settings): TokenSource {
  // Loaded only for auth-provider google, to keep the worker's start fast.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { JWT: JwtClient } = require('google-auth-library') as typeof import('google-auth-library');
  const client: JWT = new JwtClient({
    email: settings.oidcClientEmail,
    key: settings.oidcPrivateKey,
    keyId: settings.oidcPrivateKeyId,
    scopes: OIDC_SCOPES,
    // Any token we hold is renewed when it has less than this left.
    eagerRefreshThresholdMillis: 5 * 60_000,
  });
  const tokenUri = settings.oidcTokenUri ?? GOOGLE_TOKEN_URL;
  if (tokenUri !== GOOGLE_TOKEN_URL) {
    // The library has no token-URI option; its transporter's request interceptors are
    // the supported seam to send the grant elsewhere.
    client.transporter.interceptors.request.add({
      resolved: async (options) => {
        if (String(options.url) === GOOGLE_TOKEN_URL) options.url = new URL(tokenUri);
        return options;
      },
    });
  }
  return {
    async fetch(): Promise<Credentials> {
      const credentials = await client.authorize();
      if (!credentials.access_token) throw new Error('the token endpoint returned no access_token');
      return {
        metadata: { authorization: `Bearer ${credentials.access_token}` },
        expiresAt: credentials.expiry_date ?? Date.now() + 3600_000,
      };
    },
  };
}
