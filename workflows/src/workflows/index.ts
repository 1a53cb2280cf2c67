// ConsumeEventsWorkflow: the same name, arguments and retry policy as the OCI Factory's
// Python workflow. Deterministic: all I/O is in the `consume` activity.
import { ActivityFailure, continueAsNew, log, proxyActivities, sleep } from '@temporalio/workflow';
import type * as activities from '../activities';

const { consume } = proxyActivities<typeof activities>({
  startToCloseTimeout: '1800 seconds',
  // The Python workflow had none; with it a dead worker is noticed in seconds, not after 30 minutes.
  heartbeatTimeout: '15 seconds',
  retry: {
    backoffCoefficient: 1.2,
    maximumInterval: '30 seconds',
    maximumAttempts: 100,
  },
});

export async function ConsumeEventsWorkflow(kafka_topic: string, consumer_group: string): Promise<void> {
  try {
    await consume(kafka_topic, consumer_group);
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    log.error('consume failed, continuing as new workflow', { error: err.cause?.message ?? err.message });
  }
  await sleep('1 second');
  await continueAsNew<typeof ConsumeEventsWorkflow>(kafka_topic, consumer_group);
}
