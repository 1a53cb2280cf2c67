// `npm run soak [-- --minutes N] [--auth google|candid] [--work-dir DIR]`: one long run of the
// real worker, started by the built charm under Pebble, under a steady stream of release
// events, with the ordinary faults of a long life on a schedule. Prints a verdict table,
// writes it with every sample as verdict.json and a picture as chart.svg in the work folder,
// and exits 0 only when the verdict holds. Stops everything it started at the end, on error
// and on Ctrl-C. What it checks and why: docs/soak.md.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { errorSummary } from '../src/error-summary';
import { buildIsStale, missingBuild } from '../demo/prerequisites';
import { ProcessLedger, type ProcessRecord } from '../demo/processes';
import { Teardown } from '../demo/teardown';
import { PROJECT_ROOT } from '../tests/harness/tools';
import { AUTH_PROVIDERS, CREDENTIAL_LIFETIME_S, type AuthCounts, type AuthProvider } from './auth';
import { renderChart } from './chart';
import { FAULT_PLAN } from './faults';
import { EVENT_EVERY_MS, SAMPLE_EVERY_MS, SoakRun, settleFaults } from './run';
import {
  NOISE_ERRORS,
  FDS_PER_HOUR,
  LIVE_HEAP_MIB_PER_HOUR,
  RECOVERY_LIMIT_S,
  RSS_MIB_PER_HOUR,
  WARM_UP_S,
  checkDispatches,
  formatTable,
  faultSpans,
  sampleTrends,
  trendStart,
  verdictPasses,
  verdictRows,
  type DispatchCheck,
  type Row,
} from './verdict';
import { MAX_EVENTS_PER_RUN, SoakWorld } from './world';

const DEFAULT_MINUTES = 30;
/** The faults are spread over the run; below this they would overlap. */
const MIN_MINUTES = 2;
/** A second Ctrl-C this long after the first kills everything at once instead of stopping it in order. */
const FORCE_AFTER_MS = 2_000;

const USAGE = `Usage: npm run soak [-- --minutes N] [--auth google|candid] [--work-dir DIR]

  --minutes N      how long the event stream runs (default ${DEFAULT_MINUTES}, at least ${MIN_MINUTES});
                   the faults come at fixed fractions of it
  --auth P         the auth provider in front of Temporal: google (default) or candid
  --work-dir DIR   where verdict.json, chart.svg and the logs go (default .tmp/soak)
`;

interface SoakArgs {
  minutes: number;
  auth: AuthProvider;
  workDir: string;
}

function parseSoakArgs(argv: string[]): SoakArgs | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      minutes: { type: 'string' },
      auth: { type: 'string' },
      'work-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return null;
  const minutes = Number(values.minutes ?? DEFAULT_MINUTES);
  if (!Number.isFinite(minutes) || minutes < MIN_MINUTES) {
    throw new Error(`--minutes must be a number of at least ${MIN_MINUTES}`);
  }
  const auth = (values.auth ?? 'google') as AuthProvider;
  if (!AUTH_PROVIDERS.includes(auth)) throw new Error(`--auth must be ${AUTH_PROVIDERS.join(' or ')}`);
  return {
    minutes,
    auth,
    workDir: path.resolve(values['work-dir'] ?? path.join(PROJECT_ROOT, '.tmp', 'soak')),
  };
}

/** The files of the work folder (only what the soak writes there, so a --work-dir is never emptied wholesale). */
function workFiles(workDir: string) {
  return {
    verdict: path.join(workDir, 'verdict.json'),
    chart: path.join(workDir, 'chart.svg'),
    pidFile: path.join(workDir, 'soak.pids.json'),
    logs: ['pebble.log', 'kafka-broker.log', 'temporal-server.log', '.env'].map((name) =>
      path.join(workDir, name),
    ),
  };
}

const say = (line: string) => console.log(line);
const relative = (file: string) => {
  const inProject = path.relative(PROJECT_ROOT, file);
  return inProject.startsWith('..') ? file : `./${inProject}`;
};

/** What the run leaves for the verdict, read before the teardown removes the servers' files. */
interface Outcome {
  run: SoakRun;
  dispatch: DispatchCheck;
  auth: AuthCounts;
}

function firstOf(list: string[]): string[] {
  return list.length > 20 ? [...list.slice(0, 20), `… ${list.length - 20} more`] : list;
}

