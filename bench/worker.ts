// Benchmark of the worker: process start → health up against a local Temporal
// dev server, median of 10, for the packaged worker (dist/worker, prebuilt
// workflow bundle) run as the Pebble layer runs it (its process environment:
// src/charm/layer.ts) and as a bare `node worker.js`, and, in the same run, for
// the same SDK bundling the sample workflows with webpack at start
// (`workflowsPath`); then the RSS of both packaged variants after 30 s idle, two
// workers of each started side by side, with where the layer's worker holds it
// (/proc/<pid>/smaps by mapping).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../workflows/tests/harness/ports';
import { TemporalDevServer } from '../tests/harness/temporal';
import { copyWorkerRuntime, sampleWorkflowsPackage } from '../tests/harness/worker-process';
import { PROJECT_ROOT } from '../tests/harness/tools';
import { PROCESS_ENVIRONMENT } from '../src/charm/layer';

const RUNS = 10;
const IDLE_MS = 30_000;
const TARGET_COLD_START_MS = 600;
const TARGET_SPEEDUP = 2;
const TARGET_IDLE_RSS_MB = 110;
/** Workers of each variant held idle side by side for the RSS figures. */
const IDLE_WORKERS = 2;

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

const ARENA_BYTES = 64 * 1024 * 1024;

/**
 * Resident MiB by kind of mapping, from /proc/<pid>/smaps. glibc's thread arenas are the
 * anonymous runs of exactly 64 MiB that start on a 64 MiB boundary; the rest of the anonymous
 * memory is mostly V8 (the main and the workflow thread's isolates) and large mallocs.
 */
