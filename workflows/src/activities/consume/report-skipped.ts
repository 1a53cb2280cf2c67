// Tells the Mattermost channel about an event bus message the consume activity skipped.
import type { MattermostNotifier } from '../mattermost';
import type { PipelineLogger } from '../pipeline-types';
import type { ReportSkipped } from './handle-message';

export const SKIPPED_TITLE = '[OCI Factory Temporal Workflow]: consume: Skipped an event bus message';

export function mattermostSkipReporter(notifier: MattermostNotifier, log: PipelineLogger): ReportSkipped {
  return async (topic, skipped) => {
    const text =
      `**Topic:** ${topic}\n**Partition:** ${skipped.partition}\n**Offset:** ${skipped.offset}\n` +
      (skipped.message_id ? `**Message:** ${skipped.message_id}\n` : '') +
      `**Skipped:** ${skipped.reason}`;
    const postId = await notifier.sendMessage(SKIPPED_TITLE, text);
    await notifier.updatePost(postId, { success: false });
    log.info('reported the skipped message on Mattermost', { postId });
  };
}