async function main(argv: string[]): Promise<number> {
  let args: SoakArgs | null;
  try {
    args = parseSoakArgs(argv);
  } catch (error) {
    console.error(`soak: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (!args) {
    console.log(USAGE);
    return 0;
  }
  const missing = missingBuild(PROJECT_ROOT);
  if (missing.length > 0) {
    console.error(`soak: missing ${missing.join(', ')}: run \`npm run build\` first`);
    return 2;
  }
  if (buildIsStale(PROJECT_ROOT)) {
    say('note: src/ or workflows/src/ changed after the last build; the soak runs what dist/ holds');
  }
  const files = workFiles(args.workDir);
  mkdirSync(args.workDir, { recursive: true });
  for (const file of [files.verdict, files.chart, files.pidFile, ...files.logs])
    rmSync(file, { force: true });

  const wallStart = Date.now();
  const command = `npm run soak -- --minutes ${args.minutes} --auth ${args.auth}`;
  say(`${command}: work folder ${relative(args.workDir)}`);
  const ledger = new ProcessLedger(files.pidFile);
  const teardown = new Teardown((line) => say(`  ${line}`));
  const controller = new AbortController();
  let firstSignalAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstSignalAt === undefined) {
      firstSignalAt = Date.now();
      say(`\n${signal}: stopping everything the soak started (again to force)`);
      controller.abort(signal);
      return;
    }
    if (Date.now() - firstSignalAt < FORCE_AFTER_MS) return;
    say(`\n${signal} again: killing what the soak started`);
    ledger.snapshot();
    for (const record of ledger.stillRunning()) {
      try {
        process.kill(record.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('unhandledRejection', (error) =>
    say(`unexpected error in the background: ${errorSummary(error)}`),
  );
  const snapshots = setInterval(() => ledger.snapshot(), 2_000);

  let failure: string | undefined;
  let outcome: Outcome | undefined;
  let setupSeconds: number | undefined;
  try {
    const world = await SoakWorld.start({ auth: args.auth, workDir: args.workDir, teardown, say });
    ledger.snapshot();
    setupSeconds = (Date.now() - wallStart) / 1000;
    if (!controller.signal.aborted) {
      say(
        `set-up took ${setupSeconds.toFixed(0)} s; a release event every ${EVENT_EVERY_MS / 1000} s for ` +
          `${args.minutes} min, faults at ${FAULT_PLAN.map((plan) => plan.fraction * 100)
            .map(Math.round)
            .join('/')} %`,
      );
      const run = new SoakRun(world, args.minutes * 60_000, controller.signal, say);
      try {
        await run.play();
      } finally {
        settleFaults(run);
        outcome = {
          run,
          dispatch: checkDispatches(
            world.run.events,
            world.run.standins.github.dispatches,
            world.expectedImages,
          ),
          auth: world.auth.counts(),
        };
      }
    }
  } catch (error) {
    failure = error instanceof Error ? (error.stack ?? error.message) : String(error);
  } finally {
    clearInterval(snapshots);
    say('stopping everything the soak started');
    await teardown.run();
  }
  const leftovers: ProcessRecord[] = await ledger.stopLeftovers();
  for (const record of leftovers) say(`  stopped leftover process ${record.pid}: ${record.command}`);
  const wallSeconds = (Date.now() - wallStart) / 1000;

  const interrupted = controller.signal.aborted;
  const rows: Row[] = [];
  const run = outcome?.run;
  const trends = sampleTrends(
    run?.samples ?? [],
    args.minutes * 60,
    run ? faultSpans(run.faults, run.origin, Date.now()) : [],
  );
  if (outcome && run) {
    rows.push(
      ...verdictRows({
        dispatch: outcome.dispatch,
        faults: run.faults,
        endedAt: run.endedAt ?? Date.now(),
        finalLag: run.lagReadings.at(-1)?.lag,
        statuses: run.status.readings,
        pebbleRestarts: run.probe.restarts(),
        workerProcesses: run.probe.processes,
        auth: outcome.auth,
        trends,
        heapExposed: run.samples.some((sample) => sample.heapSpacesMiB?.old !== undefined),
        workflowRuns: run.workflowRuns,
        producerErrors: run.producerErrors,
      }),
    );
  }
  if (failure || interrupted) {
    rows.push({
      check: 'the soak ran to its end',
      value: interrupted ? `interrupted (${String(controller.signal.reason)})` : errorSummary(failure),
      expected: 'set-up, the event stream and the drain complete',
      result: 'FAIL',
    });
  }
  rows.push({
    check: 'nothing left running',
    value:
      leftovers.length === 0
        ? 'every process stopped'
        : `${leftovers.length} left, killed: ${leftovers.map((r) => r.command).join('; ')}`,
    expected: 'every process the soak started stopped by its teardown',
    result: leftovers.length === 0 ? 'pass' : 'FAIL',
  });
  const pass = verdictPasses(rows);

  const settings = {
    minutes: args.minutes,
    auth: args.auth,
    eventEverySeconds: EVENT_EVERY_MS / 1000,
    maxEventsPerRun: MAX_EVENTS_PER_RUN,
    credentialLifetimeSeconds: CREDENTIAL_LIFETIME_S,
    sampleEverySeconds: SAMPLE_EVERY_MS / 1000,
    warmUpSeconds: WARM_UP_S,
    rssTrendFromSeconds: trendStart('second half', args.minutes * 60),
    thresholds: {
      rssMiBPerHour: RSS_MIB_PER_HOUR,
      liveHeapMiBPerHour: LIVE_HEAP_MIB_PER_HOUR,
      fdsPerHour: FDS_PER_HOUR,
      trendNoiseErrors: NOISE_ERRORS,
      recoverySeconds: RECOVERY_LIMIT_S,
    },
  };
  const origin = run?.origin || wallStart;
  writeFileSync(
    files.verdict,
    `${JSON.stringify(
      {
        command,
        host: { cpus: os.cpus().length, loadAverage: os.loadavg() },
        startedAt: new Date(wallStart).toISOString(),
        streamStartedAt: run?.origin ? new Date(run.origin).toISOString() : null,
        wallSeconds,
        setupSeconds,
        settings,
        verdict: { pass, rows },
        failure: failure ?? null,
        faults: run?.faults ?? [],
        statuses: run?.status.readings ?? [],
        trends,
        auth: outcome?.auth ?? null,
        dispatch: outcome
          ? {
              ...outcome.dispatch,
              missing: firstOf(outcome.dispatch.missing),
              duplicated: firstOf(outcome.dispatch.duplicated),
              unexpected: firstOf(outcome.dispatch.unexpected),
            }
          : null,
        workerProcesses: run?.probe.processes ?? [],
        leftovers,
        samples: run?.samples ?? [],
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(
    files.chart,
    renderChart({
      title: `npm run soak: ${args.minutes} min, ${args.auth} auth: ${pass ? 'PASS' : 'FAIL'}`,
      subtitle:
        `${new Date(wallStart).toISOString().slice(0, 16)}Z, an event every ${EVENT_EVERY_MS / 1000} s, ` +
        `${MAX_EVENTS_PER_RUN} per workflow run, ${CREDENTIAL_LIFETIME_S} s credentials; ` +
        `RSS ≤ ${RSS_MIB_PER_HOUR} MiB/h (2nd half), old space ≤ ${LIVE_HEAP_MIB_PER_HOUR} MiB/h, ` +
        `fds ≤ ${FDS_PER_HOUR}/h`,
      samples: run?.samples ?? [],
      origin,
      faults: run?.faults ?? [],
      statuses: run?.status.readings ?? [],
      warmUpS: WARM_UP_S,
      trends: { rss: trends.rss, liveHeap: trends.liveHeap, fds: trends.fds },
    }),
  );

  say(`\n${formatTable(rows)}`);
  if (failure && !interrupted) say(`\nthe soak failed:\n${failure}`);
  say(
    `\nverdict: ${pass ? 'PASS' : 'FAIL'}; wall time ${Math.floor(wallSeconds / 60)} min ${Math.round(wallSeconds % 60)} s` +
      `${setupSeconds !== undefined ? ` (set-up ${setupSeconds.toFixed(0)} s)` : ''}`,
  );
  say(`verdict and samples: ${relative(files.verdict)}; chart: ${relative(files.chart)}`);
  say(`worker output (Pebble's log): ${relative(path.join(args.workDir, 'pebble.log'))}`);
  if (interrupted) return 130;
  return pass ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
