// The auth in front of Temporal for the soak: credentials that expire after a minute, so
// that the worker renews them dozens of times, and a frontend that refuses an expired,
// missing or unknown one with UNAUTHENTICATED, as Temporal's authorizer would. Google: a
// token endpoint stand-in issuing 60 s access tokens. Candid: the real candidsrv and the
// bakery service the auth tests use, minting macaroons that expire after 60 s. The charm
// sends a credential only over TLS (src/charm/config-check.ts), so a TLS frontend sits before it.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expiry as macaroonExpiry } from '../src/temporal/auth/candid';
import { BakeryService, CandidServer } from '../tests/harness/candid';
import { startTokenEndpoint } from '../tests/harness/google-token-endpoint';
import { startRecordingGrpcProxy } from '../tests/harness/grpc-proxy';
import { makeCertificates, startTlsProxy } from '../tests/harness/tls-frontend';

export type AuthProvider = 'google' | 'candid';
export const AUTH_PROVIDERS: readonly AuthProvider[] = ['google', 'candid'];

/** How long a credential lasts: the worker renews it a fifth of that before (token-source.ts). */
export const CREDENTIAL_LIFETIME_S = 60;

const CLIENT_EMAIL = 'soak-worker@rocks-project.iam.gserviceaccount.com';

export type RejectionReason = 'expired' | 'missing' | 'unknown' | 'refused';

export interface Rejection {
  at: number;
  reason: RejectionReason;
}

export interface AuthCounts {
  provider: AuthProvider;
  /** Calls the frontend saw. */
  calls: number;
  /** Credentials the worker fetched after its first: token endpoint requests or macaroons discharged again. */
  renewals: number;
  /** Google: token endpoint requests; Candid: discharge requests in Candid's access log. */
  issuerRequests: number;
  rejections: Record<RejectionReason, number>;
  /** The first few rejections, for the report. */
  firstRejections: Rejection[];
  /**
   * The longest a credential lasted from when it was issued (Google) or first seen (Candid), as
   * the frontend read its expiry: about CREDENTIAL_LIFETIME_S, or its expiry was not enforced.
   */
  longestLifetimeSeconds: number | undefined;
}

export interface AuthFrontend {
  provider: AuthProvider;
  /** The charm's `host`: the TLS frontend. */
  host: string;
  /** The charm options of the provider, with the frontend's CA as tls-root-cas. */
  options: Record<string, string>;
  counts(): AuthCounts;
  close(): Promise<void>;
}

/** One provider's issuer and its judge of the `authorization` metadata. */
interface ProviderAuth {
  options: Record<string, string>;
  admission: Admission;
  counts(): Omit<AuthCounts, 'calls'>;
  close(): Promise<void>;
}

interface Admission {
  admit: (authorization: string | undefined) => Promise<boolean>;
  rejections: Record<RejectionReason, number>;
  firstRejections: Rejection[];
}

function admission(judge: (authorization: string) => Promise<RejectionReason | undefined>): Admission {
  const rejections: Record<RejectionReason, number> = { expired: 0, missing: 0, unknown: 0, refused: 0 };
  const firstRejections: Rejection[] = [];
  return {
    rejections,
    firstRejections,
    admit: async (authorization) => {
      const reason = authorization ? await judge(authorization) : 'missing';
      if (!reason) return true;
      rejections[reason]++;
      if (firstRejections.length < 20) firstRejections.push({ at: Date.now(), reason });
      return false;
    },
  };
}

async function googleAuth(): Promise<ProviderAuth> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const endpoint = await startTokenEndpoint({
    publicKey,
    clientEmail: CLIENT_EMAIL,
    lifetimeSeconds: CREDENTIAL_LIFETIME_S,
  });
  const gate = admission(async (authorization) => {
    const token = endpoint.issued.find((issued) => authorization === `Bearer ${issued.token}`);
    if (!token) return 'unknown';
    return Date.now() >= token.expiresAt ? 'expired' : undefined;
  });
  return {
    admission: gate,
    options: {
      'auth-provider': 'google',
      'oidc-auth-type': 'service_account',
      'oidc-project-id': 'rocks-project',
      'oidc-private-key-id': 'soak-key-1',
      'oidc-private-key': privateKey,
      'oidc-client-email': CLIENT_EMAIL,
      'oidc-client-id': '1234',
      'oidc-auth-uri': 'https://accounts.google.com/o/oauth2/auth',
      'oidc-token-uri': endpoint.uri,
      'oidc-auth-cert-url': 'https://www.googleapis.com/oauth2/v1/certs',
      'oidc-client-cert-url': 'https://www.googleapis.com/robot/v1/metadata/x509/soak-worker',
    },
    counts: () => ({
      provider: 'google',
      renewals: Math.max(0, endpoint.issued.length - 1),
      issuerRequests: endpoint.issued.length + endpoint.rejected.length,
      rejections: gate.rejections,
      firstRejections: gate.firstRejections,
      longestLifetimeSeconds: longest(
        endpoint.issued.map((token) => (token.expiresAt - token.issuedAt) / 1000),
      ),
    }),
    close: async () => {
      await endpoint.close();
    },
  };
}

