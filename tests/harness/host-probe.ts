// Which socket temporal-lib-py (and the temporalio SDK under it) dials for a `host` value:
// host_probe.py, run with the temporal-lib-py and temporalio that `npm run setup` installs
// into tools/, in a private network namespace, so that ports 80 and 443 are free on its
// own loopback whatever the machine runs.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { installedTool } from '../../workflows/tests/harness/tools';

export interface ProbeCase {
  host: string;
  tls: boolean;
  /** Hand the host to temporalio's Client.connect directly instead of through temporal-lib-py. */
  sdkOnly?: boolean;
}

export interface ProbeResult {
  /** The listener that accepted, e.g. `127.0.0.1:443` or `[::1]:80`; null when none did. */
  dialed: string | null;
  /** Why nothing was dialed (the SDK's or the library's own error). */
  error: string | null;
}

/** Bounded: each case stops after 4 s in the probe, the whole run after 5 s a case more. */
export function probeHosts(cases: ProbeCase[], ca: string): Promise<ProbeResult[]> {
  const libraries = path.dirname(installedTool(path.join('temporal-lib-py', 'temporalio'), 'temporalio'));
  const child = spawn(
    'unshare',
    ['--net', '--map-root-user', 'python3', path.join(__dirname, 'host_probe.py')],
    { env: { ...process.env, PYTHONPATH: libraries }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(JSON.stringify({ ca, cases }));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000 * (cases.length + 1));
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run the host probe (needs util-linux 'unshare'): ${error.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      try {
        if (code !== 0) throw new Error(`exit ${code ?? signal}`);
        resolve(JSON.parse(stdout) as ProbeResult[]);
      } catch (error) {
        reject(
          new Error(
            `the host probe failed (${(error as Error).message}). It runs in a private network namespace ` +
              `(\`unshare --net --map-root-user\`, which needs user namespaces) so it can listen on ports ` +
              `80 and 443 of its own loopback:\n${stderr}`,
          ),
        );
      }
    });
  });
}
