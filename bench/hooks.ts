// Benchmark of the charm's hooks: median wall time and peak RSS of `./dispatch` for
// config-changed and update-status against a real Pebble, 20 runs each. The hook tools
// are POSIX-sh stand-ins that answer in a few ms, so the figures are the charm's own
// cost; the Node-based fake hook tools of the tests are timed once for comparison.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HOOK_TOOL_SCRIPT } from '../tests/harness/fake-juju';
import { startPebble } from '../tests/harness/pebble';
import { freePort } from '../workflows/tests/harness/ports';
import { PROJECT_ROOT, distFile } from '../tests/harness/tools';

const RUNS = 20;
const TARGET_UPDATE_STATUS_MEDIAN_MS = 150;
const TARGET_PEAK_RSS_MB = 80;

const CONFIG = { host: '127.0.0.1:1', namespace: 'rocks', queue: 'oci-factory', 'log-level': 'info' };

// Each stand-in appends its name to calls.log and answers like the real tool.
function writeStandIns(binDir: string, workDir: string): void {
  mkdirSync(binDir, { recursive: true });
  const configFile = path.join(workDir, 'config.json');
  writeFileSync(configFile, JSON.stringify(CONFIG));
  const tools: Record<string, string> = {
    'config-get': `cat '${configFile}'`,
    'resource-get': `echo "ERROR could not download resource: resource#app/$1 not found" >&2; exit 1`,
    'status-set': ':',
    'juju-log': ':',
    'application-version-set': ':',
    'action-set': ':',
    'action-fail': ':',
    'action-log': ':',
    'is-leader': 'echo true',
  };
  for (const [tool, body] of Object.entries(tools)) {
    const file = path.join(binDir, tool);
    writeFileSync(file, `#!/bin/sh\necho ${tool} >> '${path.join(workDir, 'calls.log')}'\n${body}\n`);
    chmodSync(file, 0o755);
  }
}

interface Run {
  wallMs: number;
  peakRssMb: number;
  hookTools: number;
  pebbleRequests: number;
}

function runDispatch(event: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('./dispatch', [], {
      cwd: PROJECT_ROOT,
      env: { ...env, JUJU_DISPATCH_PATH: `hooks/${event}`, JUJU_HOOK_NAME: event },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) return reject(new Error(`${event} exited ${code}: ${stderr}`));
      const calls = /charm-calls (\{.*\})/.exec(stderr);
      const rss = /charm-rss (\d+)/.exec(stderr);
      if (!calls || !rss) return reject(new Error(`${event} did not report its counters: ${stderr}`));
      const counts = JSON.parse(calls[1]!) as { hookTools: number; pebble: number };
      resolve({
        wallMs,
        peakRssMb: Number(rss[1]) / 1024,
        hookTools: counts.hookTools,
        pebbleRequests: counts.pebble,
      });
    });
  });
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

function fakeHookToolStartMs(): number {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = process.hrtime.bigint();
    spawnSync(process.execPath, [HOOK_TOOL_SCRIPT], {
      env: { ...process.env, FAKE_JUJU_STATE: '/nonexistent' },
    });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return median(times);
}

export async function run(): Promise<void> {
  distFile('charm.js');
  distFile('worker', 'worker.js');
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'bench-hooks-'));
  const pebble = await startPebble();
  try {
    const binDir = path.join(workDir, 'bin');
    writeStandIns(binDir, workDir);
    // Prints the process's peak RSS (KiB) at exit: preloaded into the charm's Node only.
    const rssReporter = path.join(workDir, 'rss.js');
    writeFileSync(
      rssReporter,
      "process.on('exit', () => { if (/charm\\.js$/.test(process.argv[1] || '')) process.stderr.write(`charm-rss ${process.resourceUsage().maxRSS}\\n`); });\n",
    );
    const env: Record<string, string> = {
      PATH: [binDir, path.dirname(process.execPath), '/usr/bin', '/bin'].join(':'),
      JUJU_CHARM_DIR: PROJECT_ROOT,
      JUJU_UNIT_NAME: 'temporal-worker-k8s/0',
      JUJU_MODEL_NAME: 'bench',
      JUJU_VERSION: '3.6.4',
      LANG: 'C.UTF-8',
      CHARM_CONTAINERS_DIR: pebble.containersDir,
      CHARM_WORKER_HOME: path.join(workDir, 'srv'),
      CHARM_HEALTH_PORT: String(await freePort()),
      CHARM_PROMETHEUS_PORT: String(await freePort()),
      CHARM_REPORT_CALLS: '1',
      NODE_OPTIONS: `--require ${rssReporter}`,
    };
    const first = await runDispatch('config-changed', env);
    const rows: Array<[string, Run[]]> = [];
    const bareNodeMs: number[] = [];
    for (const event of ['config-changed', 'update-status']) {
      const runs: Run[] = [];
      for (let i = 0; i < RUNS; i++) {
        runs.push(await runDispatch(event, env));
        bareNodeMs.push(await timeBareNode());
      }
      rows.push([event, runs]);
    }
    const hookToolMs = fakeHookToolStartMs();
    const nodeStartMs = median(bareNodeMs);

    console.log('\n## hooks (./dispatch against a real Pebble, sh hook-tool stand-ins)\n');
    console.log(
      `| hook | runs | median wall ms | max wall ms | peak RSS MB | hook-tool calls | Pebble requests |`,
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
        `${medianMs <= TARGET_UPDATE_STATUS_MEDIAN_MS ? 'met' : 'NOT met'}; peak RSS ${peakMb.toFixed(1)} MB ` +
        `(target ≤ ${TARGET_PEAK_RSS_MB}): ${peakMb <= TARGET_PEAK_RSS_MB ? 'met' : 'NOT met'}`,
    );
    console.log(
      `for scale, measured between the runs: a bare \`node -e 0\` takes ${nodeStartMs.toFixed(0)} ms (median), so ` +
        `the charm's own share of update-status is ~${(medianMs - nodeStartMs).toFixed(0)} ms; one Node-based fake ` +
        `hook tool of the tests takes ${hookToolMs.toFixed(0)} ms (the sh stand-ins take a few ms). Load average ` +
        `${os
          .loadavg()
          .map((load) => load.toFixed(1))
          .join(' ')} on ${os.cpus().length} cores.`,
    );
    const callsLog = readFileSync(path.join(workDir, 'calls.log'), 'utf8').trim().split('\n');
    console.log(
      `hook-tool calls of the last update-status: ${callsLog.slice(-updateStatus[0]!.hookTools).join(', ')}`,
    );
  } finally {
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
