// The find-images command as the OCI Factory's CI jobs run it: from the packed workflows
// tarball through npx, on a machine with Node and npm only (an empty HOME, no checkout on
// PATH, run from a folder holding just the tarball), and from a checkout through
// `npm run find-images`, against the stand-ins seeded with the OCI Factory scenario.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import type { FindImagesSummary } from '../../src/find-images/summary';
import { type Standins, startStandins } from '../harness/standins';
import { expectedTriggers2204, seedOciFactoryScenario } from '../harness/standins/oci-factory-scenario';
import { REPOSITORY_ROOT } from '../harness/tools';

jest.setTimeout(120_000);

const WORKFLOWS_DIST = path.join(REPOSITORY_ROOT, 'workflows', 'dist');

function builtTarball(): string {
  const tarball = existsSync(WORKFLOWS_DIST)
    ? readdirSync(WORKFLOWS_DIST).find((file) => /^oci-factory-workflows-.*\.tgz$/.test(file))
    : undefined;
  if (!tarball) {
    throw new Error(
      `no workflows package in ${WORKFLOWS_DIST}: run \`npm run build\` from the repository root first`,
    );
  }
  return path.join(WORKFLOWS_DIST, tarball);
}

/** The folder of an executable on this process's PATH, or an error saying what is missing. */
function folderOf(command: string): string {
  for (const folder of (process.env.PATH ?? '').split(path.delimiter)) {
    if (folder && existsSync(path.join(folder, command))) return folder;
  }
  throw new Error(`${command} is not on PATH: install Node.js with npm (npx comes with npm)`);
}

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

async function run(
  file: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(file, args, { ...options, maxBuffer: 16 << 20 });
    return { status: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { status: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('find-images as the CI jobs run it', () => {
  let standins: Standins;
  let scratch: string;
  const now = new Date();

  beforeEach(async () => {
    standins = await startStandins();
    // Seeded for today: the command judges end of life on the real clock.
    seedOciFactoryScenario(standins, { now });
    scratch = mkdtempSync(path.join(os.tmpdir(), 'find-images-'));
  });
  afterEach(async () => {
    await standins.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** Only what a CI runner's step would have: Node and npm on PATH, the job's variables. */
  function runnerEnv(home: string): NodeJS.ProcessEnv {
    const folders = [...new Set([path.dirname(process.execPath), folderOf('npx'), '/usr/bin', '/bin'])];
    return {
      PATH: folders.join(path.delimiter),
      HOME: home,
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
      ...standins.env,
      GITHUB_RUN_ID: '20250101',
    };
  }

  /** A job's folder holding only the tarball, an empty HOME, and the runner's environment. */
  function ciJob() {
    const cwd = mkdtempSync(path.join(scratch, 'job-'));
    const home = mkdtempSync(path.join(scratch, 'home-'));
    const tarball = path.basename(builtTarball());
    copyFileSync(builtTarball(), path.join(cwd, tarball));
    return { cwd, env: runnerEnv(home), npx: path.join(folderOf('npx'), 'npx'), tarball };
  }

  it('runs from the packed tarball through npx with an empty HOME and no checkout', async () => {
    const { cwd, env, npx, tarball } = ciJob();
    const command = ['--yes', '--package', `./${tarball}`, 'oci-factory-find-images'];

    const dryRun = await run(npx, [...command, '22.04', '--dry-run', '--output', 'json'], { cwd, env });

    expect(dryRun.stderr).toContain('INFO:find-images:Checking for image * to update for release 22.04');
    expect(dryRun.status).toBe(0);
    const summary = JSON.parse(dryRun.stdout) as FindImagesSummary;
    expect(
      Object.fromEntries(
        summary.images
          .filter((image) => image.result === 'would-dispatch')
          .map((image) => [image.image, image.trigger]),
      ),
    ).toEqual(expectedTriggers2204(now));
    expect(standins.github.dispatches).toEqual([]);

    const rebuild = await run(npx, [...command, '--image-name', '*', '--ext-ref-prefix', 'weekly-rebuild'], {
      cwd,
      env,
    });

    expect(rebuild.status).toBe(0);
    expect(rebuild.stdout).toMatch(
      /\nkafka +dispatched +weekly-rebuild-kafka-20250101 https:\/\/github\.com\/canonical\/oci-factory\/actions\/runs\/\d+\n/,
    );
    expect(standins.github.dispatches.map((dispatch) => dispatch.inputs.external_ref_id)).toEqual([
      'weekly-rebuild-grafana-20250101',
      'weekly-rebuild-kafka-20250101',
      'weekly-rebuild-mock-rock-20250101',
    ]);
    const kafka = standins.github.dispatches[1]!;
    expect(
      YAML.parse(Buffer.from(String(kafka.inputs['b64-image-trigger']), 'base64').toString()),
    ).toMatchObject({
      version: 2,
    });
  });

  it('exits 2 from the tarball when a variable is missing, naming it', async () => {
    const { cwd, env, npx, tarball } = ciJob();
    delete env.GITHUB_TOKEN;

    const result = await run(
      npx,
      ['--yes', '--package', `./${tarball}`, 'oci-factory-find-images', '22.04'],
      { cwd, env },
    );

    expect(result.status).toBe(2);
    expect(result.stderr).toContain('missing environment: GITHUB_TOKEN not set');
  });

  it('runs from a checkout as `npm run find-images`', async () => {
    const result = await run(
      path.join(folderOf('npm'), 'npm'),
      ['run', '--silent', 'find-images', '--', '22.04', '--dry-run', '--image-name', 'kafka'],
      { cwd: REPOSITORY_ROOT, env: { ...process.env, ...standins.env, GITHUB_RUN_ID: '7' } },
    );

    expect(result.stderr).toContain('Dry run: kafka not dispatched');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('kafka  would-dispatch  workflow-engine-kafka-7');
  });
});
