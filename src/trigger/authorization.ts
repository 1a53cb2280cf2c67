// The `authorization` header for --auth google, from the worker's own token source
// (src/worker/google-auth.ts), so the trigger and the worker authenticate the same way.
// The token is renewed in the background for as long as --wait follows the workflow.
import { GoogleAccessTokens, refreshDelay, type AccessToken } from '../worker/google-auth';
import type { GoogleServiceAccount, TriggerOptions } from './options';
import type { AuthorizationSource } from './start';

const RETRY_AFTER_FAILURE_MS = 60_000;

export function accessTokensFor(serviceAccount: GoogleServiceAccount): GoogleAccessTokens {
  return new GoogleAccessTokens({
    provider: 'google',
    clientEmail: serviceAccount.client_email,
    privateKey: serviceAccount.private_key,
    privateKeyId: serviceAccount.private_key_id,
    tokenUri: serviceAccount.token_uri,
  });
}

export async function renewingAuthorization(
  tokens: Pick<GoogleAccessTokens, 'fetch'>,
  onRenewalFailure: (error: unknown) => void,
): Promise<AuthorizationSource> {
  let current: AccessToken = await tokens.fetch();
  let timer: NodeJS.Timeout | undefined;
  const schedule = (delay: number) => {
    timer = setTimeout(() => {
      tokens.fetch().then(
        (token) => {
          current = token;
          schedule(refreshDelay(current.expiresAt));
        },
        (error: unknown) => {
          onRenewalFailure(error);
          schedule(RETRY_AFTER_FAILURE_MS);
        },
      );
    }, delay);
    timer.unref();
  };
  schedule(refreshDelay(current.expiresAt));
  return {
    authorization: () => `Bearer ${current.token}`,
    close: () => clearTimeout(timer),
  };
}

export async function authorizationFor(options: TriggerOptions): Promise<AuthorizationSource | undefined> {
  if (options.auth.provider === 'none') return undefined;
  const tokens = accessTokensFor(options.auth.serviceAccount);
  try {
    return await renewingAuthorization(tokens, (error) =>
      console.error(`trigger: could not renew the Google access token: ${(error as Error).message}`),
    );
  } catch (error) {
    throw new Error(`could not get a Google access token: ${(error as Error).message}`);
  }
}
