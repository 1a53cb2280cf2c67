// The demo's steps, one after the other: start the local components, drive the charm as
// Juju would, start ConsumeEventsWorkflow, publish one event, wait for the rebuilds, show
// the outcome. Everything started is registered with the teardown as soon as it runs.
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { FakeJujuModel } from '../tests/harness/fake-juju';
import { KafkaBroker } from '../workflows/tests/harness/kafka';
import { startPebble, type RunningPebble } from '../tests/harness/pebble';
import { startStandins, type Standins } from '../workflows/tests/harness/standins';
import {
  RELEASED_IMAGES,
  SCENARIO_REVISIONS,
  SWIFT_CONTAINER,
  seedOciFactoryScenario,
} from '../workflows/tests/harness/standins/oci-factory-scenario';
import { TemporalDevServer } from '../tests/harness/temporal';
import { PROJECT_ROOT } from '../tests/harness/tools';
import { CONTAINER_NAME, SERVICE_NAME } from '../src/contract/container';
import {
  describeConsumeEvents,
  inspectConsumeEvents,
  startConsumeEvents,
  type ConsumeEventsRun,
} from './consume-workflow';
import { integrateWithCos, showWhatCosSees, type Observability } from './observability';
import { describeDispatch, describePost, postHistories } from './outcome';
import { readTemplate, redactedConfig, renderConfigYml, renderEnvFile } from './operator-files';
import {
  buildIsStale,
  missingBuild,
  missingCharmFiles,
  missingTools,
  runNpmScript,
  takenWorkerPorts,
  workflowsPackageFile,
} from './prerequisites';
import { ProcessLedger } from './processes';
import { DemoInterrupted, Progress, StepError, StepFailed, type Say } from './progress';
import { prepareTopic, publishEvent, ubuntuReleaseEvent } from './release-event';
import { Teardown } from './teardown';
import { workerOutputTail } from './worker-log';
import { APPLICATION, UnitAgent, jujuStatusView } from './unit-agent';

const NAMESPACE = 'rocks';
const QUEUE = 'oci-factory';
const TOPIC = 'ubuntu-oci-releases';
const CONSUMER_GROUP = 'oci-factory-rebuilds';
const UBUNTU_RELEASE = '22.04';
const UBUNTU_SERIES = 'jammy';
const ACTIVE_TIMEOUT_MS = 180_000;
const BLOCKED_GRACE_MS = 30_000;
const DISPATCH_TIMEOUT_MS = 180_000;
/** The consume activity retries with backoff; after this many attempts it is not a hiccup. */
const FAILED_ATTEMPTS_TO_GIVE_UP = 4;
const INSPECT_WORKFLOW_EVERY_MS = 5_000;
const UPDATE_STATUS_EVERY_MS = 10_000;
const TOTAL_STEPS = 15;

export interface DemoArgs {
  keepRunning: boolean;
  workDir: string;
}

/** The file `npm run pack` writes for this machine's architecture (scripts/pack.mjs names it). */
async function packedCharmFile(root: string): Promise<string> {
  const { charmFileName, platformFor } = (await import('../scripts/pack.mjs')) as {
    charmFileName(name: string, platformLabel: string): string;
    platformFor(charmcraft: unknown, arch: string): { label: string };
  };
  const platforms = JSON.parse(readFileSync(path.join(root, 'src', 'platforms.json'), 'utf8')) as {
    architectures: Record<string, { nodeArch: string }>;
  };
  const arch =
    Object.entries(platforms.architectures).find(([, spec]) => spec.nodeArch === process.arch)?.[0] ??
    'amd64';
  const charmcraft = parseYaml(readFileSync(path.join(root, 'charmcraft.yaml'), 'utf8')) as unknown;
  return charmFileName(APPLICATION, platformFor(charmcraft, arch).label);
}

/** What `juju deploy` takes from metadata.yaml: the workload image and the peer relations. */
function readCharmMetadata(root: string): { image: string; peers: string[] } {
  const metadata = parseYaml(readFileSync(path.join(root, 'metadata.yaml'), 'utf8')) as {
    resources?: Record<string, { 'upstream-source'?: string }>;
    peers?: Record<string, unknown>;
  };
  return {
    image: metadata.resources?.['temporal-worker-image']?.['upstream-source'] ?? '<image>',
    peers: Object.keys(metadata.peers ?? {}),
  };
}

