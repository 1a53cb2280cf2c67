// A token endpoint like Google's for the JWT-bearer grant: verifies the assertion's RS256
// signature with the service account's public key and its claims, and issues access tokens
// of a short, chosen lifetime, each recorded with when it expires.
import { verify } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface IssuedToken {
  token: string;
  issuedAt: number;
  expiresAt: number;
}

export interface TokenEndpointOptions {
  /** PEM of the service account's public key. */
  publicKey: string;
  /** The service account (`iss` of the assertion). */
  clientEmail: string;
  lifetimeSeconds: number;
}

export async function startTokenEndpoint({ publicKey, clientEmail, lifetimeSeconds }: TokenEndpointOptions) {
  const issued: IssuedToken[] = [];
  const rejected: string[] = [];
  let failing = false;
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const reject = (reason: string) => {
        rejected.push(reason);
        response.writeHead(400, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ error: 'invalid_grant', error_description: reason }));
      };
      if (failing) return reject('endpoint told to fail');
      const form = new URLSearchParams(body);
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
        return reject('grant_type');
      const [header, claims, signature] = (form.get('assertion') ?? '').split('.');
      if (!header || !claims || !signature) return reject('assertion is not a JWT');
      const signed = verify(
        'RSA-SHA256',
        Buffer.from(`${header}.${claims}`),
        publicKey,
        Buffer.from(signature, 'base64url'),
      );
      if (!signed) return reject('bad signature');
      const jwtHeader = JSON.parse(Buffer.from(header, 'base64url').toString());
      const jwtClaims = JSON.parse(Buffer.from(claims, 'base64url').toString());
      if (jwtHeader.alg !== 'RS256') return reject('alg');
      if (jwtClaims.iss !== clientEmail) return reject('iss');
      if (jwtClaims.aud !== 'https://oauth2.googleapis.com/token') return reject('aud');
      if (jwtClaims.scope !== 'email profile openid') return reject(`scope ${jwtClaims.scope}`);
      if (jwtClaims.exp - jwtClaims.iat !== 3600) return reject('exp');
      const now = Date.now();
      const token = `access-token-${issued.length + 1}`;
      issued.push({ token, issuedAt: now, expiresAt: now + lifetimeSeconds * 1000 });
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(
        JSON.stringify({ access_token: token, expires_in: lifetimeSeconds, token_type: 'Bearer' }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
    issued,
    rejected,
    setFailing: (value: boolean) => (failing = value),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
