// GreetAndRecordWorkflow: one activity, which records the greeting in the related database.
import { proxyActivities } from '@temporalio/workflow';
import type * as activities from './activities';

const { recordGreeting } = proxyActivities<typeof activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: ['MissingDatabaseSetting'] },
});

export async function GreetAndRecordWorkflow(name: string): Promise<string> {
  return await recordGreeting(name);
}
