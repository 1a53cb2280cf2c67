// `npm run demo [-- --keep-running] [--work-dir DIR]`: the whole thing on one machine.
// Starts a Temporal dev server, a Kafka broker, a real Pebble and stand-ins for the outside
// HTTP services; drives the charm through the hooks Juju runs for `juju deploy`,
// `juju config --file`, `juju attach-resource`; starts ConsumeEventsWorkflow with the
// trigger command's code; publishes one OCI release event; shows the rebuilds dispatched.
// Stops everything it started on exit, on error and on Ctrl-C.
import { mkdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../tests/harness/tools';
import { Demo, relative, workFiles, type DemoArgs } from './demo';
import { DemoInterrupted, StepFailed } from './progress';

/** A second Ctrl-C this long after the first kills everything at once instead of stopping it in order. */
const FORCE_AFTER_MS = 2000;

const USAGE = `Usage: npm run demo [-- --keep-running] [--work-dir DIR]

  --keep-running   leave everything up after the outcome, until Ctrl-C
  --work-dir DIR   where config.yml, .env, the logs and the pid file go (default .tmp/demo)
`;

function parseDemoArgs(argv: string[]): DemoArgs | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      'keep-running': { type: 'boolean' },
      'work-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return null;
  return {
    keepRunning: values['keep-running'] ?? false,
    workDir: path.resolve(values['work-dir'] ?? path.join(PROJECT_ROOT, '.tmp', 'demo')),
  };
}

async function main(argv: string[]): Promise<number> {
  let args: DemoArgs | null;
  try {
    args = parseDemoArgs(argv);
  } catch (error) {
    console.error(`demo: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (!args) {
    console.log(USAGE);
    return 0;
  }
  const files = workFiles(args.workDir);
  mkdirSync(args.workDir, { recursive: true });
  for (const file of [
    files.configYml,
    files.envFile,
    files.eventbusCa,
    files.pidFile,
    files.logs,
    files.workerHome,
  ]) {
    rmSync(file, { recursive: true, force: true });
  }
  mkdirSync(files.logs, { recursive: true });

  const demo = new Demo(args, files);
  let firstSignalAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstSignalAt === undefined) {
      firstSignalAt = Date.now();
      console.log(`\n${signal}: stopping everything the demo started (again to force)`);
      demo.interrupt(signal);
      return;
    }
    // The same Ctrl-C may arrive twice (tsx relays it when the demo was busy): only a later one forces.
    if (Date.now() - firstSignalAt < FORCE_AFTER_MS) return;
    console.log(`\n${signal} again: killing what the demo started`);
    demo.ledger.snapshot();
    for (const record of demo.ledger.stillRunning()) {
      try {
        process.kill(record.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const onUnexpected = (error: unknown) => demo.abort(error);
  process.on('unhandledRejection', onUnexpected);
  process.on('uncaughtException', onUnexpected);
  const snapshots = setInterval(() => demo.ledger.snapshot(), 1000);

  let exitCode = 0;
  try {
    await demo.run();
  } catch (error) {
    // A signal that made a component fail may not have been handled yet: let it be.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const signal = error instanceof DemoInterrupted ? error.signal : demo.interruptedBy;
    if (signal) {
      // Ctrl-C reaches the components too, so a step may fail from it before the demo notices.
      exitCode = signal === 'SIGINT' ? 130 : 143;
      console.error(`\ndemo interrupted by ${signal}`);
    } else if (error instanceof StepFailed) {
      exitCode = 1;
      console.error(`\ndemo failed at step ${error.step}:\n  ${error.reason.split('\n').join('\n  ')}`);
      for (const hint of error.hints) console.error(`  ${hint}`);
      console.error(`  logs (saved as the demo stops): ${relative(files.logs)}`);
    } else {
      exitCode = 1;
      console.error(
        `\ndemo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    }
  } finally {
    clearInterval(snapshots);
    demo.progress.heading('Stopping everything the demo started');
    await demo.teardown.run();
    const leftovers = await demo.ledger.stopLeftovers();
    for (const record of leftovers)
      console.log(`      stopped leftover process ${record.pid}: ${record.command}`);
    const stillRunning = demo.ledger.stillRunning();
    if (stillRunning.length > 0) {
      exitCode ||= 1;
      for (const record of stillRunning)
        console.error(`      still running: ${record.pid} ${record.command}`);
    } else {
      console.log(`      nothing left running (pid file ${relative(files.pidFile)})`);
    }
  }
  return exitCode;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