function rssBreakdown(pid: number): Record<string, number> {
  interface Mapping {
    start: number;
    end: number;
    name: string;
    rssKib: number;
  }
  const mappings: Mapping[] = [];
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      mappings.push({
        start: parseInt(header[1]!, 16),
        end: parseInt(header[2]!, 16),
        name: header[3]!.trim(),
        rssKib: 0,
      });
    } else if (line.startsWith('Rss:')) {
      mappings[mappings.length - 1]!.rssKib = Number(line.split(/\s+/)[1]);
    }
  }
  const arena = new Set<Mapping>();
  mappings.forEach((first, index) => {
    if (first.name || first.start % ARENA_BYTES !== 0) return;
    const run: Mapping[] = [];
    for (let i = index; i < mappings.length && !mappings[i]!.name; i++) {
      if (run.length && mappings[i]!.start !== run[run.length - 1]!.end) break;
      run.push(mappings[i]!);
      if (mappings[i]!.end - first.start >= ARENA_BYTES) break;
    }
    if (run.length && run[run.length - 1]!.end - first.start === ARENA_BYTES)
      run.forEach((m) => arena.add(m));
  });
  const kinds: Record<string, number> = {};
  for (const mapping of mappings) {
    const kind =
      mapping.name === '[heap]' || arena.has(mapping)
        ? 'malloc (main heap + thread arenas)'
        : mapping.name.endsWith('/node')
          ? 'node binary (file)'
          : mapping.name.endsWith('.node')
            ? 'Temporal core bridge (file)'
            : mapping.name.startsWith('/')
              ? 'other files (libc, libstdc++, …)'
              : 'other anonymous (V8 heaps, stacks, large mallocs)';
    kinds[kind] = (kinds[kind] ?? 0) + mapping.rssKib / 1024;
  }
  return kinds;
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
    const worker = path.join(runtime, 'worker.js');
    // As the layer runs it (its process environment) and as a bare `node worker.js`.
    const variants = { layer: { ...PROCESS_ENVIRONMENT, ...packaged }, bare: packaged };
    type Variant = keyof typeof variants;
    const names = Object.keys(variants) as Variant[];
    const perVariant = <T>(): Record<Variant, T[]> => ({ layer: [], bare: [] });
    const startMs = perVariant<number>();
    const startCpuMs = perVariant<number>();
    const bundlingMs: number[] = [];
    const bundlingCpuMs: number[] = [];
    await timeToHealthUp(worker, variants.layer); // warms the page cache once
    for (let i = 0; i < RUNS; i++) {
      for (const name of names) {
        const started = await timeToHealthUp(worker, variants[name]);
        startMs[name].push(started.ms);
        startCpuMs[name].push(started.cpuMs);
      }
      const bundlingRun = await timeToHealthUp(bundlingWorker, bundling);
      bundlingMs.push(bundlingRun.ms);
      bundlingCpuMs.push(bundlingRun.cpuMs);
    }
    const idle: Array<{ name: Variant; child: ChildProcess }> = [];
    for (let i = 0; i < IDLE_WORKERS; i++) {
      for (const name of names)
        idle.push({ name, child: (await timeToHealthUp(worker, variants[name], true)).child });
    }
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const idleRss = perVariant<number>();
    const breakdowns = perVariant<Record<string, number>>();
    for (const { name, child } of idle) {
      idleRss[name].push(rssMegabytes(child.pid!));
      breakdowns[name].push(rssBreakdown(child.pid!));
    }
    await Promise.all(idle.map(({ child }) => stop(child)));

    const prebuilt = median(startMs.layer);
    const atStart = median(bundlingMs);
    const rss = { layer: median(idleRss.layer), bare: median(idleRss.bare) };
    const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');
    console.log(
      `load average during the run: ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${os.cpus().length} CPUs`,
    );
    console.table([
      {
        figure: `start → health up, prebuilt bundle, as the layer runs it (median of ${RUNS})`,
        value: `${prebuilt.toFixed(0)} ms`,
        target: `≤ ${TARGET_COLD_START_MS} ms`,
        result: verdict(prebuilt <= TARGET_COLD_START_MS),
      },
      {
        figure: `start → health up, prebuilt bundle, bare \`node worker.js\` (median of ${RUNS})`,
        value: `${median(startMs.bare).toFixed(0)} ms`,
        target: 'before the layer’s process environment',
        result: `layer / bare ${(prebuilt / median(startMs.bare)).toFixed(2)}`,
      },
      {
        figure: `start → health up, bundling at start (median of ${RUNS})`,
        value: `${atStart.toFixed(0)} ms`,
        target: `≥ ${TARGET_SPEEDUP}× the prebuilt time`,
        result: `${(atStart / prebuilt).toFixed(1)}× ${verdict(atStart / prebuilt >= TARGET_SPEEDUP)}`,
      },
      {
        figure: 'CPU time until health up, layer / bare / bundling (median)',
        value: `${median(startCpuMs.layer).toFixed(0)} / ${median(startCpuMs.bare).toFixed(0)} / ${median(bundlingCpuMs).toFixed(0)} ms`,
        target: 'load-independent view of the above',
        result: `bundling / layer ${(median(bundlingCpuMs) / median(startCpuMs.layer)).toFixed(1)}×`,
      },
      {
        figure: `RSS after ${IDLE_MS / 1000} s idle, as the layer runs it (median of ${IDLE_WORKERS})`,
        value: `${rss.layer.toFixed(1)} MiB`,
        target: `≤ ${TARGET_IDLE_RSS_MB} MiB`,
        result: verdict(rss.layer <= TARGET_IDLE_RSS_MB),
      },
      {
        figure: `RSS after ${IDLE_MS / 1000} s idle, bare \`node worker.js\` (median of ${IDLE_WORKERS})`,
        value: `${rss.bare.toFixed(1)} MiB`,
        target: 'before the layer’s process environment',
        result: `layer / bare ${(rss.layer / rss.bare).toFixed(2)}`,
      },
    ]);
    console.log(`where the idle RSS is (/proc/<pid>/smaps, MiB, mean of ${IDLE_WORKERS} workers each):`);
    const kinds = [...new Set(names.flatMap((name) => breakdowns[name].flatMap(Object.keys)))];
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    console.table(
      kinds
        .map((kind) => ({
          mapping: kind,
          layer: Number(mean(breakdowns.layer.map((b) => b[kind] ?? 0)).toFixed(1)),
          bare: Number(mean(breakdowns.bare.map((b) => b[kind] ?? 0)).toFixed(1)),
        }))
        .sort((x, y) => y.bare - x.bare),
    );
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
