// Finds the released images built on an Ubuntu release and dispatches their rebuilds. The
// images' reads run concurrently (READ_CONCURRENCY at most in flight); the dispatches go one
// after the other in image-name order, with their pause. An image that fails for good does not
// stop the others; a transient failure whose retries are spent stops the event, to be
// processed again later.
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import { errorMessage } from '../error-message';
import { recordDispatch, type DispatchOutcome } from '../metrics';
import { type CallPolicy, classify, type RetryNotice } from '../outside-call';
import type { PipelineLogger, RebuildOutcome } from '../pipeline-types';
import type { PipelineSettings, ServiceTimeouts } from '../pipeline-settings';
import { externalRefId, type RebuildDispatch, type RunLink } from './dispatch';
import { dispatchOnce } from './dispatch-once';
import { describeGitHubError, gitHubClient } from './github';
import { type ImageTriggerDecision, imageTriggerFor } from './image-trigger';
import { authenticateWithKeystone } from './keystone';
import { readReleasedState } from './released-state';
import { listAllObjects } from './swift';
import { encodeTrigger, type ImageTrigger, triggerYaml } from './trigger';

export interface RebuildProgress {
  images: number;
  decided: number;
  dispatched: number;
  retrying?: RetryNotice;
  /** What a dispatch waits for (a queued run, GitHub listing a run). */
  waiting?: string;
}

export interface RebuildRun {
  settings: PipelineSettings;
  log: PipelineLogger;
  now: () => Date;
  signal?: AbortSignal;
  /** The event's message_id, for the dispatches' external_ref_id. */
  messageId: string;
  /**
   * Images up to this one (code-unit order) were handled by an earlier delivery of the event:
   * dispatched, or failed for good. They are not dispatched again.
   */
  doneThrough?: string;
  /** Whether the dispatch record can hold this image (checked before dispatching it). */
  canRecord?(image: string): boolean;
  /**
   * From the record of an earlier delivery: the image it was sending, and when it first sent it.
   * Its run is looked up before it is sent again.
   */
  sending?: { image: string; since: number };
  /** Awaited before each dispatch (the event's post must be recorded first). */
  beforeDispatch?(): Promise<void>;
  /** Records durably, before its first send, that the image is being sent. */
  onSending?(image: string, since: number): Promise<void>;
  /** After each dispatch, with its run when GitHub said which. */
  onDispatched(image: string, run: RunLink | null): Promise<void>;
  progress?(progress: RebuildProgress): void;
  /** Told each image's outcome as soon as it is known, in image order. */
  onResult?(rebuild: ImageRebuild): void;
  /** One image instead of every released one; one the releases branch does not have is an UnknownImageError. */
  image?: string;
  /** Decide everything, dispatch nothing: each image that would be dispatched carries its dispatch. */
  dryRun?: boolean;
}

export interface ImageRebuild extends RebuildOutcome {
  failed: boolean;
  /** The dispatch sent (or, in a dry run, that would be sent), with its trigger. */
  dispatch?: RebuildDispatch & { trigger: ImageTrigger };
  /** The run it started, when GitHub said which. */
  run?: RunLink;
}

/** The image asked for is not a folder of the releases branch. */
export class UnknownImageError extends Error {
  override readonly name = 'UnknownImageError';
  constructor(
    readonly image: string,
    readonly known: readonly string[],
  ) {
    super(`unknown image '${image}': the releases branch has no folder oci/${image}/`);
  }
}

const SERVICE_TIMEOUT: Record<'keystone' | 'swift' | 'github' | 'registry-tags', keyof ServiceTimeouts> = {
  keystone: 'keystone',
  swift: 'swift',
  github: 'github',
  'registry-tags': 'registryTags',
};

