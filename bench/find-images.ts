// find-images against the demo's seeded state (the OCI Factory scenario on today's clock), as
// the CI jobs run it: the built command in its own Node process, from the unpacked workflows
// tarball. Next to it, the same work done by the consume activity's pipeline for a release
// event (processEvent in-process, released-state cache cleared). Stand-ins answer after
// LATENCY_MS; DISPATCH_PAUSE_MS is 0 for both, so the figures are the work, not the courtesy pause.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as tar from 'tar';
import { createProcessEvent } from '../workflows/src/activities/process-event';
import { clearReleasedStateCache } from '../workflows/src/activities/rebuild/released-state';
import { startStandins } from '../workflows/tests/harness/standins';
import { seedOciFactoryScenario } from '../workflows/tests/harness/standins/oci-factory-scenario';

const RUNS = 7;
const LATENCY_MS = 5;
const DIST = path.resolve(__dirname, '..', 'dist');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timed(times: number, work: () => Promise<void>): Promise<number> {
  const samples: number[] = [];
  for (let n = 0; n < times; n += 1) {
    const started = process.hrtime.bigint();
    await work();
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return median(samples);
}

export async function run(): Promise<void> {
  const tarball = readdirSync(DIST).find((file) => /^oci-factory-workflows-.*\.tgz$/.test(file));
  if (!tarball) throw new Error(`no workflows package in ${DIST}: run \`npm run build\` first`);
  const unpacked = mkdtempSync(path.join(tmpdir(), 'bench-find-images-'));
  const standins = await startStandins();
  try {
    await tar.x({ file: path.join(DIST, tarball), cwd: unpacked });
    const command = path.join(unpacked, 'package', 'bin', 'oci-factory-find-images.js');
    seedOciFactoryScenario(standins, { now: new Date() });
    for (const standin of [standins.swift, standins.github, standins.registryTags, standins.mattermost]) {
      standin.setLatency(LATENCY_MS);
    }
    const env = { ...standins.env, DISPATCH_PAUSE_MS: '0', GITHUB_RUN_ID: 'bench' };
    const findImages = (args: string[]) => async () => {
      await promisify(execFile)(process.execPath, [command, ...args], {
        env: { PATH: process.env.PATH, ...env },
      });
    };
    const processEvent = createProcessEvent();
    const consume = async () => {
      clearReleasedStateCache();
      const outcome = await processEvent(
        { message_id: 'bench', name: 'ubuntu', description: '', registry_tags: [], release: '22.04' },
        {
          env,
          log: { info: () => undefined, warn: () => undefined, error: () => undefined },
          workflow: { namespace: 'bench', workflowId: 'bench', runId: 'bench' },
          onDispatched: async () => undefined,
        },
      );
      if (outcome.status !== 'Success')
        throw new Error(`consume pipeline: ${JSON.stringify(outcome.rebuilds)}`);
    };
    const dispatchesBefore = standins.github.dispatches.length;
    const figures = {
      'find-images 22.04 (own process)': await timed(RUNS, findImages(['22.04'])),
      'find-images 22.04 --dry-run (own process)': await timed(RUNS, findImages(['22.04', '--dry-run'])),
      'find-images * (own process)': await timed(RUNS, findImages([])),
      'consume pipeline, one 22.04 event (in the worker)': await timed(RUNS, consume),
    };
    const dispatches = standins.github.dispatches.length - dispatchesBefore;
    // 22.04: kafka and mock-rock; *: grafana too; the dry run none.
    const expected = RUNS * (2 + 3 + 2);
    if (dispatches !== expected)
      throw new Error(`find-images bench: ${dispatches} dispatches, expected ${expected}`);
    console.table(
      Object.fromEntries(
        Object.entries(figures).map(([what, ms]) => [what, { 'median ms': Math.round(ms) }]),
      ),
    );
    console.log(
      `${RUNS} runs each, the demo's seeded state (4 image folders, 13 revisions), stand-ins answering in ${LATENCY_MS} ms`,
    );
  } finally {
    await standins.stop();
    rmSync(unpacked, { recursive: true, force: true });
  }
}

if (require.main === module) {
  run().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
