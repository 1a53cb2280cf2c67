import * as path from 'node:path';
import { OPTION_NAMES } from '../../../src/contract/settings';
import { CLIENT_OPTION_KEYS, parseConfigFile } from '../../../src/trigger/config-file';
import { UsageError, resolveTriggerOptions, type ReadFile } from '../../../src/trigger/options';
import { TEST_CA, TEST_PRIVATE_KEY as PRIVATE_KEY } from '../../harness/test-credentials';
import { PROJECT_ROOT } from '../../harness/tools';

const CA_PEM = `${TEST_CA}\n`;

/** A piece of the key's body: never in a message. */
const KEY_SECRET_PART = PRIVATE_KEY.split('\n')[2]!;
const KEY_32 = 'HLCeMJLLiyLrUOukdThNgRfyraIXZk918rtp5VX/uwI=';

function files(contents: Record<string, string>): ReadFile {
  return (file) => {
    const text = contents[file];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
    return text;
  };
}

const configYml = `temporal-worker-k8s:
  host: "temporal.example.com:443"
  namespace: "rocks"
  queue: "oci-factory"
  tls-root-cas: ${JSON.stringify(CA_PEM)}
  encryption-key: "${KEY_32}"
  auth-provider: "google"
  oidc-project-id: "project"
  oidc-private-key-id: "key-id"
  oidc-private-key: ${JSON.stringify(PRIVATE_KEY)}
  oidc-client-email: "worker@project.iam.gserviceaccount.com"
  oidc-client-id: "1234"
  oidc-auth-uri: "https://accounts.google.com/o/oauth2/auth"
  oidc-token-uri: "https://oauth2.googleapis.com/token"
  oidc-auth-cert-url: "https://www.googleapis.com/oauth2/v1/certs"
  oidc-client-cert-url: "https://www.googleapis.com/robot/v1/metadata/x509/worker"
  log-level: "debug"
  sentry-sample-rate: 0.5
`;

