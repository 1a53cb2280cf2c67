// Juju user secrets in the one reconcile (issue 11): `auth-secret-id` and the `environment`
// option's `juju` entries, read through the simulator's secret-get. Values go to the 0600
// secrets file only; an unreadable secret blocks with its id and the fix, never a value.
import { reconcile } from '../../../src/charm/reconcile';
import { SERVICE_NAME } from '../../../src/contract/container';
import type { ConfigValue } from '../../../src/juju/types';
import {
  GOOGLE_CONFIG,
  VALID_CONFIG,
  WORKER_HOME,
  removeTempDirs,
  unit,
  writeFile,
  type Unit,
} from './charm-fixture';

afterAll(removeTempDirs);

const AUTH_ID = 'secret:cs2p3bmmc4tsah0ks7sg';
const ENV_ID = 'secret:d0000000000000000001';
const APP = 'temporal-worker-k8s';

/** GOOGLE_CONFIG's auth options as a secret's keys (the Python charm's names are the options'). */
const GOOGLE_SECRET: Record<string, string> = Object.fromEntries(
  Object.entries(GOOGLE_CONFIG)
    .filter(([key]) => key !== 'tls-root-cas')
    .map(([key, value]) => [key, String(value)]),
);

function putSecret(u: Unit, id: string, content: Record<string, string>, granted = true): void {
  const secret = (u.juju.unitState.secrets[id] ??= { revisions: [], granted, tracked: 0 });
  secret.revisions.push(content);
  secret.granted = granted;
}

function withConfig(extra: Record<string, ConfigValue>): Unit {
  return unit({ config: { ...VALID_CONFIG, 'tls-root-cas': GOOGLE_CONFIG['tls-root-cas']!, ...extra } });
}

const secretsFile = (u: Unit) =>
  JSON.parse(u.pebble.fileText(`${WORKER_HOME}/secrets.json`)!) as Record<string, string>;
const layerText = (u: Unit) => JSON.stringify(u.pebble.plan);

describe('auth-secret-id', () => {
  it('takes the auth settings from a granted secret, into the secrets file only', async () => {
    const u = withConfig({ 'auth-secret-id': AUTH_ID });
    putSecret(u, AUTH_ID, GOOGLE_SECRET);
    await reconcile(u.context);
    expect(u.juju.status?.status).not.toBe('blocked');
    expect(secretsFile(u)).toMatchObject({
      TWC_AUTH_PROVIDER: 'google',
      TWC_OIDC_CLIENT_EMAIL: 'worker@project.iam.gserviceaccount.com',
      TWC_OIDC_PRIVATE_KEY: GOOGLE_SECRET['oidc-private-key'],
    });
    const env = u.pebble.plan.services?.[SERVICE_NAME]?.environment ?? {};
    for (const name of ['TWC_AUTH_PROVIDER', 'TWC_OIDC_CLIENT_EMAIL', 'TWC_OIDC_PROJECT_ID'])
      expect(env[name]).toBeUndefined();
    expect(layerText(u)).not.toContain('worker@project');
    expect(u.juju.calls).toContain('secret-get');
    expect(u.juju.unitState.calls.find((call) => call.tool === 'secret-get')?.args).toContain('--refresh');
  });

  it('overrides the plain options with the secret’s keys', async () => {
    const u = withConfig({ ...GOOGLE_CONFIG, 'oidc-client-id': 'from-config', 'auth-secret-id': AUTH_ID });
    putSecret(u, AUTH_ID, { ...GOOGLE_SECRET, 'oidc-client-id': 'from-secret' });
    await reconcile(u.context);
    expect(secretsFile(u).TWC_OIDC_CLIENT_ID).toBe('from-secret');
  });

  it('re-renders a rotated secret on the next hook (secret-changed)', async () => {
    const u = withConfig({ 'auth-secret-id': AUTH_ID });
    putSecret(u, AUTH_ID, GOOGLE_SECRET);
    await reconcile(u.context);
    const before = u.pebble.plan.services?.[SERVICE_NAME]?.environment?.TWC_SECRETS_HASH;
    putSecret(u, AUTH_ID, { ...GOOGLE_SECRET, 'oidc-client-id': 'rotated' });
    await reconcile(u.context);
    expect(secretsFile(u).TWC_OIDC_CLIENT_ID).toBe('rotated');
    expect(u.pebble.plan.services?.[SERVICE_NAME]?.environment?.TWC_SECRETS_HASH).not.toBe(before);
  });

  it.each([
    [
      'not granted',
      (u: Unit) => putSecret(u, AUTH_ID, GOOGLE_SECRET, false),
      `auth-secret-id: secret ${AUTH_ID} is not granted to this application: run 'juju grant-secret ${AUTH_ID} ${APP}'`,
    ],
    [
      'an unknown id',
      () => undefined,
      `auth-secret-id: secret ${AUTH_ID} not found: check the id with 'juju secrets', then run 'juju grant-secret ${AUTH_ID} ${APP}'`,
    ],
    [
      'a missing key',
      (u: Unit) => {
        const { 'oidc-client-id': _dropped, ...rest } = GOOGLE_SECRET;
        putSecret(u, AUTH_ID, rest);
      },
      `auth-secret-id: secret ${AUTH_ID} has no key oidc-client-id: add it with 'juju update-secret ${AUTH_ID} oidc-client-id=…'`,
    ],
    [
      'no auth-provider',
      (u: Unit) => putSecret(u, AUTH_ID, { 'encryption-key': 'x' }),
      `auth-secret-id: secret ${AUTH_ID} has no key auth-provider: add it with 'juju update-secret ${AUTH_ID} auth-provider=…'`,
    ],
  ])(
    'blocks %s with the id and the fix, never a value, and leaves Pebble alone',
    async (_, prepare, message) => {
      const u = withConfig({ 'auth-secret-id': AUTH_ID });
      prepare(u);
      await reconcile(u.context);
      expect(u.juju.status).toEqual({ status: 'blocked', message });
      expect(u.juju.everythingSaid()).not.toContain('PRIVATE KEY');
      expect(u.pebble.calls).toEqual([]);
    },
  );

  it('blocks an id that is no secret id as invalid config, without calling secret-get', async () => {
    const u = withConfig({ 'auth-secret-id': 'my-secret' });
    await reconcile(u.context);
    expect(u.juju.status?.message).toMatch(/^invalid config: auth-secret-id must be a Juju secret id/);
    expect(u.juju.calls.filter((call) => call.startsWith('secret-get'))).toEqual([]);
  });
});

