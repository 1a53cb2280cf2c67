// How each setting's text is read into its value. A rule reads the text the charm gets
// from config-get, the worker from its environment and the trigger from a config.yml; it
// says what is wrong without echoing the value, since several settings hold secrets.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { decodeEncryptionKey } from '../temporal/encryption-key';
import { parseTemporalHost, type TemporalHost } from '../temporal/host';
import type { NameSelection } from './name-selection';

export interface Rule<T> {
  /** What a valid text looks like, as the end of "<option> …" in a blocked status. */
  expect: string;
  /** The value of a text that is not empty; throws InvalidSetting when the text does not fit. */
  read(text: string): T;
}

/** The text does not fit the rule; `reason` replaces the rule's `expect` when set. */
export class InvalidSetting extends Error {
  constructor(readonly reason?: string) {
    super(reason ?? 'invalid setting');
  }
}

function check<T>(expect: string, read: (text: string) => T | undefined): Rule<T> {
  return {
    expect,
    read(text) {
      const value = read(text);
      if (value === undefined) throw new InvalidSetting();
      return value;
    },
  };
}

export const text: Rule<string> = { expect: 'must be text', read: (value) => value };

/** A Juju secret URI as `juju add-secret` prints it (`secret:<20 base32 chars>`), or the bare id. */
export const SECRET_URI = /^(?:secret:(?:\/\/[0-9a-f-]+\/)?)?[0-9a-v]{20}$/;

export const secretUri = check("must be a Juju secret id such as 'secret:cs2p3bmmc4tsah0ks7sg'", (value) =>
  SECRET_URI.test(value.trim()) ? value.trim() : undefined,
);

export const noSpaces = check('must not contain spaces', (value) =>
  /^\S+$/.test(value) ? value : undefined,
);

export const LOG_LEVELS = ['info', 'debug', 'warning', 'error', 'critical'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const logLevel = check(`must be one of ${LOG_LEVELS.join(', ')}`, (value) =>
  LOG_LEVELS.find((level) => level === value.trim().toLowerCase()),
);

export const temporalHost: Rule<TemporalHost> = check(
  'must be name[:port] with a port from 1 to 65535',
  (value) => parseTemporalHost(value.trim()) ?? undefined,
);

const NAME_LIST = /^\s*[A-Za-z_$][\w$.-]*(\s*,\s*[A-Za-z_$][\w$.-]*)*\s*$/;

export function nameSelection(kind: 'workflow' | 'activity'): Rule<NameSelection> {
  return check(`must be 'all' or comma-separated ${kind} names`, (value) => {
    if (value.trim() === 'all') return 'all';
    if (!NAME_LIST.test(value)) return undefined;
    return [...new Set(value.split(',').map((name) => name.trim()))];
  });
}

export const fileName = check('must be a file name, without a folder', (value) =>
  value.includes('/') ? undefined : value,
);

export const aesKey: Rule<Buffer> = check('must be standard base64 of a 16- or 32-byte key', (value) => {
  try {
    return decodeEncryptionKey(value.trim());
  } catch {
    return undefined;
  }
});

const BEGIN_CERTIFICATE = '-----BEGIN CERTIFICATE-----';
const END_CERTIFICATE = '-----END CERTIFICATE-----';

/**
 * Every certificate block parses. One pass, each search starting where the last ended: a
 * lazy regular expression rescanned the rest of the text for every BEGIN line, which made
 * 8,000 of them take 0.74 s and grew with the square (SECURITY.md, item 7).
 */
export const pemCertificates = check('must hold PEM certificates', (value) => {
  let found = 0;
  for (let at = value.indexOf(BEGIN_CERTIFICATE); at >= 0; at = value.indexOf(BEGIN_CERTIFICATE, at)) {
    const end = value.indexOf(END_CERTIFICATE, at + BEGIN_CERTIFICATE.length);
    if (end < 0) return undefined;
    try {
      new X509Certificate(value.slice(at, end + END_CERTIFICATE.length));
    } catch {
      return undefined;
    }
    found += 1;
    at = end + END_CERTIFICATE.length;
  }
  return found > 0 ? value : undefined;
});

/** A PEM private key; `\n` escapes (as a key pasted from a service-account JSON has them) become newlines. */
export const pemPrivateKey = check('must be a PEM private key', (value) => {
  const pem = value.replace(/\\n/g, '\n');
  try {
    createPrivateKey(pem);
    return pem;
  } catch {
    return undefined;
  }
});

export const httpUrl = check('must be an http(s) URL', (value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? value : undefined;
  } catch {
    return undefined;
  }
});

/**
 * A proxy URL as operators write it: `http://user:pw@squid:3128`, or with no scheme
 * (`squid:3128`, `user:pw@squid:3128`), which curl and Juju users mean as `http://`.
 * `new URL` reads a scheme-less `user:pw@host` as the scheme `user:` (SECURITY.md, item 1).
 */
export function normalizeProxyUrl(value: string): string {
  const trimmed = value.trim();
  return trimmed === '' || /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
}

/** Whether a proxy URL (normalized or not) carries a user name or password; unparseable with an `@` counts. */
export function proxyHasCredentials(value: string): boolean {
  try {
    const url = new URL(normalizeProxyUrl(value));
    return url.username !== '' || url.password !== '';
  } catch {
    return value.includes('@');
  }
}

export const proxyUrl = check('must be an http(s) URL, or host:port (http:// assumed)', (value) => {
  const normalized = normalizeProxyUrl(value);
  try {
    const url = new URL(normalized);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== ''
      ? normalized
      : undefined;
  } catch {
    return undefined;
  }
});

/** A bakery (NaCl Curve25519) key as macaroonbakery reads it: base64, standard or URL-safe, of 32 bytes. */
export function decodeBakeryKey(value: string): Uint8Array | undefined {
  const text = value.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return undefined;
  const key = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return key.length === 32 ? new Uint8Array(key) : undefined;
}

export const bakeryKey = check('must be a bakery key: base64 of 32 bytes', (value) =>
  decodeBakeryKey(value) ? value.trim() : undefined,
);

export const email = check('must be an email address', (value) =>
  /^[^@\s]+@[^@\s]+$/.test(value) ? value : undefined,
);

export const hostList = check('must be a comma-separated list of hosts', (value) =>
  /\s/.test(value.replace(/,\s+/g, ',')) ? undefined : value,
);

export const boolean = check('must be true or false', (value) => {
  const lower = value.trim().toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : undefined;
});

export const sampleRate = check('must be a number from 0 to 1', (value) => {
  const rate = Number(value);
  return value.trim() !== '' && rate >= 0 && rate <= 1 ? rate : undefined;
});

const DURATION_UNIT_SECONDS: Record<string, number> = { m: 60, h: 3600, d: 86400, w: 604800 };

/** A period such as `90m`, `36h`, `7d` or `2w`, in seconds. */
export const period = check(
  'must be a period such as 36h, 7d or 2w (minutes, hours, days, weeks)',
  (value) => {
    const match = /^(\d{1,5})([mhdw])$/.exec(value.trim());
    const seconds = match ? Number(match[1]) * DURATION_UNIT_SECONDS[match[2]!]! : 0;
    return seconds > 0 ? seconds : undefined;
  },
);

/** A TCP port; `0` means "off". */
export const port = check('must be a port number (0 for off)', (value) => {
  const number = Number(value);
  return Number.isInteger(number) && number >= 0 && number <= 65535 ? number : undefined;
});
