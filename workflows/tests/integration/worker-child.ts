// A Temporal worker process for the fault tests: the real `consume` activity and the prebuilt
// ConsumeEventsWorkflow bundle, on one task queue, with the environment its parent gives it
// (the stand-ins of one fault). Runs until SIGTERM (a clean shutdown) or SIGKILL.
// argv: <temporal address> <task queue> <workflow bundle file> <identity>
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import * as activities from '../../src/activities';

const [address, taskQueue, bundle, identity] = process.argv.slice(2) as [string, string, string, string];

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    taskQueue,
    identity,
    workflowBundle: { codePath: bundle },
    activities,
    // Let a cancelled or retried activity go at once when the test stops the worker.
    shutdownGraceTime: '2 seconds',
  });
  process.once('SIGTERM', () => worker.shutdown());
  await worker.run();
  await connection.close();
}

main().catch((error: unknown) => {
  console.error(`worker ${identity} failed:`, error);
  process.exit(1);
});
