import { SETTINGS } from '../../../src/contract/settings';
import { temporalAccess } from '../../../src/temporal/access';
import { loadWorkerSettings } from '../../../src/worker/settings';
import { TEST_PRIVATE_KEY as PRIVATE_KEY } from '../../harness/test-credentials';

const base = { TWC_HOST: 'temporal.example.com:7233', TWC_NAMESPACE: 'rocks', TWC_QUEUE: 'oci-factory' };

describe('the worker reads host', () => {
  it.each([
    ['temporal', 'temporal:80', 'temporal'],
    ['temporal.example.com:443', 'temporal.example.com:443', 'temporal.example.com'],
    ['10.0.0.1', '10.0.0.1:80', '10.0.0.1'],
    ['[::1]:7234', '[::1]:7234', '::1'],
  ])('%s as %s with server name %s (without TLS)', (host, address, hostname) => {
    const settings = loadWorkerSettings({ ...base, TWC_HOST: host });
    expect(settings.host.hostname).toBe(hostname);
    expect(temporalAccess(settings).address).toBe(address);
  });

  it.each(['', 'a:b', 'host:99999', 'http://host:7233'])('and rejects %j', (host) => {
    expect(() => loadWorkerSettings({ ...base, TWC_HOST: host })).toThrow(/TWC_HOST: host/);
  });
});

describe('the worker reads supported-workflows', () => {
  it.each([
    [undefined, 'all'],
    ['all', 'all'],
    ['A, B,A', ['A', 'B']],
  ])('%j as %j', (value, expected) => {
    expect(loadWorkerSettings({ ...base, TWC_SUPPORTED_WORKFLOWS: value }).supportedWorkflows).toEqual(
      expected,
    );
  });
});

