// Juju user secrets through the fake Juju (secret-get as Juju plays it, docs §2.4) with the
// real Pebble and worker: granted, rotated (secret-changed restarts the worker on the new
// content), revoked and wrong-id secrets of the `environment` option and `auth-secret-id`.
// Values reach only the 0600 secrets file: never the Pebble plan, a status or a log.
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { CharmUnitOnHost } from '../harness/charm-unit';
import { TEST_CA, TEST_PRIVATE_KEY } from '../harness/test-credentials';
import { GOOGLE_CONFIG } from '../unit/charm/charm-fixture';

jest.setTimeout(240_000);

const NAMESPACE = 'secrets';
const APP = 'temporal-worker-k8s';
const ENV_ID = 'secret:d0000000000000000001';
const AUTH_ID = 'secret:cs2p3bmmc4tsah0ks7sg';
const MISSING_ID = 'secret:d0000000000000000009';

let unit: CharmUnitOnHost;

beforeAll(async () => {
  unit = await CharmUnitOnHost.start({ namespace: NAMESPACE, name: 'charm-secrets' });
}, 180_000);

afterAll(async () => {
  await unit?.stop();
});

const secretsFile = () => path.join(unit.workerHome, 'secrets.json');
const secrets = () => JSON.parse(readFileSync(secretsFile(), 'utf8')) as Record<string, string>;
const plan = () => unit.pebbleCli(['plan']);

function config(extra: Record<string, string>): void {
  unit.model.setConfig({ host: unit.temporal.address, namespace: NAMESPACE, queue: 'oci-factory', ...extra });
}

describe('environment: juju secret references', () => {
  it('granted: the secret’s values reach the secrets file (0600) and the worker runs', async () => {
    unit.model.putSecret(ENV_ID, { 'swift-key': 'first-s3cret' });
    unit.model.grantSecret(ENV_ID, true);
    config({
      environment: `env:\n  - {name: GREETING, value: hello}\njuju:\n  - {secret-id: ${ENV_ID}, name: SWIFT_PASSWORD, key: swift-key}\n`,
    });
    await unit.dispatch('config-changed');
    await unit.updateStatusUntil('active');
    expect(secrets()).toMatchObject({ GREETING: 'hello', SWIFT_PASSWORD: 'first-s3cret' });
    expect(statSync(secretsFile()).mode & 0o777).toBe(0o600);
    expect(await plan()).not.toMatch(/first-s3cret|GREETING/);
  });

  it('rotated: secret-changed re-renders and restarts the worker on the new value', async () => {
    const before = await plan();
    unit.model.putSecret(ENV_ID, { 'swift-key': 'second-s3cret' });
    await unit.dispatch('secret-changed', { env: { JUJU_SECRET_ID: ENV_ID } });
    expect(secrets().SWIFT_PASSWORD).toBe('second-s3cret');
    const after = await plan();
    // The restart trigger in the layer moved; the value is still not in it.
    expect(after).not.toBe(before);
    expect(after).not.toContain('second-s3cret');
    await unit.updateStatusUntil('active');
  });

  it('revoked: blocks with the id and the grant command, keeps the running worker, says no value', async () => {
    unit.model.grantSecret(ENV_ID, false);
    await unit.dispatch('update-status');
    expect(unit.model.status()).toEqual({
      status: 'blocked',
      message: `environment juju entry 1: secret ${ENV_ID} is not granted to this application: run 'juju grant-secret ${ENV_ID} ${APP}'`,
    });
    expect(await unit.serviceState()).toBe('active');
    unit.model.grantSecret(ENV_ID, true);
    await unit.updateStatusUntil('active');
    expect(unit.model.printed()).not.toMatch(/s3cret/);
  });
});

describe('auth-secret-id', () => {
  it('a wrong id blocks naming it and how to find and grant the right one', async () => {
    config({ 'auth-secret-id': MISSING_ID });
    await unit.dispatch('config-changed');
    expect(unit.model.status()).toEqual({
      status: 'blocked',
      message: `auth-secret-id: secret ${MISSING_ID} not found: check the id with 'juju secrets', then run 'juju grant-secret ${MISSING_ID} ${APP}'`,
    });
  });

  it('a granted secret with a missing key blocks naming the key; complete, its values go to the secrets file only', async () => {
    // The auth settings of the unit tests' Google config, less one key, with a token URI nobody answers.
    const { 'tls-root-cas': _tlsRootCas, 'oidc-client-cert-url': clientCertUrl, ...complete } = GOOGLE_CONFIG;
    const google = { ...complete, 'oidc-token-uri': 'http://127.0.0.1:9/token' };
    unit.model.putSecret(AUTH_ID, google);
    unit.model.grantSecret(AUTH_ID, true);
    config({ 'auth-secret-id': AUTH_ID, 'tls-root-cas': TEST_CA });
    await unit.dispatch('config-changed');
    expect(unit.model.status().message).toBe(
      `auth-secret-id: secret ${AUTH_ID} has no key oidc-client-cert-url: add it with 'juju update-secret ${AUTH_ID} oidc-client-cert-url=…'`,
    );
    unit.model.putSecret(AUTH_ID, {
      ...google,
      'oidc-client-cert-url': String(clientCertUrl),
    });
    await unit.dispatch('secret-changed', { env: { JUJU_SECRET_ID: AUTH_ID } });
    // The worker cannot reach a token endpoint here; the charm's part is done once it rendered.
    expect(unit.model.status().message).not.toMatch(/auth-secret-id|config/);
    expect(secrets()).toMatchObject({ TWC_AUTH_PROVIDER: 'google', TWC_OIDC_PRIVATE_KEY: TEST_PRIVATE_KEY });
    expect(await plan()).not.toMatch(/worker@project|PRIVATE KEY|TWC_AUTH_PROVIDER/);
    expect(unit.model.printed()).not.toMatch(/PRIVATE KEY/);
  });
});