export const relative = (file: string): string => {
  const inProject = path.relative(PROJECT_ROOT, file);
  return inProject.startsWith('..') ? file : `./${inProject}`;
};

/** The files of the work dir (only what the demo writes there, so a --work-dir is never emptied wholesale). */
export function workFiles(workDir: string) {
  return {
    configYml: path.join(workDir, 'config.yml'),
    envFile: path.join(workDir, '.env'),
    eventbusCa: path.join(workDir, 'eventbus-ca.pem'),
    workerHome: path.join(workDir, 'worker-home'),
    logs: path.join(workDir, 'logs'),
    pidFile: path.join(workDir, 'demo.pids.json'),
  };
}
export type WorkFiles = ReturnType<typeof workFiles>;

interface Running {
  server?: TemporalDevServer;
  broker?: KafkaBroker;
  eventbusUser?: { username: string; password: string };
  standins?: Standins;
  pebble?: RunningPebble;
  model?: FakeJujuModel;
  agent?: UnitAgent;
  consume?: ConsumeEventsRun;
  schemaId?: number;
  cos?: Observability;
}

export class Demo {
  private readonly running: Running = {};
  private interrupted: NodeJS.Signals | undefined;
  private unexpected: StepFailed | undefined;
  private wakeKeepRunning: (() => void) | undefined;
  readonly teardown: Teardown;
  readonly ledger: ProcessLedger;
  readonly progress: Progress;

  constructor(
    private readonly args: DemoArgs,
    private readonly files: WorkFiles,
  ) {
    this.ledger = new ProcessLedger(files.pidFile);
    this.teardown = new Teardown((line) => console.log(`      ${line}`));
    this.progress = new Progress(TOTAL_STEPS, undefined, () => this.checkInterrupted());
  }

  checkInterrupted(): void {
    if (this.unexpected) throw this.unexpected;
    if (this.interrupted) throw new DemoInterrupted(this.interrupted);
  }

