// auth-provider `candid`: the macaroon header temporal-lib-py's get_macaroon_headers
// makes (docs/temporal-interop.md §2). GET candid-url → a bakery macaroon; its
// third-party caveats are discharged at their locations (Candid) with the agent login
// (candid-username and the candid-private-key NaCl key); the header is
// `authorization: Macaroon <base64 of the JSON list of the macaroon and its discharges>`.
// The macaroon and NaCl libraries are loaded only when this provider is used.
import { decodeBakeryKey } from '../../contract/setting-rules';
import type { Settings } from '../../contract/settings';
import { errorSummary } from '../../error-summary';
import { AuthSettingError, type Credentials, type TokenSource } from './token-source';

/** temporal-lib-py renews every 3300 s; the shared token source renews 5 minutes before this. */
export const CANDID_RENEWAL_LIFETIME_MS = 3600_000;
const BAKERY_PROTOCOL_VERSION = '3';
const KEY_BYTES = 32;
const PUBLIC_KEY_PREFIX_BYTES = 4;
const NONCE_BYTES = 24;

// The part of the `macaroon` package (go-macaroon/js-macaroon, no type declarations) used here.
interface JsMacaroon {
  readonly location: string;
  readonly identifier: Uint8Array;
  readonly signature: Uint8Array;
  readonly caveats: { identifier: Uint8Array; location?: string; vid?: Uint8Array }[];
  bindToRoot(signature: Uint8Array): void;
  exportJSON(): object;
}
interface MacaroonLibrary {
  importMacaroon(json: object): JsMacaroon;
  newMacaroon(params: {
    identifier: Uint8Array;
    location: string;
    rootKey: Uint8Array;
    version: number;
  }): JsMacaroon;
}
type Nacl = typeof import('tweetnacl');

/** A bakery macaroon: the macaroon, the external data of its third-party caveats, its bakery version. */
interface BakeryMacaroon {
  macaroon: JsMacaroon;
  /** base64 of the caveat id → caveat data. */
  caveatData: Map<string, Uint8Array>;
  version: number;
}

