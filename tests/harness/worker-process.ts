// The worker as the charm runs it: `node worker.js` from a copy of
// dist/worker outside the repository (so nothing resolves from the repo's
// node_modules), with a workflows package built from tests/fixtures.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { WorkerStatus } from '../../src/contract/worker-status';
import { freePort } from '../../workflows/tests/harness/ports';
import { PROJECT_ROOT, distFile } from './tools';

const SAMPLE_SOURCES = path.join(PROJECT_ROOT, 'tests', 'fixtures', 'sample-workflows');

/** dist/worker copied to a fresh temp dir; remove it with `rmSync` when done. */
export function copyWorkerRuntime(): string {
  const source = path.dirname(distFile('worker', 'worker.js'));
  const target = mkdtempSync(path.join(os.tmpdir(), 'worker-runtime-'));
  cpSync(source, target, { recursive: true });
  return target;
}

/**
 * The sample workflows package, built with the workflows workspace's
 * buildWorkflowsPackage and unpacked; cached in the temp dir by source hash.
 */
export function sampleWorkflowsPackage(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(SAMPLE_SOURCES).sort())
    hash.update(file).update(readFileSync(path.join(SAMPLE_SOURCES, file)));
  hash.update(readFileSync(path.join(PROJECT_ROOT, 'workflows', 'scripts', 'build.mjs')));
  const dir = path.join(os.tmpdir(), `sample-workflows-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(path.join(dir, 'manifest.json'))) return dir;
  const staging = mkdtempSync(path.join(os.tmpdir(), 'sample-workflows-build-'));
  try {
    const outFile = path.join(staging, 'sample.tgz');
    const options = {
      name: 'sample-workflows',
      version: '1.0.0',
      workflowsPath: path.join(SAMPLE_SOURCES, 'workflows.ts'),
      activitiesPath: path.join(SAMPLE_SOURCES, 'activities.ts'),
      outFile,
    };
    execFileSync(process.execPath, ['workflows/scripts/build.mjs', '--options', JSON.stringify(options)], {
      cwd: PROJECT_ROOT,
      stdio: 'pipe',
    });
    execFileSync('tar', ['xzf', outFile, '-C', staging]);
    mkdirSync(path.dirname(dir), { recursive: true });
    try {
      renameSync(path.join(staging, 'package'), dir);
    } catch (error) {
      if (!existsSync(path.join(dir, 'manifest.json'))) throw error; // another test file won the race
    }
    return dir;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

export interface Health {
  code: number;
  body: { status: string; error?: string };
}

export class WorkerProcess {
  private output = '';
  private readonly exited: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    readonly healthPort: number,
    readonly statusFile: string,
  ) {
    const append = (chunk: Buffer) => {
      this.output += chunk.toString();
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Starts `node <runtime>/worker.js` with TWC_* settings (`undefined` removes a variable). */
  static async start(runtimeDir: string, env: Record<string, string | undefined>): Promise<WorkerProcess> {
    const healthPort = await freePort();
    const statusFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'worker-status-')), 'status.json');
    const merged: Record<string, string> = {};
    for (const [name, value] of Object.entries({
      PATH: process.env.PATH,
      TWC_NAMESPACE: 'default',
      TWC_PROMETHEUS_PORT: '',
      TWC_WORKFLOWS_METRICS_PORT: '',
      TWC_HEALTH_PORT: String(healthPort),
      TWC_STATUS_FILE: statusFile,
      ...env,
    })) {
      if (value !== undefined) merged[name] = value;
    }
    const child = spawn(process.execPath, [path.join(runtimeDir, 'worker.js')], {
      env: merged,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new WorkerProcess(child, healthPort, statusFile);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get logs(): string {
    return this.output;
  }

  /** The JSON log records so far. */
  records(): Record<string, unknown>[] {
    return this.output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  status(): WorkerStatus | undefined {
    return existsSync(this.statusFile)
      ? (JSON.parse(readFileSync(this.statusFile, 'utf8')) as WorkerStatus)
      : undefined;
  }

  async health(): Promise<Health | undefined> {
    try {
      const response = await fetch(`http://127.0.0.1:${this.healthPort}/health`);
      return { code: response.status, body: (await response.json()) as Health['body'] };
    } catch {
      return undefined;
    }
  }

  /** Polls /health until it reports `status`; fails with the worker's output. */
  async waitForHealth(status: 'up' | 'down', timeoutMs = 60_000): Promise<Health> {
    return this.waitFor(
      async () => {
        const health = await this.health();
        return health?.body.status === status ? health : undefined;
      },
      `health '${status}'`,
      timeoutMs,
    );
  }

  async waitFor<T>(
    check: () => Promise<T | undefined> | T | undefined,
    what: string,
    timeoutMs = 60_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const result = await check();
      if (result !== undefined) return result;
      if (this.child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(
      `worker never reached ${what} (exit code ${this.child.exitCode}); output:\n${this.output}`,
    );
  }

  waitForExit(): Promise<number | null> {
    return this.exited;
  }

  /** Sends `signal` and resolves with the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }

  /** Kills the process if still running and removes its status dir. */
  async dispose(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
    rmSync(path.dirname(this.statusFile), { recursive: true, force: true });
  }
}
