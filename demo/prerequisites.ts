// What the demo needs on disk before it starts anything: the real components in tools/
// (`npm run setup`) and the built charm, worker and workflows package in dist/ (`npm run build`).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { StepError } from './progress';
import { createServer } from 'node:net';
import { HEALTH_PORT, PROMETHEUS_PORT, WORKFLOWS_METRICS_PORT } from '../src/contract/container';
import { postgresqlBinDir } from '../tests/harness/postgresql';
import { prometheusTool } from '../tests/harness/prometheus';

export function workflowsPackageFile(root: string): string {
  const { name, version } = JSON.parse(
    readFileSync(path.join(root, 'workflows', 'package.json'), 'utf8'),
  ) as {
    name: string;
    version: string;
  };
  return path.join(root, 'dist', `${name}-${version}.tgz`);
}

export function missingTools(root: string): string[] {
  const missing = ['tools/bin/pebble', 'tools/bin/temporal', 'tools/kafka/libs/.complete'].filter(
    (file) => !existsSync(path.join(root, file)),
  );
  try {
    prometheusTool('prometheus');
  } catch {
    missing.push("prometheus (Debian's package)");
  }
  try {
    postgresqlBinDir();
  } catch {
    missing.push("postgresql (Debian's package)");
  }
  return missing;
}

export function missingBuild(root: string): string[] {
  return ['dist/charm.js', 'dist/worker/worker.js', path.relative(root, workflowsPackageFile(root))].filter(
    (file) => !existsSync(path.join(root, file)),
  );
}

/** The charm's own files (source, not built): the charm directory Juju runs is the project root. */
export function missingCharmFiles(root: string): string[] {
  return ['dispatch', 'metadata.yaml', 'config.yaml'].filter((file) => !existsSync(path.join(root, file)));
}

/** Runs `npm run <script>` in the project with its output shown; fails naming the script. */
export function runNpmScript(root: string, script: string, onStart: (pid: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', script], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (child.pid !== undefined) onStart(child.pid);
    child.on('error', (error) => reject(new StepError(`cannot run npm run ${script}: ${error.message}`)));
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new StepError(`npm run ${script} failed (${signal ?? `exit code ${code}`}); see its output above`),
        );
    });
  });
}

function newestModification(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const file = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestModification(file) : statSync(file).mtimeMs);
  }
  return newest;
}

/** Whether a source file changed after the build: the demo runs what dist/ holds, not the sources. */
export function buildIsStale(root: string): boolean {
  const built = Math.min(
    ...['dist/charm.js', 'dist/worker/worker.js', path.relative(root, workflowsPackageFile(root))].map(
      (file) => statSync(path.join(root, file)).mtimeMs,
    ),
  );
  const sources = Math.max(
    ...[path.join(root, 'src'), path.join(root, 'workflows', 'src')]
      .filter(existsSync)
      .map(newestModification),
  );
  return sources > built;
}

/**
 * The worker's fixed ports (health, Prometheus metrics) that something else already listens
 * on, named, so the demo stops at once instead of waiting for a worker that cannot start.
 */
export async function takenWorkerPorts(): Promise<string[]> {
  const isTaken = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(true));
      server.listen(port, () => server.close(() => resolve(false)));
    });
  const ports = [
    { name: 'health port', port: HEALTH_PORT },
    { name: 'metrics port', port: PROMETHEUS_PORT },
    { name: 'workflows metrics port', port: WORKFLOWS_METRICS_PORT },
  ];
  const taken: string[] = [];
  for (const { name, port } of ports) if (await isTaken(port)) taken.push(`${name} ${port}`);
  return taken;
}
