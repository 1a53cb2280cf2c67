// Benchmark of the worker: process start → health up against a local Temporal
// dev server, median of 10, for the packaged worker (dist/worker, prebuilt
// workflow bundle) and, in the same run, for the same SDK bundling the sample
// workflows with webpack at start (`workflowsPath`); then the packaged worker's
// RSS after 30 s idle.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../workflows/tests/harness/ports';
import { TemporalDevServer } from '../tests/harness/temporal';
import { copyWorkerRuntime, sampleWorkflowsPackage } from '../tests/harness/worker-process';
import { PROJECT_ROOT } from '../tests/harness/tools';

const RUNS = 10;
const IDLE_MS = 30_000;
const TARGET_COLD_START_MS = 600;
const TARGET_SPEEDUP = 2;
const TARGET_IDLE_RSS_MB = 110;

// The "bundling at start" baseline: the same SDK, connection and health signal
// as the packaged worker, but Worker.create bundles the workflows itself. It runs
// from the repository (.tmp/) because it needs webpack from node_modules.
const BUNDLING_WORKER = `
const http = require('node:http');
const { NativeConnection, Runtime, Worker, DefaultLogger } = require('@temporalio/worker');
Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
(async () => {
  const connection = await NativeConnection.connect({ address: process.env.TWC_HOST });
  const worker = await Worker.create({
    connection,
    taskQueue: process.env.TWC_QUEUE,
    workflowsPath: process.env.BENCH_WORKFLOWS_PATH,
    activities: require(process.env.BENCH_ACTIVITIES),
  });
  const running = worker.run();
  http.createServer((_req, res) => {
    const up = worker.getState() === 'RUNNING';
    res.writeHead(up ? 200 : 503).end(JSON.stringify({ status: up ? 'up' : 'down' }));
  }).listen(Number(process.env.TWC_HEALTH_PORT), '127.0.0.1');
  process.on('SIGTERM', () => worker.shutdown());
  await running;
  process.exit(0);
})().catch((error) => { console.error(error); process.exit(1); });
`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function healthUp(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health`)).status === 200;
  } catch {
    return false;
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(kill);
}

/** Spawns `script` and resolves with the milliseconds until its health endpoint answers 200. */
async function timeToHealthUp(script: string, env: Record<string, string>, keep = false) {
  const healthPort = await freePort();
  let output = '';
  const started = performance.now();
  const child = spawn(process.execPath, [script], {
    env: {
      PATH: process.env.PATH ?? '',
      TWC_HEALTH_PORT: String(healthPort),
      TWC_PROMETHEUS_PORT: '',
      TWC_WORKFLOWS_METRICS_PORT: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 120_000;
  while (!(await healthUp(healthPort))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop(child);
      throw new Error(`${script} never reported up:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const ms = performance.now() - started;
  const cpuMs = cpuTimeMs(child.pid!);
  if (!keep) await stop(child);
  return { ms, cpuMs, child };
}

/** user + system CPU time of a process (all its threads), from /proc. */
function cpuTimeMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15 of stat)
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

function rssMegabytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return kib / 1024;
}

export async function run(): Promise<void> {
  const workflowsDir = sampleWorkflowsPackage();
  const runtime = copyWorkerRuntime();
  const scratch = path.join(PROJECT_ROOT, '.tmp', `bench-worker-${process.pid}`);
  mkdirSync(scratch, { recursive: true });
  const bundlingWorker = path.join(scratch, 'bundling-worker.js');
  writeFileSync(bundlingWorker, BUNDLING_WORKER);
  const server = await TemporalDevServer.start();
  try {
    const common = { TWC_HOST: server.address, TWC_NAMESPACE: 'default', TWC_QUEUE: 'bench' };
    const packaged = { ...common, TWC_WORKFLOWS_DIR: workflowsDir };
    const bundling = {
      ...common,
      BENCH_WORKFLOWS_PATH: path.join(PROJECT_ROOT, 'tests', 'fixtures', 'sample-workflows', 'workflows.ts'),
      BENCH_ACTIVITIES: path.join(workflowsDir, 'activities.js'),
      NODE_PATH: path.join(PROJECT_ROOT, 'node_modules'),
    };
    const prebuiltMs: number[] = [];
    const bundlingMs: number[] = [];
    const prebuiltCpuMs: number[] = [];
    const bundlingCpuMs: number[] = [];
    await timeToHealthUp(path.join(runtime, 'worker.js'), packaged); // warm the page cache once
    for (let i = 0; i < RUNS; i++) {
      const prebuiltRun = await timeToHealthUp(path.join(runtime, 'worker.js'), packaged);
      prebuiltMs.push(prebuiltRun.ms);
      prebuiltCpuMs.push(prebuiltRun.cpuMs);
      const bundlingRun = await timeToHealthUp(bundlingWorker, bundling);
      bundlingMs.push(bundlingRun.ms);
      bundlingCpuMs.push(bundlingRun.cpuMs);
    }
    const idle = await timeToHealthUp(path.join(runtime, 'worker.js'), packaged, true);
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const idleRss = rssMegabytes(idle.child.pid!);
    await stop(idle.child);

    const prebuilt = median(prebuiltMs);
    const atStart = median(bundlingMs);
    const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');
    console.log(
      `load average during the run: ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${os.cpus().length} CPUs`,
    );
    console.table([
      {
        figure: 'start → health up, prebuilt bundle (median of 10)',
        value: `${prebuilt.toFixed(0)} ms`,
        target: `≤ ${TARGET_COLD_START_MS} ms`,
        result: verdict(prebuilt <= TARGET_COLD_START_MS),
      },
      {
        figure: 'start → health up, bundling at start (median of 10)',
        value: `${atStart.toFixed(0)} ms`,
        target: `≥ ${TARGET_SPEEDUP}× the prebuilt time`,
        result: `${(atStart / prebuilt).toFixed(1)}× ${verdict(atStart / prebuilt >= TARGET_SPEEDUP)}`,
      },
      {
        figure: 'CPU time until health up, prebuilt / bundling (median)',
        value: `${median(prebuiltCpuMs).toFixed(0)} / ${median(bundlingCpuMs).toFixed(0)} ms`,
        target: 'load-independent view of the above',
        result: `${(median(bundlingCpuMs) / median(prebuiltCpuMs)).toFixed(1)}×`,
      },
      {
        figure: `RSS after ${IDLE_MS / 1000} s idle (packaged worker)`,
        value: `${idleRss.toFixed(0)} MiB`,
        target: `≤ ${TARGET_IDLE_RSS_MB} MiB`,
        result: verdict(idleRss <= TARGET_IDLE_RSS_MB),
      },
    ]);
  } finally {
    await server.shutdown();
    rmSync(runtime, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) {
  run().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