function usageMessage(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('trigger options from flags alone', () => {
  it('starts on localhost:7233 in namespace default without TLS, auth or encryption', () => {
    const options = resolveTriggerOptions(['--topic', 't', '--group', 'g', '--queue', 'q'], files({}));
    expect(options).toMatchObject({
      topic: 't',
      group: 'g',
      workflowId: 'consume-events-t-g',
      wait: false,
      tls: false,
      address: 'localhost:7233',
      settings: {
        namespace: 'default',
        queue: 'q',
        authProvider: undefined,
        encryptionKey: undefined,
      },
    });
  });

  it('takes address, namespace, workflow id and --wait', () => {
    const options = resolveTriggerOptions(
      [
        '--topic=t',
        '--group=g',
        '--queue=q',
        '--address=temporal:7000',
        '--namespace=rocks',
        '--workflow-id=w1',
        '--wait',
      ],
      files({}),
    );
    expect(options).toMatchObject({
      address: 'temporal:7000',
      settings: { namespace: 'rocks' },
      workflowId: 'w1',
      wait: true,
    });
  });

  // Without a port, where temporal-lib-py goes: 443 with TLS, 80 without (docs/temporal-interop.md §2b).
  it.each([
    ['temporal', [], 'temporal:80'],
    ['temporal', ['--tls'], 'temporal:443'],
    ['10.0.0.1:443', [], '10.0.0.1:443'],
    ['[::1]:7233', ['--tls'], '[::1]:7233'],
    ['[::1]', [], '[::1]:80'],
  ])('normalises the address %s (flags %j) to %s', (address, flags, expected) => {
    const options = resolveTriggerOptions(
      ['--topic=t', '--group=g', '--queue=q', `--address=${address}`, ...flags],
      files({}),
    );
    expect(options?.address).toBe(expected);
  });

  it.each(['temporal:0', 'temporal:99999', 'a b', 'host:port'])('rejects the address %s', (address) => {
    expect(
      usageMessage(() =>
        resolveTriggerOptions(['--topic=t', '--group=g', '--queue=q', `--address=${address}`], files({})),
      ),
    ).toContain('--address/host: host');
  });

  it.each([
    [['--group=g', '--queue=q'], '--topic is required'],
    [['--topic=t', '--queue=q'], '--group is required'],
    [['--topic=t', '--group=g'], '--queue is required'],
    [['--topic=t', '--group=g', '--queue=q', '--bogus'], "Unknown option '--bogus'"],
    [['--topic=t', '--group=g', '--queue=q', 'extra'], 'extra'],
    [
      ['--topic=t', '--group=g', '--queue=q', '--auth=kerberos'],
      "--auth must be 'google', 'candid' or 'none'",
    ],
    [
      ['--topic=t', '--group=g', '--queue=q', '--auth=candid'],
      '--auth candid needs candid-url, candid-username',
    ],
  ])('rejects %j', (argv, message) => {
    expect(usageMessage(() => resolveTriggerOptions(argv, files({})))).toContain(message);
  });

  it('returns null for --help', () => {
    expect(resolveTriggerOptions(['--help'], files({}))).toBeNull();
  });

  it('reads the CA bundle and uses the host as TLS server name', () => {
    const options = resolveTriggerOptions(
      ['--topic=t', '--group=g', '--queue=q', '--address=temporal.example.com:443', '--tls-root-cas=ca.pem'],
      files({ 'ca.pem': CA_PEM }),
    );
    expect(options?.tls).toEqual({
      serverNameOverride: 'temporal.example.com',
      serverRootCACertificate: Buffer.from(CA_PEM),
    });
  });

  it('turns TLS on with the system CAs for --tls and --tls-server-name', () => {
    expect(
      resolveTriggerOptions(['--topic=t', '--group=g', '--queue=q', '--address=a:1', '--tls'], files({}))
        ?.tls,
    ).toEqual({
      serverNameOverride: 'a',
    });
    expect(
      resolveTriggerOptions(
        ['--topic=t', '--group=g', '--queue=q', '--address=a:1', '--tls-server-name=b'],
        files({}),
      )?.tls,
    ).toEqual({ serverNameOverride: 'b' });
  });

  it('rejects a CA file that holds no PEM certificate', () => {
    expect(
      usageMessage(() =>
        resolveTriggerOptions(
          ['--topic=t', '--group=g', '--queue=q', '--tls-root-cas=ca.pem'],
          files({ 'ca.pem': 'nope' }),
        ),
      ),
    ).toContain('PEM certificates');
  });

  it('reads the encryption key from a file, trimmed', () => {
    const options = resolveTriggerOptions(
      ['--topic=t', '--group=g', '--queue=q', '--encryption-key-file=key'],
      files({ key: `${KEY_32}\n` }),
    );
    expect(options?.settings.encryptionKey).toEqual(Buffer.from(KEY_32, 'base64'));
  });

  it('says which file it cannot read', () => {
    expect(
      usageMessage(() =>
        resolveTriggerOptions(
          ['--topic=t', '--group=g', '--queue=q', '--encryption-key-file=missing'],
          files({}),
        ),
      ),
    ).toBe('cannot read the encryption key file missing: ENOENT');
  });

  it('reads Google credentials from a service-account JSON file', () => {
    const credentials = JSON.stringify({
      type: 'service_account',
      project_id: 'p',
      private_key_id: 'kid',
      private_key: PRIVATE_KEY,
      client_email: 'w@p.iam.gserviceaccount.com',
      client_id: '1',
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: 'http://127.0.0.1:1/token',
      auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
      client_x509_cert_url: 'https://www.googleapis.com/robot/v1/metadata/x509/w',
    });
    const options = resolveTriggerOptions(
      ['--topic=t', '--group=g', '--queue=q', '--tls', '--auth=google', '--oidc-credentials-file=sa.json'],
      files({ 'sa.json': credentials }),
    );
    expect(options?.settings).toMatchObject({
      authProvider: 'google',
      oidcAuthType: 'service_account',
      oidcProjectId: 'p',
      oidcPrivateKeyId: 'kid',
      oidcPrivateKey: PRIVATE_KEY,
      oidcClientEmail: 'w@p.iam.gserviceaccount.com',
      oidcClientId: '1',
      oidcAuthUri: 'https://accounts.google.com/o/oauth2/auth',
      oidcTokenUri: 'http://127.0.0.1:1/token',
      oidcAuthCertUrl: 'https://www.googleapis.com/oauth2/v1/certs',
      oidcClientCertUrl: 'https://www.googleapis.com/robot/v1/metadata/x509/w',
    });
  });

  const candidConfig = `temporal-worker-k8s:
  candid-url: "http://127.0.0.1:1/macaroon"
  candid-username: "agent"
  candid-public-key: "${'A'.repeat(43)}="
  candid-private-key: "${'B'.repeat(43)}="
`;
  it.each([
    ['google', configYml.replace(/^ {2}tls-root-cas: .*\n/m, '')],
    ['candid', candidConfig],
  ])('refuses --auth %s without TLS, naming the flags that turn it on', (provider, config) => {
    const message = usageMessage(() =>
      resolveTriggerOptions(
        [
          '--topic=t',
          '--group=g',
          '--queue=q',
          '--address=temporal:7233',
          `--auth=${provider}`,
          '--config=config.yml',
        ],
        files({ 'config.yml': config }),
      ),
    );
    expect(message).toBe(
      `--auth ${provider} needs TLS (its credentials are never sent without it): give --tls, ` +
        '--tls-root-cas or --tls-server-name, or tls-root-cas in the --config file',
    );
    expect(message).not.toContain(KEY_SECRET_PART);
  });

  it('names the missing Google fields without printing the ones it has', () => {
    const message = usageMessage(() =>
      resolveTriggerOptions(
        ['--topic=t', '--group=g', '--queue=q', '--auth=google', '--oidc-credentials-file=sa.json'],
        files({ 'sa.json': JSON.stringify({ private_key: PRIVATE_KEY }) }),
      ),
    );
    expect(message).toContain('oidc-private-key-id, oidc-client-email');
    expect(message).toContain('missing from the credentials file sa.json');
    expect(message).not.toContain(KEY_SECRET_PART);
  });
});

describe('trigger options from a config.yml', () => {
  const read = files({ 'config.yml': configYml });

  it('takes host, namespace, queue, TLS, encryption key and Google auth from the charm options', () => {
    const options = resolveTriggerOptions(['--topic=t', '--group=g', '--config=config.yml'], read);
    expect(options).toMatchObject({
      address: 'temporal.example.com:443',
      settings: {
        namespace: 'rocks',
        queue: 'oci-factory',
        encryptionKey: Buffer.from(KEY_32, 'base64'),
        authProvider: 'google',
        oidcPrivateKeyId: 'key-id',
        oidcPrivateKey: PRIVATE_KEY,
        oidcClientEmail: 'worker@project.iam.gserviceaccount.com',
        oidcClientCertUrl: 'https://www.googleapis.com/robot/v1/metadata/x509/worker',
      },
      tls: { serverNameOverride: 'temporal.example.com', serverRootCACertificate: Buffer.from(CA_PEM) },
    });
  });

  it('lets flags win over the config', () => {
    const options = resolveTriggerOptions(
      [
        '--topic=t',
        '--group=g',
        '--config=config.yml',
        '--address=other:1',
        '--namespace=n',
        '--queue=q',
        '--auth=none',
      ],
      read,
    );
    expect(options).toMatchObject({
      address: 'other:1',
      settings: { namespace: 'n', queue: 'q', authProvider: undefined },
    });
  });

  it('accepts the options under another single application name', () => {
    const renamed = configYml.replace('temporal-worker-k8s:', 'my-worker:');
    expect(parseConfigFile(renamed, 'c.yml')).toMatchObject({ queue: 'oci-factory', namespace: 'rocks' });
  });

  it('treats empty values as unset', () => {
    expect(parseConfigFile('temporal-worker-k8s:\n  host: ""\n  queue: q\n', 'c.yml')).toEqual({
      queue: 'q',
    });
  });

  it.each([
    ['- a\n- b\n', 'must be a mapping'],
    ['a: {}\nb: {}\n', "has no 'temporal-worker-k8s' key"],
    ['temporal-worker-k8s: 3\n', 'must hold a mapping'],
    ['temporal-worker-k8s:\n  queue: 3\n', "'queue' must be a string"],
  ])('rejects %j', (text, message) => {
    expect(() => parseConfigFile(text, 'c.yml')).toThrow(message);
  });

  it('reports a YAML error without quoting the file', () => {
    const text = 'temporal-worker-k8s:\n  encryption-key: "s3cret\n  queue: [\n';
    let message = '';
    try {
      parseConfigFile(text, 'c.yml');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('c.yml is not valid YAML');
    expect(message).not.toContain('s3cret');
  });

  it('reads only options the charm defines', () => {
    for (const key of CLIENT_OPTION_KEYS) expect(OPTION_NAMES).toContain(key);
  });

  it("starts from the project's config.yml.template as it stands", () => {
    const template = path.join(PROJECT_ROOT, 'config.yml.template');
    expect(resolveTriggerOptions(['--config', template, '--topic=t', '--group=g'])).toMatchObject({
      topic: 't',
      group: 'g',
      address: 'temporal.example.com:7233',
      settings: {
        namespace: 'rocks',
        queue: 'oci-factory',
        authProvider: undefined,
      },
      workflowId: 'consume-events-t-g',
      wait: false,
      tls: false,
    });
  });
});
