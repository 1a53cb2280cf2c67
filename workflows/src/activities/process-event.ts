// One OCI event through the rebuild pipeline: find its Ubuntu release, tell Mattermost,
// dispatch the rebuilds of the images built on it, tell Mattermost how it went.
import { mattermostNotifier } from './mattermost';
import { recordDispatch } from './metrics';
import { classify } from './outside-call';
import { type PipelineSettings, readPipelineSettings } from './pipeline-settings';
import { errorMessage } from './error-message';
import type { EventOutcome, OciEvent, PipelineContext, ProcessEvent } from './pipeline-types';
import { type ImageRebuild, rebuildImagesFor } from './rebuild';
import { byCodeUnit } from './rebuild/released-state';
import { ubuntuReleaseOf } from './release';

// The Python activity's file name, so the channel's posts read as they always did.
export const MATTERMOST_TITLE = '[OCI Factory Temporal Workflow]: activity_consume_events.py: Rebuild rocks';

export type NotifiedStatus = 'Triggered' | EventOutcome['status'];

/**
 * The Python text, with a line per image dispatched (image → its line) before the link. A line
 * links the image's GitHub run, or says GitHub gave none.
 */
export function rebuildMessage(
  release: string,
  status: NotifiedStatus,
  settings: PipelineSettings,
  workflow: PipelineContext['workflow'],
  rebuildLines: ReadonlyMap<string, string> = new Map(),
): string {
  const history = `${settings.temporalWebUrl}/namespaces/${workflow.namespace}/workflows/${workflow.workflowId}/${workflow.runId}/history`;
  const rebuilds = [...rebuildLines.keys()].sort(byCodeUnit).map((image) => rebuildLines.get(image)!);
  return [
    `**Release:** ${release}`,
    `**Status:** ${status}`,
    ...(rebuilds.length > 0 ? ['**Rebuilds:**', ...rebuilds] : []),
    `[More details](${history})`,
  ].join('\n');
}

export function rebuildLine(image: string, run: { id: number; url: string } | null): string {
  return run
    ? `- ${image}: [GitHub run ${run.id}](${run.url})`
    : `- ${image}: dispatched (GitHub gave no run link)`;
}

const REBUILD_LINE = /^- ([^:\s]+): /;

/** The rebuild lines of a post's text (an earlier delivery's), by image. */
export function rebuildLinesOf(text: string): Map<string, string> {
  const lines = new Map<string, string>();
  for (const line of text.split('\n')) {
    const image = REBUILD_LINE.exec(line)?.[1];
    if (image) lines.set(image, line);
  }
  return lines;
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
    const notifier = settings.mattermost
      ? mattermostNotifier(settings.mattermost, {
          timeoutMs: settings.timeouts.mattermost,
          retryBudgetMs: settings.retryBudgetMs,
          signal,
        })
      : null;
    if (!notifier) {
      log.warn(`No Mattermost notification: ${settings.missingMattermost.join(', ')} not set`);
    }
    const message = (release: string, status: NotifiedStatus) =>
      rebuildMessage(release, status, settings, ctx.workflow);
    // This delivery's dispatches; the post keeps an earlier delivery's lines as well.
    const rebuildLines = new Map<string, string>();
    const messageWithRebuilds = (release: string, status: NotifiedStatus) => (current: string) =>
      rebuildMessage(
        release,
        status,
        settings,
        ctx.workflow,
        new Map([...rebuildLinesOf(current), ...rebuildLines]),
      );

    const release = ubuntuReleaseOf(event);
    if (release === null) {
      const why = 'no release field, no NN.NN in its registry tags or description';
      log.warn(`The event names no Ubuntu release (${why}): skipped`, { message_id: event.message_id });
      await notify(ctx, () => notifier?.sendMessage(MATTERMOST_TITLE, message('unknown', 'Skipped')));
      return { eventbus_message: event, release: null, status: 'Skipped', rebuilds: [] };
    }
    log.info(`Release: ${release}`, { message_id: event.message_id });

    // Posted while the images are read; recorded before the first dispatch. A redelivery of the
    // event updates the post its first delivery made.
    const posting: Promise<string | undefined> = ctx.postId
      ? Promise.resolve(ctx.postId)
      : notify(ctx, () => notifier?.sendMessage(MATTERMOST_TITLE, message(release, 'Triggered'))).then(
          async (id) => {
            if (id) await consumerStep(() => ctx.onPosted?.(id));
            return id;
          },
        );
    posting.catch(() => undefined);
    let postUpdates = Promise.resolve();

    let rebuilds: ImageRebuild[];
    try {
      rebuilds = await rebuildImagesFor(release, {
        settings,
        log,
        now,
        signal,
        messageId: event.message_id,
        doneThrough: ctx.doneThrough,
        sending: ctx.sending,
        canRecord: ctx.canRecord,
        onSending: (image, since) => consumerStep(() => ctx.onSending?.(image, since)),
        beforeDispatch: async () => {
          await posting;
        },
        progress: (progress) => ctx.progress?.({ message_id: event.message_id, ...progress }),
        onDispatched: async (image, run) => {
          await consumerStep(() => ctx.onDispatched(image, run));
          rebuildLines.set(image, rebuildLine(image, run));
          // Not awaited: a slow Mattermost must not hold the next dispatch; kept in order.
          postUpdates = postUpdates.then(async () => {
            const postId = await posting.catch(() => undefined);
            if (postId) {
              await notify(ctx, () =>
                notifier?.updatePost(postId, { text: messageWithRebuilds(release, 'Triggered') }),
              );
            }
          });
        },
      });
    } catch (error) {
      if (error instanceof ConsumerError) throw error.error;
      if (signal?.aborted) throw error;
      // Retries spent on an outside service: the event is left uncommitted, to be processed again.
      if (classify(error).transient) throw error;
      const reason = errorMessage(error);
      log.error(`Rebuild pipeline failed: ${reason}`, { message_id: event.message_id });
      // '*' stands for every image, as the Python script's default image name.
      rebuilds = [{ image: '*', dispatched: false, reason, failed: true }];
      recordDispatch('failed');
    }
    const postId = await posting.catch((error: unknown) => {
      if (error instanceof ConsumerError) throw error.error;
      throw error;
    });

    await postUpdates;
    const status = rebuilds.some((rebuild) => rebuild.failed) ? 'Failed' : 'Success';
    if (postId) {
      await notify(ctx, () =>
        notifier?.updatePost(postId, {
          success: status === 'Success',
          text: messageWithRebuilds(release, status),
        }),
      );
    }
    return {
      eventbus_message: event,
      release,
      status,
      rebuilds: rebuilds.map(({ image, dispatched, reason, run }) => ({
        image,
        dispatched,
        reason,
        ...(run ? { run_url: run.url } : {}),
      })),
    };
  };
}

export const processEvent: ProcessEvent = createProcessEvent();

/** An error of the consumer's own callback, carried through the pipeline to be thrown back as it was. */
class ConsumerError {
  constructor(readonly error: unknown) {}
}

async function consumerStep(step: () => Promise<void> | undefined): Promise<void> {
  try {
    await step();
  } catch (error) {
    throw new ConsumerError(error);
  }
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
