// The soak's set-up, as the fault tests and the demo make theirs: a Kafka broker (SASL_SSL),
// one unit of the built charm on this host (real Pebble, the fake Juju, the Temporal dev
// server), the auth frontend before Temporal, the stand-ins seeded with the OCI Factory
// scenario (a FaultRun of its own), the charm configured and the env-file attached as an
// operator would, and ConsumeEventsWorkflow started. Everything started registers how to
// stop it with the teardown as soon as it runs.
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { CONTAINER_NAME, SERVICE_NAME } from '../src/contract/container';
import { payloadCodecs } from '../src/temporal/codec';
import { renderEnvFile } from '../demo/operator-files';
import type { Teardown } from '../demo/teardown';
import { CharmUnitOnHost } from '../tests/harness/charm-unit';
import { distFile } from '../tests/harness/tools';
import { KafkaBroker } from '../workflows/tests/harness/kafka';
import { FaultRun } from '../workflows/tests/integration/fault-run';
import { KAFKA_USERS } from '../workflows/tests/integration/fault-suite';
import { startAuthFrontend, type AuthFrontend, type AuthProvider } from './auth';

const NAMESPACE = 'rocks';
/**
 * Small, so that ConsumeEventsWorkflow continues as new every few events: hundreds of times
 * in a 30-minute run at one event every 2 s.
 */
export const MAX_EVENTS_PER_RUN = 4;
const ACTIVE_HOOKS = [
  'install',
  'leader-elected',
  'config-changed',
  'start',
  `${CONTAINER_NAME}-pebble-ready`,
];

/** Each stop is bounded: what outlives it is killed by the soak's process ledger. */
const STOP_TIMEOUT_MS = 60_000;

function bounded(stop: () => Promise<unknown>): () => Promise<void> {
  return async () => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        stop(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`not stopped within ${STOP_TIMEOUT_MS / 1000} s`)),
            STOP_TIMEOUT_MS,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };
}

export interface WorldOptions {
  auth: AuthProvider;
  /** Where the env-file and, at the end, the Pebble log (the worker's output) go. */
  workDir: string;
  teardown: Teardown;
  say: (line: string) => void;
}

export class SoakWorld {
  private constructor(
    readonly broker: KafkaBroker,
    readonly unit: CharmUnitOnHost,
    readonly auth: AuthFrontend,
    readonly run: FaultRun,
    readonly client: Client,
    readonly workflowId: string,
  ) {}

  static async start({ auth: provider, workDir, teardown, say }: WorldOptions): Promise<SoakWorld> {
    say('starting a Kafka broker, the Temporal dev server, Pebble and the fake Juju');
    // Both start in parallel; each registers its teardown even when the other fails.
    const [brokerStart, unitStart] = await Promise.allSettled([
      KafkaBroker.start({ users: KAFKA_USERS }).then((started) => {
        teardown.add(
          'the Kafka broker',
          bounded(async () => {
            writeFileSync(path.join(workDir, 'kafka-broker.log'), `${started.logTail(400)}\n`);
            await started.stop();
          }),
        );
        return started;
      }),
      CharmUnitOnHost.start({ namespace: NAMESPACE, name: 'soak' }).then((started) => {
        teardown.add(
          'Pebble, the worker, the Temporal dev server and the fake Juju',
          bounded(async () => {
            // The service first, so that the worker drains within its kill-delay before Pebble goes.
            await started.pebble.cli(['stop', SERVICE_NAME]).catch(() => undefined);
            if (existsSync(started.pebble.logFile))
              copyFileSync(started.pebble.logFile, path.join(workDir, 'pebble.log'));
            writeFileSync(path.join(workDir, 'temporal-server.log'), started.temporal.log);
            await started.stop();
          }),
        );
        return started;
      }),
    ]);
    if (brokerStart.status === 'rejected') throw brokerStart.reason;
    if (unitStart.status === 'rejected') throw unitStart.reason;
    const [broker, unit] = [brokerStart.value, unitStart.value];

    say(`starting ${provider} auth: credentials valid for a minute, a frontend that refuses expired ones`);
    const auth = await startAuthFrontend(provider, unit.temporal.address);
    teardown.add(
      `the ${provider} auth frontend`,
      bounded(() => auth.close()),
    );

    const encryptionKey = randomBytes(32);
    const connection = await Connection.connect({ address: unit.temporal.address });
    teardown.add(
      'the Temporal client',
      bounded(() => connection.close()),
    );
    const client = new Client({
      connection,
      namespace: NAMESPACE,
      dataConverter: payloadCodecs(encryptionKey),
    });

    say('starting the stand-ins seeded with the OCI Factory scenario, and the topic');
    const run = await FaultRun.open('soak', {
      broker,
      temporal: () => ({ address: unit.temporal.address, client }),
      bundle: '', // the worker is the charm's, not a FaultRun worker child
    });
    // Registered before the workflow starts: close() terminates it, then stops the stand-ins.
    teardown.add(
      'ConsumeEventsWorkflow and the stand-ins',
      bounded(() => run.close()),
    );

    say(
      'configuring the charm as an operator would: juju config, attach-resource env-file and workflows-file',
    );
    // The package's own timeouts and retry budgets (not the fault tests' short ones): a long life.
    const envFile = path.join(workDir, '.env');
    writeFileSync(
      envFile,
      renderEnvFile(null, {
        ...run.standins.env,
        ROCKS_EVENTBUS_KAFKA_ADDRESS: broker.address,
        ROCKS_EVENTBUS_CA_FILE: broker.caFile,
        ROCKS_EVENTBUS_MAX_EVENTS_PER_RUN: String(MAX_EVENTS_PER_RUN),
      }),
      { mode: 0o600 },
    );
    unit.model.setConfig({
      host: auth.host,
      namespace: NAMESPACE,
      queue: run.taskQueue,
      'encryption-key': encryptionKey.toString('base64'),
      ...auth.options,
    });
    unit.model.attachResource('env-file', envFile);
    unit.model.attachResource('workflows-file', distFile('oci-factory-workflows-0.0.1.tgz'));
    // Stopped first: the worker then drains while everything it talks to is still there.
    teardown.add(
      'the worker service',
      bounded(() => unit.pebble.cli(['stop', SERVICE_NAME])),
    );
    for (const hook of ACTIVE_HOOKS) await unit.dispatch(hook);
    await unit.updateStatusUntil('active');
    say(`unit active: ${unit.model.status().message}`);

    const workflowId = await run.startWorkflow();
    await run.waitUntilConsuming();
    say(`ConsumeEventsWorkflow ${workflowId} consumes ${run.topic} in group ${run.group}`);
    return new SoakWorld(broker, unit, auth, run, client, workflowId);
  }

  /** The images every event must dispatch, by name. */
  get expectedImages(): string[] {
    return this.run.expectedImages;
  }

  /** The runs of ConsumeEventsWorkflow so far: the first and each continue-as-new. */
  async workflowRuns(): Promise<number> {
    let runs = 0;
    for await (const _execution of this.client.workflow.list({ query: `WorkflowId = '${this.workflowId}'` }))
      runs++;
    return runs;
  }
}
