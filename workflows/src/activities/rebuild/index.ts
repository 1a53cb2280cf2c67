// Finds the released images built on an Ubuntu release and dispatches their rebuilds,
// one image at a time; an image that fails does not stop the others.
import { setTimeout as sleep } from 'node:timers/promises';
import type { PipelineLogger, RebuildOutcome } from '../pipeline-types';
import type { PipelineSettings } from '../pipeline-settings';
import { dispatchImageWorkflow, externalRefId } from './dispatch';
import { describeGitHubError, gitHubClient } from './github';
import { imageTriggerFor } from './image-trigger';
import { authenticateWithKeystone } from './keystone';
import { listReleasedImageFolders, readReleases } from './released-state';
import { listAllObjects } from './swift';
import { encodeTrigger, triggerYaml } from './trigger';

export interface RebuildRun {
  settings: PipelineSettings;
  log: PipelineLogger;
  now: () => Date;
  signal?: AbortSignal;
  /** Images not to dispatch again (an earlier delivery of the same message did). */
  alreadyDispatched: ReadonlySet<string>;
  onDispatched(image: string): Promise<void>;
  /** One image instead of every released one. */
  image?: string;
}

export interface ImageRebuild extends RebuildOutcome {
  failed: boolean;
}

export async function rebuildImagesFor(ubuntuRelease: string, run: RebuildRun): Promise<ImageRebuild[]> {
  const { settings, log, signal } = run;
  if (settings.missing.length > 0) {
    throw new Error(`cannot look for images to rebuild: ${settings.missing.join(', ')} not set`);
  }
  log.info(`Checking for image ${run.image ?? '*'} to update for release ${ubuntuRelease}`);

  const octokit = gitHubClient(settings.github, log, signal);
  const images = run.image ? [run.image] : await listReleasedImageFolders(octokit, settings.github);
  const swift = await authenticateWithKeystone(settings.swift, signal);
  const objects = await listAllObjects(
    swift,
    settings.swift.container,
    run.image ? `${run.image}/` : undefined,
    signal,
  );

  const results: ImageRebuild[] = [];
  let dispatchedBefore = false;
  for (const image of images) {
    signal?.throwIfAborted();
    const result = (dispatched: boolean, reason: string, failed = false) => {
      results.push({ image, dispatched, reason, failed });
    };
    if (run.alreadyDispatched.has(image)) {
      log.info(`${image} was already dispatched for this message: not again`, { image });
      result(false, 'already dispatched for this message');
      continue;
    }
    log.info(`#### Checking if ${image} depends on release ${ubuntuRelease}`, { image });

    let b64Trigger: string;
    try {
      const releases = await readReleases(octokit, settings.github, image);
      if (!releases) {
        log.info(`${image} has not been released yet. Continuing...`, { image });
        result(false, 'not released yet');
        continue;
      }
      const decision = await imageTriggerFor({
        image,
        ubuntuRelease,
        releases,
        objects,
        swift,
        container: settings.swift.container,
        registryTagsApiUrl: settings.registryTagsApiUrl,
        now: run.now(),
        log,
        signal,
      });
      if ('nothingToRebuild' in decision) {
        result(false, decision.nothingToRebuild);
        continue;
      }
      log.info(`About to rebuild ${image} with the trigger:\n${triggerYaml(decision.trigger)}`, { image });
      b64Trigger = encodeTrigger(decision.trigger);
    } catch (error) {
      if (signal?.aborted) throw error;
      const reason = `could not decide: ${describeGitHubError(error)}`;
      log.error(`${image}: ${reason}`, { image });
      result(false, reason, true);
      continue;
    }

    // Rate courtesy towards GitHub, as the Python original (it slept after each dispatch).
    if (dispatchedBefore && settings.dispatchPauseMs > 0)
      await sleep(settings.dispatchPauseMs, undefined, { signal });
    try {
      await dispatchImageWorkflow(octokit, settings.github, {
        image,
        b64Trigger,
        externalRefId: externalRefId(settings.externalRefPrefix, image, run.now()),
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      const reason = `workflow dispatch failed: ${describeGitHubError(error)}`;
      log.error(`Failed to rebuild ${image}: ${reason}`, { image });
      result(false, reason, true);
      continue;
    } finally {
      dispatchedBefore = true;
    }
    log.info(`Dispatched image rebuild workflow for ${image}`, { image });
    await run.onDispatched(image);
    result(true, 'dispatched');
  }
  return results;
}
