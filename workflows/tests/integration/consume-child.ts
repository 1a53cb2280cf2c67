// A worker process for the "killed mid-message" test: runs consumeEvents with the stub
// pipeline, writes CHILD_MARKER after its first dispatch was recorded, then hangs until killed.
import { writeFileSync } from 'node:fs';
import { consumeEvents } from '../../src/activities/consume/run';
import { stubPipeline } from './stub-pipeline';

const [topic, group] = process.argv.slice(2) as [string, string];
const marker = process.env.CHILD_MARKER!;
const log = {
  info: () => undefined,
  warn: (message: string) => console.error(message),
  error: (message: string) => console.error(message),
};

void consumeEvents(topic, group, {
  env: process.env,
  processEvent: stubPipeline({
    images: ['img-a', 'img-b'],
    dispatchLog: process.env.DISPATCH_LOG!,
    afterFirstDispatch: () => {
      writeFileSync(marker, 'dispatched');
      return new Promise(() => undefined);
    },
  }),
  log,
  workflow: { namespace: 'default', workflowId: 'child', runId: 'child' },
  signal: new AbortController().signal,
  heartbeat: () => undefined,
});