function longest(values: number[]): number | undefined {
  return values.length === 0 ? undefined : Math.max(...values);
}

/** When the macaroons of a `Macaroon <base64 JSON list>` header expire: their earliest time-before. */
export function macaroonHeaderExpiry(authorization: string): number | undefined {
  const [scheme, value] = authorization.split(' ');
  if (scheme !== 'Macaroon' || !value) return undefined;
  try {
    type JsonCaveat = { i?: string; i64?: string; v64?: string; vid?: string };
    const list = JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as { c?: JsonCaveat[] }[];
    const macaroons = list.map((m) => ({
      caveats: (m.c ?? []).map((caveat) => ({
        identifier:
          caveat.i !== undefined ? Buffer.from(caveat.i) : Buffer.from(caveat.i64 ?? '', 'base64url'),
        vid: caveat.v64 || caveat.vid ? Buffer.from('third party') : undefined,
        location: undefined,
      })),
    }));
    // expiry() caps at an hour from `now`: far enough to tell a one-minute macaroon.
    return macaroonExpiry(macaroons, Date.now());
  } catch {
    return undefined;
  }
}

async function candidAuth(): Promise<ProviderAuth> {
  const candid = await CandidServer.start();
  let bakery: BakeryService | undefined;
  try {
    bakery = await BakeryService.start(candid.url);
    const agent = await candid.createAgent('soak-worker');
    const checker = bakery;
    const seen = new Map<string, Promise<{ accepted: boolean; expiresAt: number | undefined }>>();
    const lifetimes: number[] = [];
    const gate = admission(async (authorization) => {
      if (!seen.has(authorization)) {
        const firstSeen = Date.now();
        const expiresAt = macaroonHeaderExpiry(authorization);
        lifetimes.push(expiresAt === undefined ? Infinity : (expiresAt - firstSeen) / 1000);
        seen.set(
          authorization,
          checker.check(authorization).then(
            () => ({ accepted: true, expiresAt }),
            () => ({ accepted: false, expiresAt }),
          ),
        );
      }
      const { accepted, expiresAt } = await seen.get(authorization)!;
      if (expiresAt !== undefined && Date.now() >= expiresAt) return 'expired';
      return accepted ? undefined : 'refused';
    });
    const dischargeRequests = () =>
      candid
        .accessLog()
        .split('\n')
        .filter((line) => /POST \S*\/discharge\b/.test(line)).length;
    return {
      admission: gate,
      options: {
        'auth-provider': 'candid',
        'candid-url': bakery.macaroonUrl(CREDENTIAL_LIFETIME_S),
        'candid-username': agent.username,
        'candid-public-key': agent.publicKey,
        'candid-private-key': agent.privateKey,
      },
      counts: () => ({
        provider: 'candid',
        renewals: Math.max(0, seen.size - 1),
        issuerRequests: dischargeRequests(),
        rejections: gate.rejections,
        firstRejections: gate.firstRejections,
        longestLifetimeSeconds: longest(lifetimes),
      }),
      close: async () => {
        await bakery?.stop();
        await candid.stop();
      },
    };
  } catch (error) {
    await bakery?.stop();
    await candid.stop();
    throw error;
  }
}

/** The provider's issuer and the frontend chain: TLS → the authorizing gRPC proxy → Temporal. */
export async function startAuthFrontend(
  provider: AuthProvider,
  temporalAddress: string,
): Promise<AuthFrontend> {
  const auth = provider === 'google' ? await googleAuth() : await candidAuth();
  const certificatesDir = mkdtempSync(path.join(os.tmpdir(), 'soak-tls-'));
  const closers: (() => Promise<unknown>)[] = [
    async () => rmSync(certificatesDir, { recursive: true, force: true }),
    () => auth.close(),
  ];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await closer().catch(() => undefined);
  };
  try {
    const certificates = makeCertificates(certificatesDir);
    const proxy = await startRecordingGrpcProxy(temporalAddress, auth.admission.admit);
    closers.push(() => proxy.close());
    const tls = await startTlsProxy(
      { port: Number(proxy.address.split(':')[1]) },
      certificates.key,
      certificates.cert,
    );
    closers.push(() => tls.close());
    return {
      provider,
      host: `localhost:${tls.port}`,
      options: { ...auth.options, 'tls-root-cas': certificates.ca },
      counts: () => ({ ...auth.counts(), calls: proxy.seen.length }),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