describe('environment', () => {
  const environment = (text: string) => withConfig({ environment: text });

  it('merges env values and juju secret keys after the env-file, into the secrets file only', async () => {
    const u = environment(
      [
        'env:',
        '  - {name: GREETING, value: hello}',
        '  - {name: LIST, value: [1, {a: b}]}',
        '  - {name: FROM_FILE, value: overridden}',
        'juju:',
        `  - {secret-id: ${ENV_ID}}`,
        `  - {secret-id: ${ENV_ID}, name: SWIFT_PASSWORD, key: swift-key}`,
      ].join('\n'),
    );
    u.juju.resources['env-file'] = writeFile('FROM_FILE=file\nKEPT=1\n', '.env');
    putSecret(u, ENV_ID, { 'swift-key': 's3cr3t-swift', 'github-token': 'ghp-token' });
    await reconcile(u.context);
    expect(u.juju.status?.status).not.toBe('blocked');
    expect(secretsFile(u)).toMatchObject({
      GREETING: 'hello',
      LIST: '[1,{"a":"b"}]',
      FROM_FILE: 'overridden',
      KEPT: '1',
      SWIFT_KEY: 's3cr3t-swift',
      GITHUB_TOKEN: 'ghp-token',
      SWIFT_PASSWORD: 's3cr3t-swift',
    });
    expect(layerText(u)).not.toMatch(/s3cr3t-swift|ghp-token|GREETING/);
  });

  it.each([
    [
      'env:\n  - {name: TWC_QUEUE, value: x}',
      'environment: env entry 1: TWC_QUEUE is refused: names starting with TWC_ are reserved for the charm',
    ],
    [
      'env:\n  - {name: NODE_OPTIONS, value: x}',
      'environment: env entry 1: NODE_OPTIONS is refused: names starting with NODE_ configure Node itself',
    ],
    ['env:\n  - {name: A}', 'environment: env entry 1 must have exactly name and value'],
    [
      'juju:\n  - {secret-id: x, name: A}',
      'environment: juju entry 1 must have secret-id, or secret-id, name and key',
    ],
    [
      'vault:\n  - {path: p, name: A, key: k}',
      'environment: vault entries need a vault relation, which this charm does not have: use juju secrets',
    ],
    ['env: [', 'environment: is not valid YAML'],
  ])('blocks %j', async (text, message) => {
    const u = environment(text);
    await reconcile(u.context);
    expect(u.juju.status).toEqual({ status: 'blocked', message });
  });

  it('refuses a secret key that would name a refused variable', async () => {
    const u = environment(`juju:\n  - {secret-id: ${ENV_ID}}`);
    putSecret(u, ENV_ID, { 'ld-preload': '/tmp/evil.so' });
    await reconcile(u.context);
    expect(u.juju.status?.message).toBe(
      'environment: juju entry 1, key ld-preload: LD_PRELOAD is refused: it changes how the dynamic loader or libc runs the worker',
    );
    expect(u.juju.everythingSaid()).not.toContain('evil');
  });

  it('blocks a revoked secret with the grant command, and a missing key by name', async () => {
    const u = environment(`juju:\n  - {secret-id: ${ENV_ID}, name: TOKEN, key: token}`);
    putSecret(u, ENV_ID, { token: 't0ken' });
    await reconcile(u.context);
    expect(secretsFile(u).TOKEN).toBe('t0ken');
    u.juju.unitState.secrets[ENV_ID]!.granted = false;
    await reconcile(u.context);
    expect(u.juju.status?.message).toBe(
      `environment juju entry 1: secret ${ENV_ID} is not granted to this application: run 'juju grant-secret ${ENV_ID} ${APP}'`,
    );
    u.juju.unitState.secrets[ENV_ID]!.granted = true;
    putSecret(u, ENV_ID, { other: 'x' });
    await reconcile(u.context);
    expect(u.juju.status?.message).toBe(
      `environment juju entry 1: secret ${ENV_ID} has no key token: add it with 'juju update-secret ${ENV_ID} token=…'`,
    );
    expect(u.juju.everythingSaid()).not.toContain('t0ken');
  });
});
