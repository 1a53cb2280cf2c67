// The settings table against everything that repeats it: config.yaml, the
// config.yml.template operators copy, and the charm → worker hand-over of every setting.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { checkConfig } from '../../../src/charm/config-check';
import { renderWorkerEnvironment } from '../../../src/charm/worker-environment';
import { containerLayout } from '../../../src/contract/container';
import {
  DEFAULT_MAX_BYTES,
  OPTION_KEYS,
  OPTION_NAMES,
  SETTING_KEYS,
  fileEnv,
  spec,
  type ConfigValue,
  type Settings,
} from '../../../src/contract/settings';
import { loadWorkerSettings } from '../../../src/worker/settings';
import { TEST_CA as CA, TEST_PRIVATE_KEY as PRIVATE_KEY } from '../../harness/test-credentials';
import { PROJECT_ROOT } from '../../harness/tools';

/** A valid value of every option other than its default: adding an option means adding one here. */
const SAMPLES: Record<string, ConfigValue> = {
  'log-level': 'DEBUG',
  host: 'temporal.example.com',
  namespace: 'rocks',
  queue: 'oci-factory',
  'supported-workflows': 'ConsumeEventsWorkflow',
  'supported-activities': 'consume, other',
  'workflows-file-name': 'oci-factory-workflows-0.0.1.tgz',
  'encryption-key': Buffer.alloc(32, 7).toString('base64'),
  'auth-provider': 'google',
  'auth-secret-id': 'secret:cs2p3bmmc4tsah0ks7sg',
  'tls-root-cas': CA,
  'candid-url': 'https://candid.example.com',
  'candid-username': 'rocks-bot',
  'candid-public-key': 'W2SHsjipJPw5kzZiXes1Ztdc/Z/muZhWQEcDl2buSwQ=',
  'candid-private-key': 'Ruz2JGjQL+hPjQV0l3SLKnRXHqraZsL7YZRHqLjuOBQ=',
  'oidc-auth-type': 'service_account',
  'oidc-project-id': 'project',
  'oidc-private-key-id': 'key-id',
  'oidc-private-key': PRIVATE_KEY,
  'oidc-client-email': 'worker@project.iam.gserviceaccount.com',
  'oidc-client-id': '1234',
  'oidc-auth-uri': 'https://accounts.google.com/o/oauth2/auth',
  'oidc-token-uri': 'http://127.0.0.1:9/token',
  'oidc-auth-cert-url': 'https://www.googleapis.com/oauth2/v1/certs',
  'oidc-client-cert-url': 'https://www.googleapis.com/robot/v1/metadata/x509/worker',
  'http-proxy': 'http://squid.internal:3128',
  'https-proxy': 'http://squid.internal:3128',
  'no-proxy': '.canonical.com, localhost',
  environment: 'env:\n  - name: GREETING\n    value: hello\n',
  'sentry-dsn': 'https://key@sentry.example.com/1',
  'sentry-release': '1.2.3',
  'sentry-environment': 'staging',
  'sentry-redact-params': true,
  'sentry-sample-rate': 0.25,
  'no-event-alert-period': '36h',
  'db-name': 'rocks_workflows',
};

function checked(config: Record<string, ConfigValue | null>): Settings {
  const result = checkConfig(config);
  if (!result.ok) throw new Error(result.message);
  return result.settings;
}

/** What the worker reads after the charm rendered `config`: the layer environment plus the secrets file. */
function handedOver(config: Record<string, ConfigValue | null>) {
  const rendered = renderWorkerEnvironment({
    config,
    envFileVariables: {},
    modelProxies: { http: '', https: '', no: '' },
    layout: containerLayout('/srv/temporal-worker'),
    workflowsHash: 'abc',
    ports: { health: 8089, prometheus: 9100, workflowsMetrics: 9101 },
  });
  const secrets = JSON.parse(rendered.secretsFileContent) as Record<string, string>;
  // The files the charm pushes for large settings, as the worker reads them in the container.
  const files = new Map(rendered.settingFiles.map((file) => [file.path, file.content]));
  const readFile = (file: string) => {
    if (!files.has(file)) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
    return files.get(file)!;
  };
  return {
    rendered,
    settings: loadWorkerSettings({ ...rendered.layerEnvironment, ...secrets }, readFile),
  };
}