describe('loadWorkerSettings', () => {
  it('applies the documented defaults', () => {
    expect(loadWorkerSettings(base)).toMatchObject({
      host: { name: 'temporal.example.com', port: 7233 },
      logLevel: 'info',
      healthPort: 8089,
      prometheusPort: 9000,
      prometheusBindAddress: '0.0.0.0',
      workflowsDir: '/srv/temporal-worker/workflows',
      supportedWorkflows: 'all',
      supportedActivities: 'all',
      authProvider: undefined,
      sentryDsn: undefined,
      tlsRootCas: undefined,
    });
  });

  it('turns Prometheus off with an empty or zero port', () => {
    expect(loadWorkerSettings({ ...base, TWC_PROMETHEUS_PORT: '' }).prometheusPort).toBeUndefined();
    expect(loadWorkerSettings({ ...base, TWC_PROMETHEUS_PORT: '0' }).prometheusPort).toBe(0);
    expect(loadWorkerSettings({ ...base, TWC_PROMETHEUS_PORT: '9100' }).prometheusPort).toBe(9100);
  });

  it('binds metrics where TWC_PROMETHEUS_BIND_ADDRESS says', () => {
    expect(
      loadWorkerSettings({ ...base, [SETTINGS.prometheusBindAddress.env]: '127.0.0.1' })
        .prometheusBindAddress,
    ).toBe('127.0.0.1');
  });

  it('names every missing or bad setting without echoing secret values', () => {
    expect(() =>
      loadWorkerSettings({
        TWC_HOST: '',
        TWC_LOG_LEVEL: 'verbose',
        TWC_QUEUE: 'q',
        TWC_SENTRY_SAMPLE_RATE: '2',
      }),
    ).toThrow(/TWC_HOST: host is required.*TWC_NAMESPACE.*TWC_LOG_LEVEL.*TWC_SENTRY_SAMPLE_RATE/);
    expect(() => loadWorkerSettings({ ...base, TWC_ENCRYPTION_KEY: 'c2VjcmV0' })).toThrow(
      'TWC_ENCRYPTION_KEY: encryption-key must be standard base64 of a 16- or 32-byte key',
    );
    expect(() => loadWorkerSettings({ ...base, TWC_ENCRYPTION_KEY: 'c2VjcmV0' })).not.toThrow(/c2VjcmV0/);
  });

  const google = {
    TWC_AUTH_PROVIDER: 'google',
    TWC_OIDC_PROJECT_ID: 'p',
    TWC_OIDC_PRIVATE_KEY_ID: 'kid',
    TWC_OIDC_PRIVATE_KEY: PRIVATE_KEY,
    TWC_OIDC_CLIENT_EMAIL: 'a@b.iam.gserviceaccount.com',
    TWC_OIDC_CLIENT_ID: '1',
    TWC_OIDC_AUTH_URI: 'https://accounts.google.com/o/oauth2/auth',
    TWC_OIDC_TOKEN_URI: 'https://oauth2.googleapis.com/token',
    TWC_OIDC_AUTH_CERT_URL: 'https://www.googleapis.com/oauth2/v1/certs',
    TWC_OIDC_CLIENT_CERT_URL: 'https://www.googleapis.com/robot/v1/metadata/x509/a',
  };

  it('reads the Google service account settings', () => {
    expect(loadWorkerSettings({ ...base, ...google })).toMatchObject({
      authProvider: 'google',
      oidcClientEmail: 'a@b.iam.gserviceaccount.com',
      oidcPrivateKey: PRIVATE_KEY,
      oidcPrivateKeyId: 'kid',
      oidcTokenUri: 'https://oauth2.googleapis.com/token',
    });
  });

  it('says which oidc keys google auth is missing', () => {
    expect(() =>
      loadWorkerSettings({ ...base, ...google, TWC_OIDC_CLIENT_EMAIL: '', TWC_OIDC_PRIVATE_KEY_ID: '' }),
    ).toThrow(
      "TWC_OIDC_PRIVATE_KEY_ID: oidc-private-key-id is required by auth-provider 'google'; " +
        "TWC_OIDC_CLIENT_EMAIL: oidc-client-email is required by auth-provider 'google'",
    );
  });

  it('reads the candid settings', () => {
    const candid = {
      TWC_AUTH_PROVIDER: 'candid',
      TWC_CANDID_URL: 'https://temporal.example.com/macaroon',
      TWC_CANDID_USERNAME: 'u@candid',
      TWC_CANDID_PUBLIC_KEY: 'W2SHsjipJPw5kzZiXes1Ztdc/Z/muZhWQEcDl2buSwQ=',
      TWC_CANDID_PRIVATE_KEY: 'Ruz2JGjQL+hPjQV0l3SLKnRXHqraZsL7YZRHqLjuOBQ=',
    };
    expect(loadWorkerSettings({ ...base, ...candid })).toMatchObject({
      authProvider: 'candid',
      candidUsername: 'u@candid',
      candidPrivateKey: 'Ruz2JGjQL+hPjQV0l3SLKnRXHqraZsL7YZRHqLjuOBQ=',
    });
  });

  it('reads the Sentry settings like the Python charm renders them', () => {
    expect(
      loadWorkerSettings({
        ...base,
        TWC_SENTRY_DSN: 'https://key@sentry.example.com/1',
        TWC_SENTRY_RELEASE: '1.2.3',
        TWC_SENTRY_ENVIRONMENT: 'staging',
        TWC_SENTRY_SAMPLE_RATE: '0.5',
        TWC_SENTRY_REDACT_PARAMS: 'True',
      }),
    ).toMatchObject({
      sentryDsn: 'https://key@sentry.example.com/1',
      sentryRelease: '1.2.3',
      sentryEnvironment: 'staging',
      sentrySampleRate: 0.5,
      sentryRedactParams: true,
    });
    expect(
      loadWorkerSettings({
        ...base,
        TWC_SENTRY_DSN: 'https://k@s.example.com/2',
        TWC_SENTRY_REDACT_PARAMS: 'false',
      }),
    ).toMatchObject({ sentrySampleRate: 1, sentryRedactParams: false });
  });

  it.each([
    ['warning', 'warning'],
    ['CRITICAL', 'critical'],
    [undefined, 'info'],
  ])('accepts log-level %j', (value, expected) => {
    expect(loadWorkerSettings({ ...base, TWC_LOG_LEVEL: value }).logLevel).toBe(expected);
  });
});
