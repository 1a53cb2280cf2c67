// Scale-out: two units of the charm, each with its own workload container (a real Pebble),
// reconciled independently by `./dispatch`; both run a worker that goes active against
// one real Temporal dev server, and leadership changes nothing for either.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FakeJujuModel } from '../harness/fake-juju';
import { startPebble, type RunningPebble } from '../harness/pebble';
import { freePort } from '../../workflows/tests/harness/ports';
import { TemporalDevServer } from '../harness/temporal';
import { PROJECT_ROOT, distFile } from '../harness/tools';

jest.setTimeout(240_000);

const NAMESPACE = 'rocks';
const QUEUE = 'oci-factory';
const ACTIVE = {
  status: 'active',
  message: `worker listening to namespace '${NAMESPACE}' on queue '${QUEUE}'`,
};

interface Unit {
  model: FakeJujuModel;
  pebble: RunningPebble;
  env: Record<string, string>;
}

let temporal: TemporalDevServer;
let workDir: string;
const units: Unit[] = [];

async function dispatch(unit: Unit, event: string): Promise<void> {
  const result = await unit.model.dispatch(event, { env: unit.env });
  if (result.exitCode !== 0)
    throw new Error(`${unit.model.unit} ${event} exited ${result.exitCode}: ${result.stderr}`);
}

async function untilActive(unit: Unit): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    await dispatch(unit, 'update-status');
    const status = unit.model.status();
    if (status.status === ACTIVE.status && status.message === ACTIVE.message) return;
    if (Date.now() > deadline) throw new Error(`${unit.model.unit} stayed ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

beforeAll(async () => {
  distFile('charm.js');
  distFile('worker', 'worker.js');
  workDir = mkdtempSync(path.join(os.tmpdir(), 'charm-scale-'));
  temporal = await TemporalDevServer.start({ namespace: NAMESPACE });
  for (const [index, leader] of [
    [0, true],
    [1, false],
  ] as const) {
    const pebble = await startPebble();
    const model = new FakeJujuModel({
      charmDir: PROJECT_ROOT,
      unit: `temporal-worker-k8s/${index}`,
      leader,
      config: { host: temporal.address, namespace: NAMESPACE, queue: QUEUE },
    });
    units.push({
      model,
      pebble,
      env: {
        CHARM_CONTAINERS_DIR: pebble.containersDir,
        CHARM_WORKER_HOME: path.join(workDir, `unit-${index}`),
        // Pebble runs on the host, which has no `node` user: the worker runs as this process's user.
        CHARM_WORKER_USER: os.userInfo().username,
        CHARM_HEALTH_PORT: String(await freePort()),
        CHARM_PROMETHEUS_PORT: String(await freePort()),
        CHARM_WORKFLOWS_METRICS_PORT: String(await freePort()),
      },
    });
  }
}, 180_000);

afterAll(async () => {
  for (const unit of units) {
    await unit.pebble.stop();
    unit.model.cleanup();
  }
  await temporal?.shutdown();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('two units', () => {
  it('each run a worker, leader or not', async () => {
    for (const unit of units) {
      await dispatch(unit, 'install');
      await dispatch(unit, 'temporal-worker-pebble-ready');
    }
    for (const unit of units) await untilActive(unit);
    const plans = await Promise.all(units.map((unit) => unit.pebble.cli(['services'])));
    for (const plan of plans) expect(plan.stdout).toMatch(/temporal-worker\s+enabled\s+active/);
    for (const unit of units) expect(unit.model.applicationVersion()).toBe('oci-factory-workflows@0.0.1');
  });

  it('a leadership change restarts neither worker', async () => {
    const changesBefore = await Promise.all(units.map((unit) => unit.pebble.cli(['changes'])));
    units[0]!.model.setLeader(false);
    units[1]!.model.setLeader(true);
    for (const unit of units) await dispatch(unit, 'leader-elected');
    const changesAfter = await Promise.all(units.map((unit) => unit.pebble.cli(['changes'])));
    expect(changesAfter.map((changes) => changes.stdout)).toEqual(
      changesBefore.map((changes) => changes.stdout),
    );
    for (const unit of units) expect(unit.model.status()).toEqual(ACTIVE);
  });
});
