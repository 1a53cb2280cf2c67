// The OCI Factory's config.yml for the Python charm, through `juju config --file` as the fake
// Juju applies it, passes the charm's checks unchanged: the port-less host with TLS goes to
// 443 as temporal-lib-py's does, the ISRG root with trailing spaces after BEGIN parses, and the
// wheel's workflows-file-name is only warned about (reconcile.test.ts, seed-config integration).
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { checkConfig } from '../../../src/charm/config-check';
import { temporalAccess } from '../../../src/temporal/access';
import { FakeJujuModel } from '../../harness/fake-juju';
import { fillSeedConfig } from '../../harness/oci-factory-config';
import { PROJECT_ROOT } from '../../harness/tools';
import { tempDir } from './charm-fixture';

describe("the OCI Factory's config.yml.template", () => {
  it('loads through juju config --file and passes the checks, dialing the host at 443 with TLS', () => {
    const file = path.join(tempDir(), 'config.yml');
    writeFileSync(
      file,
      fillSeedConfig({
        candidUsername: 'rocks-bot',
        candidPublicKey: 'W2SHsjipJPw5kzZiXes1Ztdc/Z/muZhWQEcDl2buSwQ=',
        candidPrivateKey: 'Ruz2JGjQL+hPjQV0l3SLKnRXHqraZsL7YZRHqLjuOBQ=',
      }),
    );
    const model = new FakeJujuModel({ charmDir: PROJECT_ROOT });
    try {
      model.setConfigFile(file);
      const result = checkConfig(model.config());
      if (!result.ok) throw new Error(result.message);
      expect(result.settings).toMatchObject({
        authProvider: 'candid',
        candidUrl: 'https://temporal.staging.canonical.com/http/macaroon',
        namespace: 'rocks',
        queue: 'oci-factory',
        workflowsFileName: 'oci_factory_workflows-0.0.1-py3-none-any.whl',
        supportedWorkflows: 'all',
      });
      const access = temporalAccess(result.settings);
      expect(access.address).toBe('temporal.staging.canonical.com:443');
      expect(access.tls).toMatchObject({ serverNameOverride: 'temporal.staging.canonical.com' });
    } finally {
      model.cleanup();
    }
  });
});