  /** An error outside any step (an unhandled rejection in a client library): ends the demo at the next check. */
  abort(error: unknown): void {
    this.unexpected ??= new StepFailed(
      'in the background',
      `unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      [],
    );
    this.wakeKeepRunning?.();
  }

  /** The signal that stopped the demo, if one did (a component may have failed from the same Ctrl-C first). */
  get interruptedBy(): NodeJS.Signals | undefined {
    return this.interrupted;
  }

  interrupt(signal: NodeJS.Signals): void {
    this.interrupted ??= signal;
    this.wakeKeepRunning?.();
  }

  private get env(): { CHARM_CONTAINERS_DIR: string; CHARM_WORKER_HOME: string; CHARM_WORKER_USER: string } {
    return {
      CHARM_CONTAINERS_DIR: this.running.pebble!.containersDir,
      CHARM_WORKER_HOME: this.files.workerHome,
      // Pebble runs on the host, which has no `node` user: the worker runs as this process's user.
      CHARM_WORKER_USER: os.userInfo().username,
    };
  }

  async run(): Promise<void> {
    const { progress, running, files, teardown } = this;
    const logsDir = files.logs;
    const workflowsFile = workflowsPackageFile(PROJECT_ROOT);

    await progress.step('Checking the tools (npm run setup) and the build (npm run build)', async (say) => {
      const tools = missingTools(PROJECT_ROOT);
      if (tools.length > 0) {
        say(`missing ${tools.join(', ')}: running npm run setup`);
        await runNpmScript(PROJECT_ROOT, 'setup', () => this.ledger.snapshot());
      }
      const built = missingBuild(PROJECT_ROOT);
      if (built.length > 0) {
        say(`missing ${built.join(', ')}: running npm run build`);
        await runNpmScript(PROJECT_ROOT, 'build', () => this.ledger.snapshot());
      }
      const stillMissing = [
        ...missingTools(PROJECT_ROOT),
        ...missingBuild(PROJECT_ROOT),
        ...missingCharmFiles(PROJECT_ROOT),
      ];
      if (stillMissing.length > 0) {
        throw new StepError(`still missing after set-up and build: ${stillMissing.join(', ')}`);
      }
      const taken = await takenWorkerPorts();
      if (taken.length > 0) {
        throw new StepError(`the worker's ${taken.join(' and ')} already in use: stop what listens there`);
      }
      if (buildIsStale(PROJECT_ROOT)) {
        say(
          'note: src/ or workflows/src/ changed after the last build; run `npm run build` to demo your changes',
        );
      }
      say(
        `tools/ has Pebble, the Temporal CLI and Kafka's jars; dist/ has the charm, the worker and ${relative(workflowsFile)}`,
      );
    });

    await progress.step('Starting a local Temporal dev server', async (say) => {
      const server = await TemporalDevServer.start({ namespace: NAMESPACE });
      running.server = server;
      teardown.add('the Temporal dev server', async () => {
        await server.shutdown();
        writeFileSync(path.join(logsDir, 'temporal-server.log'), server.log);
      });
      say(`Temporal frontend at ${server.address}, namespace '${NAMESPACE}'`);
    });

    await progress.step('Starting a Kafka broker (KRaft, SASL_SSL with SCRAM-SHA-512)', async (say) => {
      const eventbusUser = { username: 'rocks-eventbus', password: randomBytes(12).toString('hex') };
      const broker = await KafkaBroker.start({
        users: [{ username: 'admin', password: randomBytes(12).toString('hex') }, eventbusUser],
      });
      running.broker = broker;
      running.eventbusUser = eventbusUser;
      teardown.add('the Kafka broker', async () => {
        writeFileSync(path.join(logsDir, 'kafka-broker.log'), `${broker.logTail(400)}\n`);
        await broker.stop();
      });
      copyFileSync(broker.caFile, files.eventbusCa);
      say(
        `broker at ${broker.address}, user '${eventbusUser.username}', CA certificate ${relative(files.eventbusCa)}`,
      );
    });

    await progress.step(
      'Starting the stand-ins for the schema registry, Swift, GitHub, registry tags and Mattermost',
      async (say) => {
        const { username, password } = running.eventbusUser!;
        const standins = await startStandins({ schemaRegistry: { username, password } });
        running.standins = standins;
        teardown.add('the stand-ins', () => standins.stop());
        // The worker judges end-of-life by the real clock: seed the scenario for today.
        seedOciFactoryScenario(standins, { now: new Date() });
        say(`schema registry (Karapace API)  ${standins.schemaRegistry.url}`);
        say(`Keystone and Swift               ${standins.swift.authUrl}, ${standins.swift.storageUrl}`);
        say(`GitHub API                       ${standins.github.url}`);
        say(`registry tags API                ${standins.registryTags.url}`);
        say(`Mattermost                       ${standins.mattermost.url}`);
        const on2204 = new Set(
          SCENARIO_REVISIONS.filter((revision) => revision.base === `ubuntu@${UBUNTU_RELEASE}`).map(
            (revision) => revision.image,
          ),
        );
        say(
          `seeded the OCI Factory: released images ${RELEASED_IMAGES.join(', ')} (_releases.json on the ` +
            `_releases branch), ${SCENARIO_REVISIONS.length} revisions' build metadata in Swift ` +
            `(${[...on2204].join(', ')} have revisions on ubuntu@${UBUNTU_RELEASE}), their registry tags`,
        );
      },
    );

    await progress.step(`Starting Pebble, the unit's workload container '${CONTAINER_NAME}'`, async (say) => {
      mkdirSync(files.workerHome, { recursive: true });
      const pebble = await startPebble({ containerName: CONTAINER_NAME });
      running.pebble = pebble;
      teardown.add(`Pebble (pid ${pebble.pid}) and the worker service`, async () => {
        // The service first, so that the worker gets its kill-delay to drain before Pebble goes.
        await pebble.cli(['stop', SERVICE_NAME]).catch(() => undefined);
        if (existsSync(pebble.logFile)) copyFileSync(pebble.logFile, path.join(logsDir, 'pebble.log'));
        await pebble.stop();
      });
      this.ledger.snapshot();
      say(`pebble run --hold (pid ${pebble.pid}), socket ${pebble.socketPath}`);
      say(`the charm sees it as /charm/containers/${CONTAINER_NAME}/pebble.socket (CHARM_CONTAINERS_DIR)`);
    });

    await progress.step(`juju deploy ${APPLICATION}: the charm's first hooks`, async (say) => {
      const metadata = readCharmMetadata(PROJECT_ROOT);
      say(
        `$ juju deploy ./${await packedCharmFile(PROJECT_ROOT)} --resource temporal-worker-image=${metadata.image}`,
      );
      // The unit's address is this machine's loopback: Prometheus scrapes the worker there.
      const model = new FakeJujuModel({ charmDir: PROJECT_ROOT, modelName: 'demo', address: '127.0.0.1' });
      running.model = model;
      teardown.add('the fake Juju model', () => model.cleanup());
      const agent = new UnitAgent({
        model,
        env: this.env,
        pebbleSocket: running.pebble!.socketPath,
        pebbleLogFile: running.pebble!.logFile,
        debugLog: path.join(logsDir, 'juju-debug.log'),
        say,
        checkInterrupted: () => this.checkInterrupted(),
      });
      running.agent = agent;
      // The order Juju runs them in for a new unit: install, each peer relation created, leader-elected, …
      await agent.run('install');
      for (const endpoint of metadata.peers) {
        model.addRelation(endpoint, APPLICATION);
        await agent.run(`${endpoint}-relation-created`);
      }
      for (const hook of ['leader-elected', 'config-changed', 'start', `${CONTAINER_NAME}-pebble-ready`]) {
        await agent.run(hook);
      }
    });

    await progress.step(`juju config ${APPLICATION} --file config.yml`, async (say) => {
      const encryptionKey = randomBytes(32).toString('base64');
      const rendered = renderConfigYml(readTemplate(path.join(PROJECT_ROOT, 'config.yml.template')), {
        host: running.server!.address,
        namespace: NAMESPACE,
        queue: QUEUE,
        'encryption-key': encryptionKey,
      });
      writeFileSync(files.configYml, rendered.text, { mode: 0o600 });
      say(`${relative(files.configYml)}, from config.yml.template for the local server:`);
      for (const line of redactedConfig(rendered.options, ['encryption-key']).split('\n')) say(`  ${line}`);
      if (rendered.dropped.length > 0) {
        say(
          `(left out: the dev server has no TLS or auth, and the demo reports to no Sentry: ${rendered.dropped.join(', ')})`,
        );
      }
      say(`$ juju config ${APPLICATION} --file ${relative(files.configYml)}`);
      running.model!.setConfig(rendered.options);
      await running.agent!.run('config-changed');
    });

    await progress.step(`juju attach-resource ${APPLICATION} env-file=.env`, async (say) => {
      const { broker, standins } = running;
      const text = renderEnvFile(readTemplate(path.join(PROJECT_ROOT, 'workflows', '.env.template')), {
        ...standins!.env,
        ROCKS_EVENTBUS_KAFKA_ADDRESS: broker!.address,
        ROCKS_EVENTBUS_CA_FILE: files.eventbusCa,
        OS_SWIFT_CONTAINER: SWIFT_CONTAINER,
      });
      writeFileSync(files.envFile, text, { mode: 0o600 });
      say(
        `${relative(files.envFile)}, from workflows/.env.template: every endpoint points at the stand-ins and Kafka`,
      );
      say(`$ juju attach-resource ${APPLICATION} env-file=${relative(files.envFile)}`);
      running.model!.attachResource('env-file', files.envFile);
      await running.agent!.run('upgrade-charm');
      await running.agent!.run('config-changed');
    });

    await progress.step(
      `juju attach-resource ${APPLICATION} workflows-file=${relative(workflowsFile)}`,
      async (say) => {
        say(`$ juju attach-resource ${APPLICATION} workflows-file=${relative(workflowsFile)}`);
        running.model!.attachResource('workflows-file', workflowsFile);
        await running.agent!.run('upgrade-charm');
        await running.agent!.run('config-changed');
      },
    );

    await progress.step('juju status --watch 2s: until the unit is active', async (say) => {
      say(
        'the unit agent turns Pebble notices into pebble-custom-notice hooks, and runs update-status every 10 s',
      );
      await running.agent!.waitUntilActive({
        timeoutMs: ACTIVE_TIMEOUT_MS,
        blockedGraceMs: BLOCKED_GRACE_MS,
        updateStatusEveryMs: UPDATE_STATUS_EVERY_MS,
      });
      this.ledger.snapshot();
      for (const line of jujuStatusView(running.model!).split('\n')) say(line);
    });

    await progress.step(
      'juju integrate with COS: Prometheus scrapes the worker, Loki gets its logs',
      async (say) => {
        const cos = await integrateWithCos(running.model!, running.agent!, APPLICATION, say);
        running.cos = cos;
        teardown.add('Prometheus and the Loki receiver', () => cos.stop());
        this.ledger.snapshot();
      },
    );

    await progress.step(
      `Starting ConsumeEventsWorkflow('${TOPIC}', '${CONSUMER_GROUP}') with the trigger command`,
      async (say) => {
        const schemaId = await prepareTopic(running.broker!, running.standins!.schemaRegistry, TOPIC);
        running.schemaId = schemaId;
        say(
          `topic ${TOPIC} created; its value schema bo.schema.avro.Oci registered as ${TOPIC}-value (id ${schemaId})`,
        );
        running.consume = await startConsumeEvents(relative(files.configYml), TOPIC, CONSUMER_GROUP, say);
      },
    );

    const event = ubuntuReleaseEvent(UBUNTU_RELEASE, UBUNTU_SERIES);
    await progress.step(
      `Publishing an OCI release event for Ubuntu ${UBUNTU_RELEASE} on ${TOPIC}`,
      async (say) => {
        await publishEvent(running.broker!, TOPIC, running.schemaId!, event);
        say(
          `message ${String(event.message_id)}: "${String(event.description)}", release ${UBUNTU_RELEASE}, ` +
            `Confluent wire format (magic 0, schema id ${running.schemaId}, Avro)`,
        );
      },
    );

    await progress.step('Waiting for the rebuilds to be dispatched', async (say) => {
      await this.waitForDispatches(say);
    });

    await progress.step("What COS sees: the workflows' metrics and the worker's logs", async (say) => {
      await showWhatCosSees(running.cos!, say);
    });

    this.showOutcome(event, workflowsFile);

    if (this.args.keepRunning) {
      this.progress.heading(
        `Everything is still running. Temporal: ${running.server!.address}, namespace '${NAMESPACE}', queue '${QUEUE}' ` +
          `(e.g. tools/bin/temporal workflow list --address ${running.server!.address} --namespace ${NAMESPACE}).\n` +
          `Pebble: PEBBLE_SOCKET=${running.pebble!.socketPath} PEBBLE=${running.pebble!.pebbleDir} tools/bin/pebble logs -f\n` +
          'Press Ctrl-C to stop everything.',
      );
      await new Promise<void>((resolve) => {
        this.wakeKeepRunning = resolve;
        if (this.interrupted || this.unexpected) resolve();
      });
      if (this.unexpected) throw this.unexpected;
    }
  }

  private async waitForDispatches(say: Say): Promise<void> {
    const { standins } = this.running;
    const deadline = Date.now() + DISPATCH_TIMEOUT_MS;
    let reported = 0;
    let nextInspection = Date.now() + INSPECT_WORKFLOW_EVERY_MS;
    for (;;) {
      this.checkInterrupted();
      const dispatches = standins!.github.dispatches;
      for (const dispatch of dispatches.slice(reported)) {
        say(
          `GitHub received a workflow_dispatch of ${dispatch.workflow} for ${String(dispatch.inputs['oci-image-name'])}`,
        );
      }
      reported = dispatches.length;
      const post = postHistories(standins!.mattermost).at(-1);
      const final = post?.statuses.at(-1);
      if (post && post.statuses.length > 1 && final !== 'Triggered') {
        if (final !== 'Success') {
          throw new StepError(`the pipeline ended with status ${final} (Mattermost post ${post.id})`, [
            ...post.text.split('\n'),
            ...(await this.workflowState()),
          ]);
        }
        if (dispatches.length === 0) {
          throw new StepError(
            `the pipeline succeeded but dispatched no rebuild for Ubuntu ${UBUNTU_RELEASE}`,
          );
        }
        say(`Mattermost post ${post.id}: ${post.statuses.join(' → ')}`);
        return;
      }
      if (Date.now() > deadline) {
        throw new StepError(
          `no finished rebuild within ${DISPATCH_TIMEOUT_MS / 1000} s: GitHub got ${dispatches.length} dispatch(es), ` +
            `Mattermost ${post ? `shows ${post.statuses.join(' → ')}` : 'got no post'}`,
          await this.workflowState(),
        );
      }
      if (Date.now() >= nextInspection) {
        nextInspection = Date.now() + INSPECT_WORKFLOW_EVERY_MS;
        const failing = await this.failingActivity();
        if (failing) throw new StepError(`no rebuild will come: ${failing}`, await this.workflowState());
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  private async workflowState(): Promise<string[]> {
    const { pebble, consume } = this.running;
    const worker = pebble
      ? [
          "the worker's last output, from Pebble's log:",
          ...workerOutputTail(pebble.logFile).map((line) => `  ${line}`),
        ]
      : [];
    if (!consume) return worker;
    try {
      return [...describeConsumeEvents(consume, await inspectConsumeEvents(consume)), ...worker];
    } catch (error) {
      return [`cannot describe the workflow: ${String(error)}`, ...worker];
    }
  }

  /** A consume activity that failed several attempts in a row will not dispatch anything: say why now. */
  private async failingActivity(): Promise<string | undefined> {
    const { consume } = this.running;
    if (!consume) return undefined;
    const state = await inspectConsumeEvents(consume).catch(() => undefined);
    const failing = state?.activities.find(
      (activity) => activity.attempt >= FAILED_ATTEMPTS_TO_GIVE_UP && activity.lastFailure,
    );
    return failing && `activity ${failing.type} failed ${failing.attempt - 1} times: ${failing.lastFailure}`;
  }

  private showOutcome(event: Record<string, unknown>, workflowsFile: string): void {
    const { standins, model, pebble, consume } = this.running;
    const section = (title: string, lines: string[]) => {
      this.progress.heading(`== ${title}`);
      for (const line of lines) console.log(`   ${line}`);
    };
    const dispatches = standins!.github.dispatches;
    section(
      `Rebuilds dispatched for the Ubuntu ${UBUNTU_RELEASE} event ${String(event.message_id)} (${dispatches.length})`,
      dispatches.flatMap(describeDispatch),
    );
    section('Mattermost', postHistories(standins!.mattermost).flatMap(describePost));
    section(`juju status (${relative(workflowsFile)} attached)`, jujuStatusView(model!).split('\n'));
    section('Workflow', [
      `ConsumeEventsWorkflow, workflow id ${consume!.started.workflowId}, first run ${consume!.started.runId}; it keeps consuming`,
    ]);
    const logs = this.files.logs;
    section('Logs', [
      `charm (juju debug-log):           ${relative(path.join(logs, 'juju-debug.log'))}`,
      `worker (JSON, in Pebble's log):   ${pebble!.logFile} while running; ${relative(path.join(logs, 'pebble.log'))} once stopped`,
      `Temporal dev server:              ${relative(path.join(logs, 'temporal-server.log'))} once stopped`,
      `Kafka broker:                     ${relative(path.join(logs, 'kafka-broker.log'))} once stopped`,
      `processes started (pid file):     ${relative(this.files.pidFile)}`,
    ]);
    const images = dispatches.map((dispatch) => String(dispatch.inputs['oci-image-name']));
    this.progress.heading(
      `Demo succeeded: the unit is ${model!.status().status}, ${images.length} rebuild(s) dispatched (${images.join(', ')}).`,
    );
  }
}
