// The event bus CA in the env-file, as workflows/.env.template shows it: the PEM in double
// quotes over several lines goes through the charm's env-file parser and reaches the consume
// activity's settings as the same certificate.
import { X509Certificate } from 'node:crypto';
import { parseEnvFile } from '../../../src/charm/env-file';
import { readEventbusSettings } from '../../../workflows/src/activities/consume/eventbus-settings';
import { TEST_CA } from '../../harness/test-credentials';

describe('ROCKS_EVENTBUS_CA in the env-file', () => {
  it('reaches the consume activity as the certificate written', () => {
    const envFile = [
      'ROCKS_EVENTBUS_USERNAME=rocks',
      'ROCKS_EVENTBUS_PASSWORD=pw',
      `ROCKS_EVENTBUS_CA="${TEST_CA}"`,
      'ROCKS_EVENTBUS_CA_FILE=',
      '',
    ].join('\n');
    const parsed = parseEnvFile(envFile);
    if (!parsed.ok) throw new Error(parsed.message);
    const settings = readEventbusSettings(parsed.variables);
    expect(settings.caFile).toBe('ROCKS_EVENTBUS_CA');
    expect(new X509Certificate(settings.caPem).fingerprint256).toBe(
      new X509Certificate(TEST_CA).fingerprint256,
    );
  });
});
