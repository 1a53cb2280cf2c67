// Backlog benchmark of the rebuild pipeline: 1,000 events (40 released images of 4 revisions each, about the size of the OCI Factory's releases branch) through the real processEvent against
// the HTTP stand-ins, each answering after ~1.5 ms, run twice in one process: reads one at a
// time (READ_CONCURRENCY=1), then with the default concurrency. Prints events/s of both, their
// ratio (target ≥ 4), the dispatches of each (must be equal: no extra dispatch) and the GitHub
// API calls per event counted against the rate limit (target ≤ 2, dispatches aside).
// The stand-ins run in a child process (this file, forked), so that their own work does not
// take the pipeline's CPU: as with real services, only their latency is the pipeline's.
import { fork } from 'node:child_process';
import { createProcessEvent } from '../workflows/src/activities/process-event';
import { DEFAULT_READ_CONCURRENCY } from '../workflows/src/activities/pipeline-settings';
import type { OciEvent, PipelineContext } from '../workflows/src/activities/pipeline-types';
import { clearReleasedStateCache } from '../workflows/src/activities/rebuild/released-state';
import { startStandins, type Standins } from '../workflows/tests/harness/standins';

const EVENTS = 1_000;
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 1.5);
const IMAGES = 40;
const REVISIONS_PER_IMAGE = 4;
/** One event in this many is about the release the images are built on (the others match none). */
const MATCHING_EVERY = 50;
const TARGET_RATIO = 4;
const NOW = new Date('2026-03-01T00:00:00Z');

function seed(standins: Standins): void {
  const digest = (image: string, revision: number) =>
    `sha256:${Buffer.from(`${image}-${revision}`).toString('hex').padEnd(64, '0').slice(0, 64)}`;
  for (let i = 0; i < IMAGES; i += 1) {
    const image = `bench-rock-${String(i).padStart(2, '0')}`;
    const releases: Record<string, unknown> = {};
    const tags = [];
    for (let r = 1; r <= REVISIONS_PER_IMAGE; r += 1) {
      const track = `1.${r}-22.04`;
      releases[track] = {
        stable: { target: String(r) },
        edge: { target: String(r) },
        'end-of-life': '2030-01-01T00:00:00Z',
      };
      standins.swift.putObject('oci-factory', `${image}/${track}/${r}/build_metadata.json`, {
        source: 'canonical/bench-rocks',
        commit: `${'0'.repeat(39)}${r}`,
        directory: `${image}/1.${r}`,
        digest: digest(image, r),
        base: 'ubuntu@22.04',
      });
      tags.push(
        { tag: `${track}_stable`, digest: digest(image, r) },
        { tag: `${track}_edge`, digest: digest(image, r) },
      );
    }
    standins.github.putFile('_releases', `oci/${image}/_releases.json`, releases);
    standins.registryTags.setTags('ubuntu', image, tags);
  }
}

function event(n: number): OciEvent {
  return {
    message_id: `bench-${n}`,
    name: 'ubuntu',
    description: 'bench',
    registry_tags: [],
    release: n % MATCHING_EVERY === 0 ? '22.04' : '24.04',
  };
}

interface Pass {
  eventsPerSecond: number;
  dispatches: number;
  githubCallsPerEvent: number;
}

interface StandinsReady {
  env: Record<string, string>;
}
interface StandinsCounts {
  dispatches: number;
  countedReadCalls: number;
}

/** The child: seeded stand-ins answering after LATENCY_MS; tells their env, then their counts on request. */
async function serveStandins(): Promise<void> {
  const standins = await startStandins();
  seed(standins);
  for (const standin of [standins.swift, standins.github, standins.registryTags, standins.mattermost]) {
    standin.setLatency(LATENCY_MS);
  }
  process.on('message', (message) => {
    if (message === 'counts') {
      const counts: StandinsCounts = {
        dispatches: standins.github.dispatches.length,
        countedReadCalls: standins.github.countedReadCalls,
      };
      process.send!(counts);
    } else if (message === 'stop') {
      void standins.stop().then(() => process.disconnect());
    }
  });
  process.send!({ env: standins.env } satisfies StandinsReady);
}

function nextMessage<T>(child: ReturnType<typeof fork>): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve(message as T));
    child.once('exit', (code) => reject(new Error(`the stand-ins process exited (${code})`)));
  });
}

async function pass(concurrency: number): Promise<Pass> {
  const child = fork(__filename, ['standins'], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  try {
    const { env: standinsEnv } = await nextMessage<StandinsReady>(child);
    clearReleasedStateCache();
    const env = { ...standinsEnv, READ_CONCURRENCY: String(concurrency), DISPATCH_PAUSE_MS: '0' };
    const processEvent = createProcessEvent({ now: () => NOW });
    const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const started = process.hrtime.bigint();
    for (let n = 0; n < EVENTS; n += 1) {
      const ctx: PipelineContext = {
        env,
        log: quiet,
        workflow: { namespace: 'bench', workflowId: 'bench', runId: 'bench' },
        onDispatched: async () => undefined,
        onPosted: async () => undefined,
      };
      const outcome = await processEvent(event(n), ctx);
      if (outcome.status !== 'Success') throw new Error(`event ${n}: ${JSON.stringify(outcome.rebuilds)}`);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    child.send('counts');
    const counts = await nextMessage<StandinsCounts>(child);
    return {
      eventsPerSecond: EVENTS / seconds,
      dispatches: counts.dispatches,
      githubCallsPerEvent: counts.countedReadCalls / EVENTS,
    };
  } finally {
    child.send('stop');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

export async function run(): Promise<void> {
  const sequential = await pass(1);
  const concurrent = await pass(DEFAULT_READ_CONCURRENCY);
  const ratio = concurrent.eventsPerSecond / sequential.eventsPerSecond;
  const expected = Math.ceil(EVENTS / MATCHING_EVERY) * IMAGES;
  console.table({
    'READ_CONCURRENCY=1': {
      'events/s': sequential.eventsPerSecond.toFixed(1),
      dispatches: sequential.dispatches,
      'GitHub calls/event': sequential.githubCallsPerEvent.toFixed(3),
    },
    [`READ_CONCURRENCY=${DEFAULT_READ_CONCURRENCY} (default)`]: {
      'events/s': concurrent.eventsPerSecond.toFixed(1),
      dispatches: concurrent.dispatches,
      'GitHub calls/event': concurrent.githubCallsPerEvent.toFixed(3),
    },
  });
  console.log(
    `${EVENTS} events, ${IMAGES} images × ${REVISIONS_PER_IMAGE} revisions, stand-ins answering in ${LATENCY_MS} ms`,
  );
  console.log(`ratio default/1: ${ratio.toFixed(2)} (target ≥ ${TARGET_RATIO})`);
  const problems = [
    ...(ratio < TARGET_RATIO ? [`ratio ${ratio.toFixed(2)} < ${TARGET_RATIO}`] : []),
    ...[sequential, concurrent]
      .filter((p) => p.dispatches !== expected)
      .map((p) => `${p.dispatches} dispatches, expected ${expected}`),
    ...[sequential, concurrent]
      .filter((p) => p.githubCallsPerEvent > 2)
      .map((p) => `${p.githubCallsPerEvent} GitHub calls per event > 2`),
  ];
  if (problems.length > 0) throw new Error(`pipeline benchmark: ${problems.join('; ')}`);
}

if (require.main === module && process.argv[2] === 'standins') {
  void serveStandins();
} else if (require.main === module) {
  run().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