describe('the settings table', () => {
  it('has a sample for every option, and the samples pass the charm’s check', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual([...OPTION_NAMES].sort());
    expect(checkConfig(SAMPLES)).toMatchObject({ ok: true });
  });

  it('names every option’s variable TWC_<OPTION> as the Python charm did, and no two settings alike', () => {
    for (const key of OPTION_KEYS) {
      expect(spec(key).env).toBe(`TWC_${spec(key).option!.toUpperCase().replace(/-/g, '_')}`);
    }
    const names = SETTING_KEYS.map((key) => spec(key).env);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(OPTION_KEYS.filter((key) => spec(key).readers.includes('worker')))(
    'hands %s from the charm to the worker unchanged',
    (key) => {
      const { settings } = handedOver(SAMPLES);
      expect(settings[key]).toEqual(checked(SAMPLES)[key]);
    },
  );

  it.each(OPTION_KEYS.filter((key) => spec(key).readers.includes('worker')))(
    'hands the default of %s over as the worker’s default',
    (key) => {
      const minimal = { host: 'temporal:7233', namespace: 'rocks', queue: 'q' };
      expect(handedOver(minimal).settings[key]).toEqual(checked(minimal)[key]);
    },
  );

  it('hands over where the charm put things and the ports it chose', () => {
    expect(handedOver(SAMPLES).settings).toMatchObject({
      secretsFile: '/srv/temporal-worker/secrets.json',
      statusFile: '/srv/temporal-worker/state/status.json',
      workflowsDir: '/srv/temporal-worker/workflows/abc',
      healthPort: 8089,
      prometheusPort: 9100,
    });
  });

  it('keeps every secret option out of the layer', () => {
    const { rendered } = handedOver(SAMPLES);
    const layer = JSON.stringify(rendered.layerEnvironment);
    for (const key of OPTION_KEYS.filter((k) => spec(k).secret)) {
      expect(rendered.layerEnvironment[spec(key).env]).toBeUndefined();
      expect(layer).not.toContain(String(SAMPLES[spec(key).option!]).slice(0, 24));
    }
  });
});

describe('size bounds and large values (issue 10, item 7)', () => {
  const LAYER_STRING_LIMIT = 128 * 1024;

  it('bounds every setting, and keeps every layer variable far below the 128 KiB of one environment string', () => {
    for (const key of SETTING_KEYS) {
      const bound = spec(key).maxBytes ?? DEFAULT_MAX_BYTES;
      if (!spec(key).file && !spec(key).secret) expect(bound).toBeLessThanOrEqual(LAYER_STRING_LIMIT / 4);
    }
    const layerTotal = SETTING_KEYS.filter((key) => !spec(key).file && !spec(key).secret)
      .map((key) => spec(key).maxBytes ?? DEFAULT_MAX_BYTES)
      .reduce((sum, bound) => sum + bound, 0);
    expect(layerTotal).toBeLessThan(1024 * 1024);
  });

  it.each(OPTION_KEYS.filter((key) => spec(key).type === 'string'))(
    'refuses %s longer than its bound, naming the option and not the value',
    (key) => {
      const bound = spec(key).maxBytes ?? DEFAULT_MAX_BYTES;
      const result = checkConfig({
        host: 'temporal:7233',
        namespace: 'rocks',
        queue: 'q',
        [spec(key).option!]: 'x'.repeat(bound + 1),
      });
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.message).toContain(`${spec(key).option!} is larger than`);
        expect(result.message).not.toContain('xxxx');
      }
    },
  );

  it('hands tls-root-cas over in a file named in the layer, never in the layer environment', () => {
    const { rendered, settings } = handedOver({
      host: 'temporal:7233',
      namespace: 'rocks',
      queue: 'q',
      'auth-secret-id': 'secret:cs2p3bmmc4tsah0ks7sg',
      'tls-root-cas': CA,
    });
    expect(rendered.layerEnvironment[spec('tlsRootCas').env]).toBeUndefined();
    expect(rendered.layerEnvironment[fileEnv('tlsRootCas')]).toMatch(
      /^\/srv\/temporal-worker\/settings\/tls-root-cas-[0-9a-f]{16}$/,
    );
    expect(JSON.stringify(rendered.layerEnvironment)).not.toContain('BEGIN CERTIFICATE');
    expect(settings.tlsRootCas).toBe(CA);
  });

  it('checks a 4 MB tls-root-cas in well under a second, and 8,000 unterminated BEGIN lines at once', () => {
    const bundle = Array.from({ length: Math.ceil((4 * 1024 * 1024) / CA.length) }, () => CA).join('\n');
    let started = performance.now();
    expect(
      checkConfig({ host: 'temporal:7233', namespace: 'rocks', queue: 'q', 'tls-root-cas': bundle }).ok,
    ).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
    const begins = '-----BEGIN CERTIFICATE-----\nAAAA\n'.repeat(8000);
    started = performance.now();
    expect(
      checkConfig({ host: 'temporal:7233', namespace: 'rocks', queue: 'q', 'tls-root-cas': begins }),
    ).toMatchObject({ ok: false });
    expect(performance.now() - started).toBeLessThan(100);
  });
});

describe('config.yml.template', () => {
  const template = parse(readFileSync(path.join(PROJECT_ROOT, 'config.yml.template'), 'utf8')) as Record<
    string,
    Record<string, ConfigValue>
  >;
  const options = template['temporal-worker-k8s']!;

  it('sets only options the table defines', () => {
    for (const name of Object.keys(options)) expect(OPTION_NAMES).toContain(name);
  });

  it('passes the charm’s check as it stands, with the table’s types', () => {
    expect(checkConfig(options)).toMatchObject({ ok: true });
  });
});
