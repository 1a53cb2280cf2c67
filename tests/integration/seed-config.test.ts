// issue 9, item 3: the OCI Factory's config.yml for the Python charm, filled in as its
// operators do (tests/harness/oci-factory-config.ts), goes through `juju config --file` on the
// fake Juju and brings the built charm to active with our workflows package attached: a real
// Pebble, a real Temporal dev server behind a TLS frontend signed by a CA of the test's own
// (in place of the ISRG root) that admits only what a bakery checker accepts, and a real
// Candid. The wheel's workflows-file-name is warned about once and changes nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BakeryService, CandidServer, type AgentIdentity } from '../harness/candid';
import { CharmUnitOnHost } from '../harness/charm-unit';
import { startRecordingGrpcProxy } from '../harness/grpc-proxy';
import { fillSeedConfig } from '../harness/oci-factory-config';
import { makeCertificates, startTlsProxy } from '../harness/tls-frontend';
import { distFile } from '../harness/tools';

jest.setTimeout(240_000);

const ACTIVE = "worker listening to namespace 'rocks' on queue 'oci-factory'";
const WHEEL = 'oci_factory_workflows-0.0.1-py3-none-any.whl';

describe("the OCI Factory's config.yml through juju config --file", () => {
  let unit: CharmUnitOnHost;
  let candid: CandidServer;
  let bakery: BakeryService;
  let agent: AgentIdentity;
  let frontend: Awaited<ReturnType<typeof startRecordingGrpcProxy>>;
  let tlsFrontend: Awaited<ReturnType<typeof startTlsProxy>>;
  let certificatesDir: string;

  beforeAll(async () => {
    unit = await CharmUnitOnHost.start({ namespace: 'rocks', name: 'seed-config' });
    candid = await CandidServer.start();
    bakery = await BakeryService.start(candid.url);
    agent = await candid.createAgent('oci-factory');
    const admitted = new Map<string, Promise<boolean>>();
    frontend = await startRecordingGrpcProxy(unit.temporal.address, (authorization) => {
      if (!authorization) return Promise.resolve(false);
      if (!admitted.has(authorization)) {
        admitted.set(
          authorization,
          bakery.check(authorization).then(
            () => true,
            () => false,
          ),
        );
      }
      return admitted.get(authorization)!;
    });
    certificatesDir = mkdtempSync(path.join(os.tmpdir(), 'seed-config-tls-'));
    const certificates = makeCertificates(certificatesDir);
    const frontendPort = Number(frontend.address.split(':')[1]);
    tlsFrontend = await startTlsProxy({ port: frontendPort }, certificates.key, certificates.cert);
    const configYml = fillSeedConfig({
      candidUsername: agent.username,
      candidPublicKey: agent.publicKey,
      candidPrivateKey: agent.privateKey,
      candidUrl: bakery.macaroonUrl(),
      host: `localhost:${tlsFrontend.port}`,
      ca: certificates.ca,
    });
    unit.model.setConfigFile(unit.workFile('config.yml', configYml));
    unit.model.attachResource('workflows-file', distFile('oci-factory-workflows-0.0.1.tgz'));
  }, 240_000);

  afterAll(async () => {
    await tlsFrontend?.close();
    await frontend?.close();
    await bakery?.stop();
    await candid?.stop();
    await unit?.stop();
    if (certificatesDir) rmSync(certificatesDir, { recursive: true, force: true });
  });

  it('reaches active over TLS with candid auth, warning once about the wheel name', async () => {
    for (const hook of [
      'install',
      'leader-elected',
      'config-changed',
      'start',
      'temporal-worker-pebble-ready',
    ]) {
      await unit.dispatch(hook);
    }
    expect(await unit.serviceState()).toBe('active');
    await unit.updateStatusUntil('active', ACTIVE);
    await unit.dispatch('update-status');
    await unit.dispatch('config-changed');

    expect(tlsFrontend.handshakes()).toBeGreaterThan(0);
    const admitted = frontend.seen.filter((call) => call.authorization?.startsWith('Macaroon '));
    expect(admitted.length).toBeGreaterThan(0);
    await expect(bakery.check(admitted.at(-1)!.authorization!)).resolves.toBe(agent.username);

    const wheelWarnings = unit.model.logs().filter((entry) => entry.message.includes(WHEEL));
    expect(wheelWarnings).toEqual([
      {
        level: 'WARNING',
        message: expect.stringContaining('names a Python wheel, which this charm does not run: ignored'),
      },
    ]);
    // Nothing secret in what the operator sees.
    expect(unit.model.printed()).not.toContain(agent.privateKey);
    expect(await unit.pebbleCli(['plan'])).not.toContain(agent.privateKey);
  });
});