/** Standard or URL-safe base64, padding optional, as macaroonbakery reads it. */
export function decodeBase64(text: string): Buffer {
  return Buffer.from(text.trim().replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

function libraries(): { macaroon: MacaroonLibrary; nacl: Nacl } {
  /* eslint-disable @typescript-eslint/no-require-imports */
  return {
    macaroon: require('macaroon') as MacaroonLibrary,
    nacl: require('tweetnacl') as Nacl,
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}

function readBakeryMacaroon(json: unknown, lib: MacaroonLibrary): BakeryMacaroon {
  if (typeof json !== 'object' || json === null) throw new Error('not a JSON macaroon');
  const record = json as { m?: object; v?: number; cdata?: Record<string, string> };
  // Bakery v3 wraps the macaroon with its caveat data; older ones are the macaroon itself.
  if (record.m === undefined)
    return { macaroon: lib.importMacaroon(record), caveatData: new Map(), version: 1 };
  const caveatData = new Map<string, Uint8Array>();
  for (const [id64, data64] of Object.entries(record.cdata ?? {})) {
    caveatData.set(decodeBase64(id64).toString('base64'), decodeBase64(data64));
  }
  return { macaroon: lib.importMacaroon(record.m), caveatData, version: record.v ?? 3 };
}

/** bakery's binary field: `id` when the bytes are UTF-8, `id64` (standard base64) otherwise. */
function binaryField(form: URLSearchParams, name: string, bytes: Uint8Array): void {
  const buffer = Buffer.from(bytes);
  const text = buffer.toString('utf8');
  if (Buffer.from(text, 'utf8').equals(buffer)) form.set(name, text);
  else form.set(`${name}64`, buffer.toString('base64'));
}

function uvarint(value: number): Buffer {
  const bytes: number[] = [];
  for (; value >= 0x80; value = Math.floor(value / 128)) bytes.push((value & 0x7f) | 0x80);
  bytes.push(value);
  return Buffer.from(bytes);
}

/**
 * The macaroon v2 binary format (the agent token is such macaroons concatenated). Written
 * here because the library's exportBinary grows its buffer without bound (3.0.4).
 */
export function binaryV2(m: Pick<JsMacaroon, 'location' | 'identifier' | 'caveats' | 'signature'>): Buffer {
  const parts: Buffer[] = [Buffer.from([2])];
  const field = (type: number, data: Uint8Array | string | undefined) => {
    if (data === undefined || data.length === 0) return;
    const bytes = Buffer.from(data);
    parts.push(Buffer.from([type]), uvarint(bytes.length), bytes);
  };
  const end = () => parts.push(Buffer.from([0]));
  field(1, m.location);
  parts.push(Buffer.from([2]), uvarint(m.identifier.length), Buffer.from(m.identifier));
  end();
  for (const caveat of m.caveats) {
    field(1, caveat.location);
    parts.push(Buffer.from([2]), uvarint(caveat.identifier.length), Buffer.from(caveat.identifier));
    field(4, caveat.vid);
    end();
  }
  end();
  field(6, m.signature);
  return Buffer.concat(parts);
}

function readUvarint(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  for (let shift = 0, i = at; i < bytes.length && shift < 35; shift += 7, i++) {
    value += (bytes[i]! & 0x7f) * 2 ** shift;
    if ((bytes[i]! & 0x80) === 0) return [value, i + 1];
  }
  throw new Error('bad varint in a third-party caveat');
}

/**
 * An endpoint that does not answer (DNS, refused, timeout) may answer later: a plain error, so
 * the worker keeps retrying and the unit waits, naming it. Only an answer can say the option is wrong.
 */
async function request(url: string, init: RequestInit, option: string, what: string): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    // fetch says only "fetch failed"; its cause says why (ECONNREFUSED, EAI_AGAIN, bad port …).
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(
      `${option}: cannot reach ${what} ${url}: ${cause?.code ?? cause?.message ?? errorSummary(error)}`,
    );
  }
}

interface BakeryError {
  Code?: string;
  Message?: string;
  Info?: { InteractionMethods?: { agent?: { 'login-url'?: string } } };
}

/** The error a discharger answers with (`{"Code", "Message", "Info"}`), or undefined. */
async function bakeryError(response: Response): Promise<BakeryError> {
  try {
    return (await response.json()) as BakeryError;
  } catch {
    return {};
  }
}

/** Gets the header by temporal-lib-py's steps; every call does the whole exchange again. */
export class CandidAuthorizer {
  private readonly lib = libraries();
  private readonly privateKey: Uint8Array;
  private readonly publicKey: Uint8Array;

  constructor(
    private readonly settings: Pick<Settings, 'candidUrl' | 'candidUsername' | 'candidPrivateKey'>,
  ) {
    const key = decodeBakeryKey(settings.candidPrivateKey ?? '');
    if (!key) throw new AuthSettingError('candid-private-key', 'is not a bakery key (base64 of 32 bytes)');
    this.privateKey = key;
    this.publicKey = this.lib.nacl.box.keyPair.fromSecretKey(key).publicKey;
  }

  async credentials(now = Date.now()): Promise<Credentials> {
    const root = await this.rootMacaroon();
    const discharges = await this.dischargeAll(root, (location, id, data) =>
      this.acquireDischarge(location, id, data),
    );
    const all = [root.macaroon, ...discharges];
    const header = Buffer.from(JSON.stringify(all.map((m) => m.exportJSON()))).toString('base64');
    return { metadata: { authorization: `Macaroon ${header}` }, expiresAt: expiry(all, now) };
  }

  private async rootMacaroon(): Promise<BakeryMacaroon> {
    const url = this.settings.candidUrl!;
    const response = await request(url, {}, 'candid-url', 'the macaroon endpoint');
    if (response.status !== 200) {
      throw new AuthSettingError('candid-url', `GET ${url} answered ${response.status}`);
    }
    try {
      return readBakeryMacaroon(
        JSON.parse(decodeBase64(await response.text()).toString('utf8')),
        this.lib.macaroon,
      );
    } catch (error) {
      throw new AuthSettingError(
        'candid-url',
        `${url} did not answer a base64 JSON macaroon: ${errorSummary(error)}`,
      );
    }
  }

  /** Discharges every third-party caveat, and those of the discharges; each is bound to the root. */
  private async dischargeAll(
    root: BakeryMacaroon,
    acquire: (location: string, id: Uint8Array, data: Uint8Array | undefined) => Promise<BakeryMacaroon>,
  ): Promise<JsMacaroon[]> {
    const need: { location: string; id: Uint8Array; data: Uint8Array | undefined }[] = [];
    const addCaveats = (m: BakeryMacaroon) => {
      for (const caveat of m.macaroon.caveats) {
        if (!caveat.location || !caveat.vid) continue;
        const data = m.caveatData.get(Buffer.from(caveat.identifier).toString('base64'));
        need.push({ location: caveat.location, id: caveat.identifier, data });
      }
    };
    addCaveats(root);
    const discharges: JsMacaroon[] = [];
    for (let next = need.shift(); next; next = need.shift()) {
      const discharge =
        next.location === 'local'
          ? this.dischargeLocally(next.id, next.data)
          : await acquire(next.location, next.id, next.data);
      discharge.macaroon.bindToRoot(root.macaroon.signature);
      discharges.push(discharge.macaroon);
      addCaveats(discharge);
    }
    return discharges;
  }

  /** POST <location>/discharge; on "interaction required", the agent login, then once more with its token. */
  private async acquireDischarge(
    location: string,
    id: Uint8Array,
    data: Uint8Array | undefined,
  ): Promise<BakeryMacaroon> {
    const base = location.endsWith('/') ? location : `${location}/`;
    const post = async (token?: Uint8Array) => {
      const form = new URLSearchParams();
      binaryField(form, 'id', id);
      if (token) {
        binaryField(form, 'token', token);
        form.set('token-kind', 'agent');
      }
      if (data) form.set('caveat64', Buffer.from(data).toString('base64url'));
      return request(
        new URL('discharge', base).toString(),
        {
          method: 'POST',
          headers: { 'Bakery-Protocol-Version': BAKERY_PROTOCOL_VERSION },
          body: form,
        },
        'candid-url',
        'the discharger named by its macaroon,',
      );
    };
    let response = await post();
    if (response.status !== 200) {
      const error = await bakeryError(response);
      if (error.Code !== 'interaction required') {
        throw new Error(`the discharger ${location} refused: ${error.Message ?? `HTTP ${response.status}`}`);
      }
      const loginUrl = error.Info?.InteractionMethods?.agent?.['login-url'];
      if (!loginUrl) throw new Error(`the discharger ${location} offers no agent login`);
      response = await post(await this.agentToken(new URL(loginUrl, base).toString()));
      if (response.status !== 200) {
        const refused = await bakeryError(response);
        throw new AuthSettingError(
          'candid-username',
          `the discharger ${location} refused the agent: ${refused.Message ?? `HTTP ${response.status}`}`,
        );
      }
    }
    const body = (await response.json()) as { Macaroon?: unknown };
    return readBakeryMacaroon(body.Macaroon, this.lib.macaroon);
  }

  /** The agent login: the login macaroon, its local caveat discharged with our key, concatenated in binary. */
  private async agentToken(loginUrl: string): Promise<Uint8Array> {
    const url = new URL(loginUrl);
    url.searchParams.set('username', this.settings.candidUsername ?? '');
    url.searchParams.set('public-key', Buffer.from(this.publicKey).toString('base64'));
    const response = await request(
      url.toString(),
      { headers: { 'Bakery-Protocol-Version': BAKERY_PROTOCOL_VERSION } },
      'candid-url',
      'the agent login of',
    );
    if (response.status !== 200) {
      const error = await bakeryError(response);
      throw new AuthSettingError(
        'candid-username',
        `the agent login refused '${this.settings.candidUsername}' with this key pair: ${error.Message ?? `HTTP ${response.status}`}`,
      );
    }
    const body = (await response.json()) as { macaroon?: unknown };
    const login = readBakeryMacaroon(body.macaroon, this.lib.macaroon);
    const discharges = await this.dischargeAll(login, () => {
      throw new Error('the agent login macaroon has a caveat for another party');
    });
    return Buffer.concat([login.macaroon, ...discharges].map(binaryV2));
  }

  /** Discharges a caveat addressed to our key (condition "true"), as bakery's local discharge does. */
  private dischargeLocally(id: Uint8Array, data: Uint8Array | undefined): BakeryMacaroon {
    const caveat = data ?? id;
    const version = caveat[0]!;
    if (version !== 2 && version !== 3) throw new Error(`unsupported local caveat version ${version}`);
    let at = 1;
    const prefix = caveat.subarray(at, (at += PUBLIC_KEY_PREFIX_BYTES));
    if (!Buffer.from(prefix).equals(Buffer.from(this.publicKey.subarray(0, PUBLIC_KEY_PREFIX_BYTES)))) {
      throw new AuthSettingError('candid-private-key', 'the agent login caveat is for another key');
    }
    const firstPartyKey = caveat.subarray(at, (at += KEY_BYTES));
    const nonce = caveat.subarray(at, (at += NONCE_BYTES));
    const secret = this.lib.nacl.box.open(caveat.subarray(at), nonce, firstPartyKey, this.privateKey);
    if (!secret)
      throw new AuthSettingError('candid-private-key', 'cannot open the agent login caveat with this key');
    if (secret[0] !== version) throw new Error('the agent login caveat has a mismatched version');
    const [rootKeyLength, keyAt] = readUvarint(secret, 1);
    const rootKey = secret.subarray(keyAt, keyAt + rootKeyLength);
    let conditionAt = keyAt + rootKeyLength;
    if (version >= 3) {
      const [namespaceLength, namespaceAt] = readUvarint(secret, conditionAt);
      conditionAt = namespaceAt + namespaceLength;
    }
    const condition = Buffer.from(secret.subarray(conditionAt)).toString('utf8');
    if (condition !== 'true') throw new Error(`unexpected agent login condition '${condition}'`);
    const macaroon = this.lib.macaroon.newMacaroon({ identifier: id, location: '', rootKey, version: 2 });
    return { macaroon, caveatData: new Map(), version };
  }
}

/** The earliest `time-before` of the macaroons, capped so renewal comes as often as temporal-lib-py's. */
export function expiry(macaroons: Pick<JsMacaroon, 'caveats'>[], now = Date.now()): number {
  let earliest = now + CANDID_RENEWAL_LIFETIME_MS;
  for (const macaroon of macaroons) {
    for (const caveat of macaroon.caveats) {
      if (caveat.vid) continue;
      const condition = Buffer.from(caveat.identifier).toString('utf8');
      const match = /^time-before (\S+)$/.exec(condition);
      const at = match ? Date.parse(match[1]!) : NaN;
      if (!Number.isNaN(at)) earliest = Math.min(earliest, at);
    }
  }
  return earliest;
}

export function candidTokenSource(settings: Settings): TokenSource {
  const authorizer = new CandidAuthorizer(settings);
  return { fetch: () => authorizer.credentials() };
}
