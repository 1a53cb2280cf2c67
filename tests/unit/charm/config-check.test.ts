import { checkConfig as validateConfig } from '../../../src/charm/config-check';
import { OPTION_NAMES, authProviderOptions, spec } from '../../../src/contract/settings';
import type { ConfigValue } from '../../../src/juju/types';
import { temporalAddress } from '../../../src/temporal/access';
import { TEST_CA } from '../../harness/test-credentials';
import { GOOGLE_CONFIG, VALID_CONFIG } from './charm-fixture';

const OIDC_OPTIONS = authProviderOptions('google').map((key) => spec(key).option!);
const CANDID_OPTIONS = authProviderOptions('candid').map((key) => spec(key).option!);

function message(config: Record<string, ConfigValue | null>): string {
  const result = validateConfig({ ...VALID_CONFIG, ...config });
  if (result.ok) throw new Error('expected the config to be rejected');
  return result.message;
}

describe('validateConfig', () => {
  it('accepts the minimal valid config and fills in the defaults', () => {
    const result = validateConfig(VALID_CONFIG);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.settings.logLevel).toBe('info');
    expect(result.settings.sentrySampleRate).toBe(1);
    expect(result.settings.sentryRedactParams).toBe(false);
    expect(result.settings.supportedWorkflows).toBe('all');
    expect(result.settings.supportedActivities).toBe('all');
  });

  it('names every missing required key of an empty config', () => {
    expect(validateConfig({}).ok).toBe(false);
    expect(message({ host: '', namespace: '', queue: '' })).toBe('missing config: host, namespace, queue');
    expect(message({ 'supported-workflows': '', 'supported-activities': '' })).toBe(
      'missing config: supported-workflows, supported-activities',
    );
  });

  // The address follows TLS when the host has no port (src/temporal/access.ts).
  it.each([
    ['temporal', 'temporal:80', 'temporal:443'],
    ['temporal.example.com:443', 'temporal.example.com:443', 'temporal.example.com:443'],
    [' 10.0.0.1:7000 ', '10.0.0.1:7000', '10.0.0.1:7000'],
    ['[::1]:7233', '[::1]:7233', '[::1]:7233'],
    ['[fd00::1]', '[fd00::1]:80', '[fd00::1]:443'],
  ])('accepts host %j as %s, or %s with TLS', (host, plain, tls) => {
    const result = validateConfig({ ...VALID_CONFIG, host });
    if (!result.ok) throw new Error(result.message);
    expect(temporalAddress(result.settings.host, false)).toBe(plain);
    expect(temporalAddress(result.settings.host, true)).toBe(tls);
  });

  it.each([
    ['log-level', 'verbose', 'log-level must be one of info, debug, warning, error, critical'],
    ['log-level', '', 'log-level must be one of info, debug, warning, error, critical'],
    ['host', 'temporal:0', 'host must be name[:port] with a port from 1 to 65535'],
    ['host', 'temporal:70000', 'host must be name[:port] with a port from 1 to 65535'],
    ['host', 'http://temporal:7233', 'host must be name[:port] with a port from 1 to 65535'],
    ['host', '::1', 'host must be name[:port] with a port from 1 to 65535'],
    ['host', 'temporal:abc', 'host must be name[:port] with a port from 1 to 65535'],
    ['namespace', 'my rocks', 'namespace must not contain spaces'],
    ['queue', 'oci factory', 'queue must not contain spaces'],
    ['supported-workflows', 'A,,B', "supported-workflows must be 'all' or comma-separated workflow names"],
    ['supported-activities', 'a b', "supported-activities must be 'all' or comma-separated activity names"],
    ['workflows-file-name', 'dist/x.tgz', 'workflows-file-name must be a file name, without a folder'],
    ['encryption-key', 'not base64!', 'encryption-key must be standard base64 of a 16- or 32-byte key'],
    [
      'encryption-key',
      Buffer.alloc(24).toString('base64'),
      'encryption-key must be standard base64 of a 16- or 32-byte key',
    ],
    [
      'encryption-key',
      Buffer.alloc(8).toString('base64'),
      'encryption-key must be standard base64 of a 16- or 32-byte key',
    ],
    [
      'encryption-key',
      Buffer.alloc(32).toString('base64url'),
      'encryption-key must be standard base64 of a 16- or 32-byte key',
    ],
    ['auth-provider', 'ldap', "auth-provider must be empty, 'google' or 'candid'"],
    ['tls-root-cas', 'not a certificate', 'tls-root-cas must hold PEM certificates'],
    [
      'tls-root-cas',
      '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
      'tls-root-cas must hold PEM certificates',
    ],
    ['candid-url', 'candid.example.com', 'candid-url must be an http(s) URL'],
    ['oidc-private-key', 'not a key', 'oidc-private-key must be a PEM private key'],
    ['oidc-client-email', 'nobody', 'oidc-client-email must be an email address'],
    ['oidc-auth-uri', 'accounts', 'oidc-auth-uri must be an http(s) URL'],
    ['oidc-token-uri', 'ftp://token', 'oidc-token-uri must be an http(s) URL'],
    ['oidc-auth-cert-url', 'certs', 'oidc-auth-cert-url must be an http(s) URL'],
    ['oidc-client-cert-url', 'certs', 'oidc-client-cert-url must be an http(s) URL'],
    // A value without a scheme means http:// (issue 10, item 1): `proxy:3128` is valid now.
    ['http-proxy', 'ftp://proxy:3128', 'http-proxy must be an http(s) URL, or host:port (http:// assumed)'],
    ['https-proxy', 'https://:3128', 'https-proxy must be an http(s) URL, or host:port (http:// assumed)'],
    ['https-proxy', 'squid proxy:3128', 'https-proxy must be an http(s) URL, or host:port (http:// assumed)'],
    ['no-proxy', 'a b', 'no-proxy must be a comma-separated list of hosts'],
    ['sentry-dsn', 'dsn-secret-value', 'sentry-dsn must be an http(s) URL'],
    ['sentry-redact-params', 'yes', 'sentry-redact-params must be true or false'],
    ['sentry-sample-rate', 1.5, 'sentry-sample-rate must be a number from 0 to 1'],
    ['sentry-sample-rate', -0.1, 'sentry-sample-rate must be a number from 0 to 1'],
    ['sentry-sample-rate', '0.5', 'sentry-sample-rate must be a number from 0 to 1'],
  ] as Array<[string, ConfigValue, string]>)('blocks %s = %j naming the key', (key, value, reason) => {
    const text = message({ [key]: value });
    expect(text).toBe(`invalid config: ${reason}`);
    if (typeof value === 'string' && value.length > 3) expect(text).not.toContain(value);
  });

  it('reports several problems at once', () => {
    expect(message({ host: '', 'log-level': 'loud', 'sentry-sample-rate': 2 })).toBe(
      'missing config: host; invalid config: log-level must be one of info, debug, warning, error, critical; ' +
        'sentry-sample-rate must be a number from 0 to 1',
    );
  });

  it('accepts every valid form of the checked options', () => {
    const result = validateConfig({
      ...VALID_CONFIG,
      ...GOOGLE_CONFIG,
      'log-level': 'DEBUG',
      'tls-root-cas': `${TEST_CA}\n${TEST_CA}`,
      'encryption-key': Buffer.alloc(32, 7).toString('base64'),
      'supported-workflows': 'ConsumeEventsWorkflow, Other',
      'sentry-dsn': 'https://key@sentry.example.com/1',
      'sentry-sample-rate': 0,
      'sentry-redact-params': true,
      'http-proxy': 'http://proxy:3128',
      'no-proxy': '.canonical.com, localhost',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.settings.logLevel).toBe('debug');
    expect(result.settings.supportedWorkflows).toEqual(['ConsumeEventsWorkflow', 'Other']);
  });

  it('accepts a 16-byte encryption key', () => {
    expect(
      validateConfig({ ...VALID_CONFIG, 'encryption-key': Buffer.alloc(16, 1).toString('base64') }).ok,
    ).toBe(true);
  });

  it("refuses auth-provider 'google' without tls-root-cas: the token would go out in clear", () => {
    expect(message({ ...GOOGLE_CONFIG, 'tls-root-cas': '' })).toBe(
      "missing config for auth-provider 'google': tls-root-cas (its token is never sent without TLS)",
    );
  });

  it.each(OIDC_OPTIONS)("auth-provider 'google' needs %s", (key) => {
    expect(message({ ...GOOGLE_CONFIG, [key]: '' })).toBe(
      `missing config for auth-provider 'google': ${key}`,
    );
  });

  const candid = {
    'candid-url': 'https://temporal.example.com/macaroon',
    'candid-username': 'rocks-bot@candid',
    'candid-public-key': 'W2SHsjipJPw5kzZiXes1Ztdc/Z/muZhWQEcDl2buSwQ=',
    'candid-private-key': 'Ruz2JGjQL+hPjQV0l3SLKnRXHqraZsL7YZRHqLjuOBQ=',
  };

  it.each(CANDID_OPTIONS)("auth-provider 'candid' needs %s", (key) => {
    expect(message({ 'auth-provider': 'candid', ...candid, [key]: '' })).toBe(
      `missing config for auth-provider 'candid': ${key}`,
    );
  });

  it('accepts a complete candid config', () => {
    expect(
      validateConfig({ ...VALID_CONFIG, 'auth-provider': 'candid', 'tls-root-cas': TEST_CA, ...candid }).ok,
    ).toBe(true);
  });

  it.each(['candid-private-key', 'candid-public-key'])(
    'blocks a %s that is not a bakery key, naming it',
    (key) => {
      expect(message({ 'auth-provider': 'candid', ...candid, [key]: 'not-a-key' })).toBe(
        `invalid config: ${key} must be a bakery key: base64 of 32 bytes`,
      );
    },
  );

  it('knows every option of the Python charm', () => {
    // The 32 of the wheel-era charm, plus HEAD's auth-secret-id, environment and db-name, plus
    // our no-event-alert-period.
    expect(OPTION_NAMES).toHaveLength(36);
  });
});
