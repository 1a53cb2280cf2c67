// Benchmark of the charm's hooks: median wall time and peak RSS of `./dispatch` for
// config-changed and update-status against a real Pebble, 20 runs each. Juju is the
// project's simulator (tests/harness/fake-juju.ts) with its fast hook tools (a sh client
// of an agent in this process, a few ms a call, like Juju's own tools), so the figures
// are the charm's own cost; both ways to call a simulated hook tool are timed for scale.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FakeJujuModel, type HookToolTransport } from '../tests/harness/fake-juju';
import { startPebble } from '../tests/harness/pebble';
import { freePort } from '../workflows/tests/harness/ports';
import { PROJECT_ROOT, distFile } from '../tests/harness/tools';

const RUNS = 20;
const TARGET_UPDATE_STATUS_MEDIAN_MS = 150;
const TARGET_PEAK_RSS_MIB = 50;

const CONFIG = { host: '127.0.0.1:1', namespace: 'rocks', queue: 'oci-factory', 'log-level': 'info' };

interface Run {
  wallMs: number;
  peakRssMb: number;
  hookTools: number;
  pebbleRequests: number;
}

async function runDispatch(model: FakeJujuModel, event: string, env: Record<string, string>): Promise<Run> {
  const result = await model.dispatch(event, { env });
  if (result.exitCode !== 0) throw new Error(`${event} exited ${result.exitCode}: ${result.stderr}`);
  const calls = /charm-calls (\{.*\})/.exec(result.stderr);
  const rss = /charm-rss (\d+)/.exec(result.stderr);
  if (!calls || !rss) throw new Error(`${event} did not report its counters: ${result.stderr}`);
  const counts = JSON.parse(calls[1]!) as { hookTools: number; pebble: number };
  return {
    wallMs: result.wallMs,
    peakRssMb: Number(rss[1]) / 1024,
    hookTools: counts.hookTools,
    pebbleRequests: counts.pebble,
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

function timeBareNode(): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', () => resolve(Number(process.hrtime.bigint() - started) / 1e6));
  });
}

/** Median time of one `is-leader` call through each way the simulator offers. */
async function hookToolCallMs(transport: HookToolTransport): Promise<number> {
  const model = new FakeJujuModel({ charmDir: PROJECT_ROOT, hookTools: transport });
  try {
    const env = model.beginHook('update-status');
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = process.hrtime.bigint();
      await new Promise<void>((resolve, reject) =>
        execFile(path.join(model.binDir, 'is-leader'), ['--format=json'], { env }, (error) =>
          error ? reject(error) : resolve(),
        ),
      );
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    model.endHook(0);
    return median(times);
  } finally {
    model.cleanup();
  }
}

export async function run(): Promise<void> {
  distFile('charm.js');
  distFile('worker', 'worker.js');
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'bench-hooks-'));
  const pebble = await startPebble();
  const model = new FakeJujuModel({
    charmDir: PROJECT_ROOT,
    config: CONFIG,
    modelName: 'bench',
    hookTools: 'agent',
  });
  try {
    // Prints the process's peak RSS (KiB) at exit: preloaded into the charm's Node only.
    const rssReporter = path.join(workDir, 'rss.js');
    writeFileSync(
      rssReporter,
      "process.on('exit', () => { if (/charm\\.js$/.test(process.argv[1] || '')) process.stderr.write(`charm-rss ${process.resourceUsage().maxRSS}\\n`); });\n",
    );
    // The charm's test seams; the model adds the environment Juju gives a hook.
    const env: Record<string, string> = {
      CHARM_CONTAINERS_DIR: pebble.containersDir,
      CHARM_WORKER_HOME: path.join(workDir, 'srv'),
      // Pebble runs on the host, which has no `node` user: the worker runs as this process's user.
      CHARM_WORKER_USER: os.userInfo().username,
      CHARM_HEALTH_PORT: String(await freePort()),
      CHARM_PROMETHEUS_PORT: String(await freePort()),
      CHARM_WORKFLOWS_METRICS_PORT: String(await freePort()),
      CHARM_REPORT_CALLS: '1',
      NODE_OPTIONS: `--require ${rssReporter}`,
    };
    const first = await runDispatch(model, 'config-changed', env);
    const rows: Array<[string, Run[]]> = [];
    const bareNodeMs: number[] = [];
    for (const event of ['config-changed', 'update-status']) {
      const runs: Run[] = [];
      for (let i = 0; i < RUNS; i++) {
        runs.push(await runDispatch(model, event, env));
        bareNodeMs.push(await timeBareNode());
      }
      rows.push([event, runs]);
    }
    const agentToolMs = await hookToolCallMs('agent');
    const executableToolMs = await hookToolCallMs('executable');
    const nodeStartMs = median(bareNodeMs);

    console.log("\n## hooks (./dispatch against a real Pebble, the simulator's fast hook tools)\n");
    console.log(
      `| hook | runs | median wall ms | max wall ms | peak RSS MiB | hook-tool calls | Pebble requests |`,
    );
    console.log(`| --- | --- | --- | --- | --- | --- | --- |`);
    const print = (name: string, runs: Run[]) =>
      console.log(
        `| ${name} | ${runs.length} | ${median(runs.map((r) => r.wallMs)).toFixed(0)} | ` +
          `${Math.max(...runs.map((r) => r.wallMs)).toFixed(0)} | ${Math.max(...runs.map((r) => r.peakRssMb)).toFixed(1)} | ` +
          `${runs[0]!.hookTools} | ${runs[0]!.pebbleRequests} |`,
      );
    print('config-changed (first: pushes runtime + package)', [first]);
    for (const [event, runs] of rows) print(event, runs);
    const updateStatus = rows.find(([event]) => event === 'update-status')![1];
    const medianMs = median(updateStatus.map((r) => r.wallMs));
    const peakMb = Math.max(...rows.flatMap(([, runs]) => runs.map((r) => r.peakRssMb)));
    console.log(
      `\nupdate-status median ${medianMs.toFixed(0)} ms (target ≤ ${TARGET_UPDATE_STATUS_MEDIAN_MS}): ` +
        `${medianMs <= TARGET_UPDATE_STATUS_MEDIAN_MS ? 'met' : 'NOT met'}; peak RSS ${peakMb.toFixed(1)} MiB ` +
        `(target ≤ ${TARGET_PEAK_RSS_MIB}): ${peakMb <= TARGET_PEAK_RSS_MIB ? 'met' : 'NOT met'}`,
    );
    console.log(
      `for scale, measured between the runs: a bare \`node -e 0\` takes ${nodeStartMs.toFixed(0)} ms (median), so ` +
        `the charm's own share of update-status is ~${(medianMs - nodeStartMs).toFixed(0)} ms; a simulated hook-tool ` +
        `call takes ${agentToolMs.toFixed(1)} ms through the agent (as in these figures) and ` +
        `${executableToolMs.toFixed(0)} ms as the tests' Node executable. Load average ` +
        `${os
          .loadavg()
          .map((load) => load.toFixed(1))
          .join(' ')} on ${os.cpus().length} cores.`,
    );
    const calls = model
      .calls()
      .map((call) => (call.tool === 'resource-get' ? `${call.tool} ${call.args[0]}` : call.tool));
    console.log(
      `hook-tool calls of the last update-status: ${calls.slice(-updateStatus[0]!.hookTools).join(', ')}`,
    );
  } finally {
    model.cleanup();
    await pebble.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  run().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
