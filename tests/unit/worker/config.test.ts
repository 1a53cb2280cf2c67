import { loadConfig, parseHost, parseSelection } from '../../../src/worker/config';

const base = { TWC_HOST: 'temporal.example.com:7233', TWC_NAMESPACE: 'rocks', TWC_QUEUE: 'oci-factory' };

describe('parseHost', () => {
  it.each([
    ['temporal', 'temporal:7233', 'temporal'],
    ['temporal.example.com:443', 'temporal.example.com:443', 'temporal.example.com'],
    ['10.0.0.1', '10.0.0.1:7233', '10.0.0.1'],
    ['[::1]:7234', '[::1]:7234', '::1'],
  ])('reads %s as %s with server name %s', (host, address, hostname) => {
    expect(parseHost(host)).toEqual({ address, hostname });
  });

  it.each(['', 'a:b', 'host:99999', 'http://host:7233'])('rejects %j', (host) => {
    expect(() => parseHost(host)).toThrow(/host/);
  });
});

describe('parseSelection', () => {
  it.each([
    [undefined, 'all'],
    ['', 'all'],
    ['all', 'all'],
    ['A, B,,A', ['A', 'B']],
  ])('reads %j as %j', (value, expected) => {
    expect(parseSelection(value)).toEqual(expected);
  });
});

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig(base)).toMatchObject({
      temporal: { address: 'temporal.example.com:7233' },
      logLevel: 'info',
      healthPort: 8089,
      prometheusPort: 9000,
      prometheusBindAddress: '0.0.0.0',
      workflowsDir: '/srv/temporal-worker/workflows',
      supportedWorkflows: 'all',
      supportedActivities: 'all',
      auth: undefined,
      sentry: undefined,
      tlsRootCas: undefined,
    });
  });

  it('turns Prometheus off with an empty or zero port', () => {
    expect(loadConfig({ ...base, TWC_PROMETHEUS_PORT: '' }).prometheusPort).toBeUndefined();
    expect(loadConfig({ ...base, TWC_PROMETHEUS_PORT: '0' }).prometheusPort).toBeUndefined();
    expect(loadConfig({ ...base, TWC_PROMETHEUS_PORT: '9100' }).prometheusPort).toBe(9100);
  });

  it('binds metrics where TWC_PROMETHEUS_BIND_ADDRESS says', () => {
    expect(loadConfig({ ...base, TWC_PROMETHEUS_BIND_ADDRESS: '127.0.0.1' }).prometheusBindAddress).toBe(
      '127.0.0.1',
    );
  });

  it('names every missing or bad setting without echoing secret values', () => {
    expect(() =>
      loadConfig({ TWC_HOST: '', TWC_LOG_LEVEL: 'verbose', TWC_QUEUE: 'q', TWC_SENTRY_SAMPLE_RATE: '2' }),
    ).toThrow(/TWC_HOST: host is required.*TWC_NAMESPACE.*TWC_LOG_LEVEL.*TWC_SENTRY_SAMPLE_RATE/);
  });

  it('reads the Google service account settings and defaults the token URI to Google', () => {
    const config = loadConfig({
      ...base,
      TWC_AUTH_PROVIDER: 'google',
      TWC_OIDC_CLIENT_EMAIL: 'a@b.iam.gserviceaccount.com',
      TWC_OIDC_PRIVATE_KEY: 'pem',
      TWC_OIDC_PRIVATE_KEY_ID: 'kid',
    });
    expect(config.auth).toEqual({
      provider: 'google',
      clientEmail: 'a@b.iam.gserviceaccount.com',
      privateKey: 'pem',
      privateKeyId: 'kid',
      tokenUri: 'https://oauth2.googleapis.com/token',
    });
  });

  it('says which oidc keys google auth is missing', () => {
    expect(() => loadConfig({ ...base, TWC_AUTH_PROVIDER: 'google', TWC_OIDC_PRIVATE_KEY: 'pem' })).toThrow(
      "auth-provider 'google' needs oidc-client-email, oidc-private-key-id",
    );
  });

  it('refuses candid, which this worker does not implement', () => {
    expect(() => loadConfig({ ...base, TWC_AUTH_PROVIDER: 'candid' })).toThrow(
      "auth-provider 'candid' is not supported yet",
    );
  });

  it('reads the Sentry settings like the Python charm renders them', () => {
    const config = loadConfig({
      ...base,
      TWC_SENTRY_DSN: 'https://key@sentry.example.com/1',
      TWC_SENTRY_RELEASE: '1.2.3',
      TWC_SENTRY_ENVIRONMENT: 'staging',
      TWC_SENTRY_SAMPLE_RATE: '0.5',
      TWC_SENTRY_REDACT_PARAMS: 'True',
    });
    expect(config.sentry).toEqual({
      dsn: 'https://key@sentry.example.com/1',
      release: '1.2.3',
      environment: 'staging',
      sampleRate: 0.5,
      redactParams: true,
    });
    expect(
      loadConfig({ ...base, TWC_SENTRY_DSN: 'x', TWC_SENTRY_REDACT_PARAMS: 'false' }).sentry,
    ).toMatchObject({
      sampleRate: 1,
      redactParams: false,
    });
  });

  it.each([
    ['warning', 'warning'],
    ['CRITICAL', 'critical'],
    ['', 'info'],
  ])('accepts log-level %j', (value, expected) => {
    expect(loadConfig({ ...base, TWC_LOG_LEVEL: value }).logLevel).toBe(expected);
  });
});