export async function rebuildImagesFor(ubuntuRelease: string, run: RebuildRun): Promise<ImageRebuild[]> {
  const { settings, log, signal } = run;
  if (settings.missing.length > 0) {
    throw new Error(`cannot look for images to rebuild: ${settings.missing.join(', ')} not set`);
  }
  log.info(`Checking for image ${run.image ?? '*'} to update for release ${ubuntuRelease}`);

  const progress: RebuildProgress = { images: 0, decided: 0, dispatched: 0 };
  const report = () => run.progress?.({ ...progress });
  const policy = (service: keyof typeof SERVICE_TIMEOUT): CallPolicy => ({
    timeoutMs: settings.timeouts[SERVICE_TIMEOUT[service]],
    retryBudgetMs: settings.retryBudgetMs,
    signal,
    onRetry: (notice) => {
      log.warn(`${notice.service}: ${notice.what} failed, retrying in ${notice.waitMs} ms`, { ...notice });
      progress.retrying = notice;
      report();
    },
  });

  const octokit = gitHubClient(settings.github, log);
  const [state, swift] = await Promise.all([
    readReleasedState(octokit, settings.github, policy('github')),
    authenticateWithKeystone(settings.swift, policy('keystone')),
  ]);
  if (run.image !== undefined && !state.images.includes(run.image)) {
    throw new UnknownImageError(run.image, state.images);
  }
  const images = run.image ? [run.image] : state.images;
  const objects = await listAllObjects(
    swift,
    settings.swift.container,
    run.image ? `${run.image}/` : undefined,
    policy('swift'),
  );
  progress.images = images.length;
  report();

  const limit = pLimit(settings.readConcurrency);
  const policies = { swift: policy('swift'), registryTags: policy('registry-tags') };
  const isDone = (image: string) => run.doneThrough !== undefined && image <= run.doneThrough;
  const decide = async (image: string): Promise<ImageTriggerDecision | { failed: string } | null> => {
    if (isDone(image)) return null;
    const releases = state.releases.get(image);
    if (releases === undefined) return { nothingToRebuild: 'not released yet', problems: [] };
    if (releases instanceof Error) return { failed: `could not decide: ${releases.message}` };
    try {
      return await imageTriggerFor({
        image,
        ubuntuRelease,
        releases,
        objects,
        swift,
        container: settings.swift.container,
        registryTagsApiUrl: settings.registryTagsApiUrl,
        now: run.now(),
        log,
        policies,
        limit,
      });
    } catch (error) {
      if (signal?.aborted || classify(error).transient) throw error;
      return { failed: `could not decide: ${errorMessage(error)}` };
    } finally {
      progress.decided += 1;
    }
  };
  const decisions = images.map((image) => decide(image));
  // Awaited in order below; one rejected early must not count as unhandled meanwhile.
  for (const decision of decisions) decision.catch(() => undefined);

  const results: ImageRebuild[] = [];
  let dispatchedBefore = false;
  try {
    for (const [index, image] of images.entries()) {
      signal?.throwIfAborted();
      const result = (
        dispatched: boolean,
        reason: string,
        failed = false,
        outcome: DispatchOutcome = dispatched ? 'dispatched' : failed ? 'failed' : 'not-needed',
        dispatch?: ImageRebuild['dispatch'],
        dispatchedRun?: RunLink | null,
      ) => {
        const rebuild: ImageRebuild = {
          image,
          dispatched,
          reason,
          failed,
          ...(dispatch ? { dispatch } : {}),
          ...(dispatchedRun ? { run: dispatchedRun } : {}),
        };
        results.push(rebuild);
        recordDispatch(outcome);
        run.onResult?.(rebuild);
      };
      const decision = await decisions[index]!;
      if (decision === null) {
        log.info(`${image} was already dispatched for this message: not again`, { image });
        result(false, 'already dispatched for this message', false, 'already-dispatched');
        continue;
      }
      log.info(`#### Checking if ${image} depends on release ${ubuntuRelease}`, { image });
      if ('failed' in decision) {
        log.error(`${image}: ${decision.failed}`, { image });
        result(false, decision.failed, true);
        continue;
      }
      const problems = decision.problems.length > 0 ? ` (${decision.problems.join('; ')})` : '';
      if ('nothingToRebuild' in decision) {
        if (decision.nothingToRebuild === 'not released yet') {
          log.info(`${image} has not been released yet. Continuing...`, { image });
        }
        result(false, decision.nothingToRebuild + problems, problems !== '');
        continue;
      }
      if (run.canRecord && !run.canRecord(image)) {
        const reason = 'not dispatched: its name does not fit in the dispatch record';
        log.error(`${image}: ${reason}`, { image });
        result(false, reason, true);
        continue;
      }
      log.info(`About to rebuild ${image} with the trigger:\n${triggerYaml(decision.trigger)}`, { image });
      const dispatch = {
        image,
        b64Trigger: encodeTrigger(decision.trigger),
        externalRefId: externalRefId(settings.externalRefPrefix, image, run.messageId),
        trigger: decision.trigger,
      };
      if (run.dryRun) {
        log.info(`Dry run: ${image} not dispatched`, { image });
        result(false, 'dry run: not dispatched' + problems, problems !== '', 'not-needed', dispatch);
        continue;
      }

      await run.beforeDispatch?.();
      // Rate courtesy towards GitHub, as the Python original (it slept after each dispatch).
      if (dispatchedBefore && settings.dispatchPauseMs > 0)
        await sleep(settings.dispatchPauseMs, undefined, { signal });
      let sent;
      try {
        sent = await dispatchOnce({
          octokit,
          github: settings.github,
          lookup: settings.runLookup,
          dispatch,
          sentBefore: run.sending?.image === image ? run.sending.since : undefined,
          markSending: async (since) => {
            await run.onSending?.(image, since);
          },
          policy: policy('github'),
          onWait: (reason) => {
            if (progress.waiting !== reason) log.info(`${image}: ${reason}`, { image });
            progress.waiting = reason;
            report();
          },
          log,
        });
      } catch (error) {
        if (signal?.aborted || classify(error).transient) throw error;
        const reason = `workflow dispatch failed: ${describeGitHubError(error)}`;
        log.error(`Failed to rebuild ${image}: ${reason}`, { image });
        result(false, reason, true, 'failed', dispatch);
        continue;
      } finally {
        dispatchedBefore = true;
        delete progress.waiting;
      }
      log.info(
        `Dispatched image rebuild workflow for ${image}${sent.run ? `: ${sent.run.url}` : ' (GitHub gave no run)'}`,
        { image },
      );
      await run.onDispatched(image, sent.run);
      progress.dispatched += 1;
      report();
      result(true, 'dispatched' + problems, problems !== '', 'dispatched', dispatch, sent.run);
    }
  } finally {
    limit.clearQueue();
  }
  return results;
}
