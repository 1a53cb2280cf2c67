// One unit of the built charm (dist/) on this host, as the charm integration tests drive
// it: a real Temporal dev server and Pebble, the fake Juju, and the charm's test seams
// (src/charm/main.ts). Pebble runs on the host, which has no `node` user: the worker runs
// as `workerUser` (this process's user unless told).
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../workflows/tests/harness/ports';
import { FakeJujuModel, type DispatchOptions, type DispatchResult } from './fake-juju';
import { startPebble, type RunningPebble } from './pebble';
import { TemporalDevServer } from './temporal';
import { PROJECT_ROOT, distFile } from './tools';

export interface CharmUnitOptions {
  namespace: string;
  /** Prefix of the temporary folder. */
  name: string;
  workerUser?: string;
  /** Environment every dispatch gets on top of the seams (e.g. NODE_OPTIONS). */
  env?: Record<string, string>;
  /** The unit's address (`network-get`); 127.0.0.1 for a test that scrapes it. */
  address?: string;
}

/**
 * Pebble's environment for a worker that runs as another user: Pebble starts `node` from its
 * PATH, and this checkout's Node may sit in a folder that user cannot enter (a 0700 mkdtemp
 * clone), so the worker gets a copy in `workDir`, which is opened to other users with it.
 */
function nodeFor(workDir: string): Record<string, string> {
  chmodSync(workDir, 0o755);
  const bin = path.join(workDir, 'bin');
  mkdirSync(bin);
  copyFileSync(process.execPath, path.join(bin, 'node'));
  chmodSync(path.join(bin, 'node'), 0o755);
  return { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` };
}

export class CharmUnitOnHost {
  private constructor(
    readonly temporal: TemporalDevServer,
    readonly pebble: RunningPebble,
    readonly model: FakeJujuModel,
    readonly workDir: string,
    readonly workerHome: string,
    readonly seams: Record<string, string>,
    private readonly env: Record<string, string>,
  ) {}

  static async start(options: CharmUnitOptions): Promise<CharmUnitOnHost> {
    distFile('charm.js');
    distFile('worker', 'worker.js');
    distFile('oci-factory-workflows-0.0.1.tgz');
    const workDir = mkdtempSync(path.join(os.tmpdir(), `${options.name}-`));
    const workerHome = path.join(workDir, 'srv', 'temporal-worker');
    const workerUser = options.workerUser ?? os.userInfo().username;
    const temporal = await TemporalDevServer.start({ namespace: options.namespace });
    const pebble = await startPebble({ env: workerUser === os.userInfo().username ? {} : nodeFor(workDir) });
    const seams = {
      CHARM_CONTAINERS_DIR: pebble.containersDir,
      CHARM_WORKER_HOME: workerHome,
      CHARM_WORKER_USER: workerUser,
      CHARM_HEALTH_PORT: String(await freePort()),
      CHARM_PROMETHEUS_PORT: String(await freePort()),
      CHARM_WORKFLOWS_METRICS_PORT: String(await freePort()),
    };
    const model = new FakeJujuModel({ charmDir: PROJECT_ROOT, address: options.address });
    return new CharmUnitOnHost(temporal, pebble, model, workDir, workerHome, seams, options.env ?? {});
  }

  async stop(): Promise<void> {
    await this.pebble.stop();
    await this.temporal.shutdown();
    this.model.cleanup();
    rmSync(this.workDir, { recursive: true, force: true });
  }

  /** Writes a file into the unit's temporary folder and returns its path. */
  workFile(name: string, content: string | Buffer): string {
    const file = path.join(this.workDir, name);
    writeFileSync(file, content);
    return file;
  }

  /** Runs a hook or action; a non-zero exit throws unless `allowFailure`. */
  async dispatch(
    event: string,
    options: DispatchOptions = {},
    allowFailure = false,
  ): Promise<DispatchResult> {
    const result = await this.model.dispatch(event, {
      ...options,
      env: { ...this.seams, ...this.env, ...options.env },
    });
    if (result.exitCode !== 0 && !allowFailure) {
      throw new Error(
        `${event} exited ${result.exitCode}:\n${result.stdout}\n${result.stderr}\n${JSON.stringify(this.model.logs())}`,
      );
    }
    return result;
  }

  async pebbleCli(args: string[]): Promise<string> {
    const result = await this.pebble.cli(args);
    if (result.exitCode !== 0) throw new Error(`pebble ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  }

  /** The service's current state (`active`, `backoff`, …), with the Pebble log when not active. */
  async serviceState(): Promise<string> {
    const table = await this.pebbleCli(['services']);
    const state = /temporal-worker\s+\S+\s+(\S+)/.exec(table)?.[1] ?? 'missing';
    if (state !== 'active')
      process.stderr.write(`temporal-worker is ${state}; Pebble log:\n${this.pebbleLog()}\n`);
    return state;
  }

  pebbleLog(): string {
    return readFileSync(this.pebble.logFile, 'utf8').slice(-4000);
  }

  /** update-status until the unit shows `status` (the worker connects in the background). */
  async updateStatusUntil(
    status: string,
    message?: string | RegExp,
    options: DispatchOptions = {},
  ): Promise<void> {
    const deadline = Date.now() + 90_000;
    for (;;) {
      await this.dispatch('update-status', options);
      const current = this.model.status();
      const matches =
        message === undefined ||
        (typeof message === 'string' ? current.message === message : message.test(current.message));
      if (current.status === status && matches) return;
      if (Date.now() > deadline) {
        throw new Error(`unit stayed ${JSON.stringify(current)}; worker log:\n${this.pebbleLog()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
