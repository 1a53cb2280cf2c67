// A real Pebble daemon for integration tests, started the way Juju starts it in a
// workload container (`pebble run --create-dirs --hold`), with its socket at
// `<containersDir>/<container>/pebble.socket` to mirror `/charm/containers/<name>/pebble.socket`.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { SETTINGS } from '../../src/contract/settings';
import { pebbleBinary } from './tools';

export interface StartPebbleOptions {
  /** Workload container name; the socket lives in `<containersDir>/<name>/`. Default `temporal-worker`. */
  containerName?: string;
  /** Extra environment for the daemon; services inherit Pebble's environment. */
  env?: Record<string, string>;
  /** How long to wait for the API to answer (default 20 s). */
  startTimeoutMs?: number;
}

export interface RunningPebble {
  socketPath: string;
  /** Stands in for the charm container's `/charm/containers`. */
  containersDir: string;
  /** The daemon's state dir (`$PEBBLE`). */
  pebbleDir: string;
  /** Pebble's stdout and stderr (with --verbose, the services' output too). */
  logFile: string;
  pid: number;
  /** Runs the `pebble` CLI against this daemon. */
  cli(args: string[]): Promise<{ stdout: string; stderr: string; exitCode: number }>;
  /** SIGTERM (SIGKILL after a grace period), then removes the temp dirs. */
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 10_000;

export async function startPebble(options: StartPebbleOptions = {}): Promise<RunningPebble> {
  const binary = pebbleBinary();
  const containerName = options.containerName ?? 'temporal-worker';
  const tempDir = mkdtempSync(path.join(os.tmpdir(), 'pebble-'));
  const containersDir = path.join(tempDir, 'containers');
  const pebbleDir = path.join(tempDir, 'pebble-state');
  const socketPath = path.join(containersDir, containerName, 'pebble.socket');
  const logFile = path.join(tempDir, 'pebble.log');
  mkdirSync(path.dirname(socketPath), { recursive: true });

  // Services inherit the daemon's environment: a worker started here serves metrics on loopback only.
  const daemonEnv = {
    ...process.env,
    [SETTINGS.prometheusBindAddress.env]: '127.0.0.1',
    ...options.env,
    PEBBLE: pebbleDir,
    PEBBLE_SOCKET: socketPath,
  };
  const logFd = openSync(logFile, 'a');
  let daemon: ChildProcess;
  try {
    daemon = spawn(binary, ['run', '--create-dirs', '--hold', '--verbose'], {
      env: daemonEnv,
      stdio: ['ignore', logFd, logFd],
    });
  } finally {
    closeSync(logFd);
  }
  const exited = new Promise<void>((resolve) => daemon.once('exit', () => resolve()));
  let running = true;
  // If the test process ends without stop() (a crash, a forgotten afterAll), do not leave
  // the daemon behind.
  const killOnExit = () => {
    if (running && daemon.pid !== undefined) process.kill(daemon.pid, 'SIGKILL');
  };
  process.once('exit', killOnExit);
  daemon.once('exit', () => {
    running = false;
    process.removeListener('exit', killOnExit);
  });

  const stop = async (): Promise<void> => {
    if (running && daemon.pid !== undefined) {
      process.kill(daemon.pid, 'SIGTERM');
      const timer = setTimeout(() => {
        if (running && daemon.pid !== undefined) process.kill(daemon.pid, 'SIGKILL');
      }, STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    rmSync(tempDir, { recursive: true, force: true });
  };

  try {
    await waitForApi(socketPath, options.startTimeoutMs ?? 20_000, () => running, logFile);
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    socketPath,
    containersDir,
    pebbleDir,
    logFile,
    pid: daemon.pid!,
    cli: (args) => runCli(binary, args, { PEBBLE: pebbleDir, PEBBLE_SOCKET: socketPath }),
    stop,
  };
}

async function waitForApi(socketPath: string, timeoutMs: number, isRunning: () => boolean, logFile: string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isRunning()) throw new Error(`Pebble exited during start-up; see its log at ${logFile}`);
    if (await systemInfoAnswers(socketPath)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Pebble did not answer on ${socketPath} within ${timeoutMs} ms; see its log at ${logFile}`);
}

function systemInfoAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ socketPath, path: '/v1/system-info', timeout: 1000 }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode === 200));
    });
    request.on('error', () => resolve(false));
    request.on('timeout', () => request.destroy());
  });
}

function runCli(
  binary: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        exitCode: code ?? 1,
      }),
    );
  });
}
