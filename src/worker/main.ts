// The program Pebble runs in the workload container (`node worker.js`).
import { shareWorkerModules } from './shared-modules';
import { runWorker } from './run';

shareWorkerModules(__dirname);
runWorker().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('the worker crashed:', error);
    process.exit(1);
  },
);
