// One OCI event through the rebuild pipeline: find its Ubuntu release, tell Mattermost,
// dispatch the rebuilds of the images built on it, tell Mattermost how it went.
import { mattermostNotifier } from './mattermost';
import { type PipelineSettings, readPipelineSettings } from './pipeline-settings';
import { errorMessage } from './error-message';
import type { EventOutcome, OciEvent, PipelineContext, ProcessEvent } from './pipeline-types';
import { type ImageRebuild, rebuildImagesFor } from './rebuild';
import { ubuntuReleaseOf } from './release';

// The Python activity's file name, so the channel's posts read as they always did.
export const MATTERMOST_TITLE = '[OCI Factory Temporal Workflow]: activity_consume_events.py: Rebuild rocks';

export type NotifiedStatus = 'Triggered' | EventOutcome['status'];

export function rebuildMessage(
  release: string,
  status: NotifiedStatus,
  settings: PipelineSettings,
  workflow: PipelineContext['workflow'],
): string {
  const history = `${settings.temporalWebUrl}/namespaces/${workflow.namespace}/workflows/${workflow.workflowId}/${workflow.runId}/history`;
  return `**Release:** ${release}\n**Status:** ${status}\n[More details](${history})`;
}

export interface ProcessEventOptions {
  /** The clock end-of-life dates are compared with (tests fix it). */
  now?: () => Date;
}

export function createProcessEvent(options: ProcessEventOptions = {}): ProcessEvent {
  const now = options.now ?? (() => new Date());

  return async function processEvent(event: OciEvent, ctx: PipelineContext): Promise<EventOutcome> {
    const { log, signal } = ctx;
    const settings = readPipelineSettings(ctx.env);
    const notifier = settings.mattermost ? mattermostNotifier(settings.mattermost, signal) : null;
    if (!notifier) {
      log.warn(`No Mattermost notification: ${settings.missingMattermost.join(', ')} not set`);
    }
    const message = (release: string, status: NotifiedStatus) =>
      rebuildMessage(release, status, settings, ctx.workflow);

    const release = ubuntuReleaseOf(event);
    if (release === null) {
      const why = 'no release field, no NN.NN in its registry tags or description';
      log.warn(`The event names no Ubuntu release (${why}): skipped`, { message_id: event.message_id });
      await notify(ctx, () => notifier?.sendMessage(MATTERMOST_TITLE, message('unknown', 'Skipped')));
      return { eventbus_message: event, release: null, status: 'Skipped', rebuilds: [] };
    }
    log.info(`Release: ${release}`, { message_id: event.message_id });

    const postId = await notify(ctx, () =>
      notifier?.sendMessage(MATTERMOST_TITLE, message(release, 'Triggered')),
    );

    let rebuilds: ImageRebuild[];
    try {
      rebuilds = await rebuildImagesFor(release, {
        settings,
        log,
        now,
        signal,
        alreadyDispatched: ctx.alreadyDispatched,
        onDispatched: (image) =>
          ctx.onDispatched(image).catch((error: unknown) => {
            throw new ConsumerError(error);
          }),
      });
    } catch (error) {
      if (error instanceof ConsumerError) throw error.error;
      if (signal?.aborted) throw error;
      const reason = errorMessage(error);
      log.error(`Rebuild pipeline failed: ${reason}`, { message_id: event.message_id });
      // '*' stands for every image, as the Python script's default image name.
      rebuilds = [{ image: '*', dispatched: false, reason, failed: true }];
    }

    const status = rebuilds.some((rebuild) => rebuild.failed) ? 'Failed' : 'Success';
    if (postId) {
      await notify(ctx, () =>
        notifier?.updateStatusAndMessage(postId, status === 'Success', message(release, status)),
      );
    }
    return {
      eventbus_message: event,
      release,
      status,
      rebuilds: rebuilds.map(({ image, dispatched, reason }) => ({ image, dispatched, reason })),
    };
  };
}

export const processEvent: ProcessEvent = createProcessEvent();

/** An error of the consumer's own callback, carried through the pipeline to be thrown back as it was. */
class ConsumerError {
  constructor(readonly error: unknown) {}
}

/** A notification that fails is logged; the event is processed all the same. */
async function notify<T>(ctx: PipelineContext, send: () => Promise<T> | undefined): Promise<T | undefined> {
  try {
    return await send();
  } catch (error) {
    if (ctx.signal?.aborted) throw error;
    ctx.log.error(`Mattermost notification failed: ${errorMessage(error)}`);
    return undefined;
  }
}
