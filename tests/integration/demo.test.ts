// `npm run demo`, run as a user runs it (with the built dist/), end to end: it exits 0,
// shows the rebuilds dispatched and an active unit, and leaves nothing running. And when
// it is stopped by a signal half-way, it still stops everything it started.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isRunning, type PidFile, type ProcessRecord } from '../../demo/processes';
import { PROJECT_ROOT } from '../harness/tools';

jest.setTimeout(600_000);

interface DemoRun {
  workDir: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number>;
}

const workDirs: string[] = [];
const runs: DemoRun[] = [];

function startDemo(workDir: string): DemoRun {
  const child = spawn('npm', ['run', 'demo', '--', '--work-dir', workDir], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))),
  );
  const run = { workDir, child, output: () => output, exited };
  runs.push(run);
  return run;
}

function readPidFile(workDir: string): PidFile {
  return JSON.parse(readFileSync(path.join(workDir, 'demo.pids.json'), 'utf8')) as PidFile;
}

async function waitForOutput(run: DemoRun, pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(run.output())) {
    if (run.child.exitCode !== null)
      throw new Error(`the demo exited before printing ${pattern}:\n${run.output()}`);
    if (Date.now() > deadline) throw new Error(`the demo did not print ${pattern}:\n${run.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const describeRecord = (record: ProcessRecord) => `${record.pid} ${record.command}`;

afterAll(async () => {
  // A demo still running here means a test failed early: stop it, then whatever it listed.
  for (const run of runs) {
    if (run.child.exitCode !== null || run.child.signalCode !== null) continue;
    // npm does not pass the signal through its shell: signal the demo itself.
    const demo = existsSync(path.join(run.workDir, 'demo.pids.json')) ? readPidFile(run.workDir).demo : null;
    if (demo && isRunning(demo)) process.kill(demo.pid, 'SIGTERM');
    else run.child.kill('SIGTERM');
    await run.exited;
  }
  for (const workDir of workDirs) {
    if (existsSync(path.join(workDir, 'demo.pids.json'))) {
      for (const record of readPidFile(workDir).processes.filter(isRunning))
        process.kill(record.pid, 'SIGKILL');
    }
    rmSync(workDir, { recursive: true, force: true });
  }
});

/** The secret values the demo put in config.yml and the env file. */
function secretsOf(workDir: string): string[] {
  const files = ['config.yml', '.env']
    .map((file) => readFileSync(path.join(workDir, file), 'utf8'))
    .join('\n');
  const secrets = [
    'encryption-key',
    'ROCKS_EVENTBUS_PASSWORD',
    'OS_PASSWORD',
    'GITHUB_TOKEN',
    'MATTERMOST_TOKEN',
  ].map(
    (name) =>
      new RegExp(`^\\s*${name}\\s*[:=]\\s*(.+)$`, 'm')
        .exec(files)?.[1]
        ?.trim()
        .replace(/^["']|["']$/g, '') ?? '',
  );
  expect(secrets.every((secret) => secret.length >= 8)).toBe(true);
  return secrets;
}

function freshWorkDir(): string {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'demo-test-'));
  workDirs.push(workDir);
  return workDir;
}

test('the demo deploys the charm, dispatches the rebuilds for a Kafka event, and stops everything', async () => {
  const workDir = freshWorkDir();
  const run = startDemo(workDir);

  const exitCode = await run.exited;
  const output = run.output();
  if (exitCode !== 0) throw new Error(`npm run demo exited with ${exitCode}:\n${output}`);

  // The rebuilds GitHub received: mock-rock has live 22.04 tracks; every grafana 22.04 track is past end of life.
  expect(output).toMatch(
    /image mock-rock: POST \/repos\/canonical\/oci-factory\/actions\/workflows\/Image\.yaml\/dispatches/,
  );
  expect(output).not.toMatch(/image grafana: POST/);
  expect(output).toContain('source: canonical/rocks-toolbox');
  // The packed charm's name, as `npm run pack` writes it.
  expect(output).toMatch(/\$ juju deploy \.\/temporal-worker-k8s_ubuntu@24\.04-(amd64|arm64)\.charm /);
  expect(output).toMatch(/status: Triggered → Success/);
  // The post links each rebuild's GitHub run, as GitHub returned it for the dispatch.
  expect(output).toMatch(
    /\| - mock-rock: \[GitHub run \d+\]\(https:\/\/github\.com\/canonical\/oci-factory\/actions\/runs\/\d+\)/,
  );
  // The unit, as `juju status` shows it.
  expect(output).toMatch(
    /temporal-worker-k8s\/0\*\s+active\s+idle\s+worker listening to namespace 'rocks' on queue 'oci-factory'/,
  );
  expect(output).toMatch(/Demo succeeded: the unit is active, \d+ rebuild\(s\) dispatched \(.*mock-rock.*\)/);
  // What COS sees: a real Prometheus scraped both published jobs, and has the event in the
  // workflows' metrics; the worker's log lines reached the Loki receiver with the topology.
  expect(output).toMatch(
    /Prometheus scrapes 127\.0\.0\.1:9000 as juju_demo_\w+_temporal-worker-k8s_prometheus_scrape_temporal-worker-0/,
  );
  expect(output).toMatch(
    /Prometheus scrapes 127\.0\.0\.1:9001 as juju_demo_\S+_prometheus_scrape_oci-factory-workflows-0/,
  );
  expect(output).toMatch(/oci_factory_events_consumed_total\{[^}]*topic="ubuntu-oci-releases"[^}]*\} 1\b/);
  expect(output).toMatch(/oci_factory_dispatches_total\{[^}]*outcome="dispatched"[^}]*\} [1-9]/);
  expect(output).toMatch(/oci_factory_last_event_processed_timestamp_seconds\{[^}]*\} \d{10}/);
  expect(output).toContain("every oci_factory_* metric of the charm's Grafana dashboard has data");
  expect(output).toMatch(/Loki received [1-9]\d* line\(s\) from the worker/);
  expect(output).toMatch(/\{[^}]*juju_application="temporal-worker-k8s"[^}]*\} .*event processed/);
  for (const secret of secretsOf(workDir)) expect(output).not.toContain(secret);

  // What it started (Temporal, Kafka, Pebble, the worker) is listed, and none of it still runs.
  const pids = readPidFile(workDir);
  const commands = pids.processes.map((record) => record.command).join('\n');
  expect(commands).toMatch(/temporal server start-dev/);
  expect(commands).toMatch(/kafka\.Kafka/);
  expect(commands).toMatch(/pebble run/);
  expect(commands).toMatch(/worker\.js/);
  expect(commands).toMatch(/prometheus --config\.file/);
  expect(pids.processes.filter(isRunning).map(describeRecord)).toEqual([]);
  expect(isRunning(pids.demo)).toBe(false);
  expect(existsSync(path.join(workDir, 'logs', 'pebble.log'))).toBe(true);
  expect(readFileSync(path.join(workDir, 'logs', 'juju-debug.log'), 'utf8')).toContain('config-changed');
});

test('a SIGTERM half-way stops everything the demo had started, and the exit code says so', async () => {
  const workDir = freshWorkDir();
  const run = startDemo(workDir);
  await waitForOutput(run, /pebble run --hold \(pid \d+\)/, 300_000);

  const { demo } = readPidFile(workDir);
  process.kill(demo.pid, 'SIGTERM');
  const exitCode = await run.exited;

  expect(exitCode).not.toBe(0);
  expect(run.output()).toContain('SIGTERM: stopping everything the demo started');
  expect(run.output()).toContain('demo interrupted by SIGTERM');
  const pids = readPidFile(workDir);
  const commands = pids.processes.map((record) => record.command).join('\n');
  expect(commands).toMatch(/temporal server start-dev/);
  expect(commands).toMatch(/pebble run/);
  expect(pids.processes.filter(isRunning).map(describeRecord)).toEqual([]);
});
