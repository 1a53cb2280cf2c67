// For one released image: the trigger that rebuilds its released revisions built on the
// given Ubuntu release, or why there is nothing to rebuild.
import type { PipelineLogger } from '../pipeline-types';
import { baseMatchesRelease, buildMetadataObjectsOf, parseBuildMetadata } from './build-metadata';
import { releaseTargetsOf } from './channels';
import type { SwiftSession } from './keystone';
import { type RegistryTagsResult, describeImageTags } from './registry-tags';
import { type ReleasesJson, releasedRevisions } from './released-state';
import { type SwiftObject, getObjectText } from './swift';
import { type ImageTrigger, TriggerBuilder } from './trigger';

export interface ImageTriggerInputs {
  image: string;
  ubuntuRelease: string;
  releases: ReleasesJson;
  /** The container listing (every image's objects). */
  objects: readonly SwiftObject[];
  swift: SwiftSession;
  container: string;
  registryTagsApiUrl: string;
  now: Date;
  log: PipelineLogger;
  signal?: AbortSignal;
}

export type ImageTriggerDecision = { trigger: ImageTrigger } | { nothingToRebuild: string };

export async function imageTriggerFor(inputs: ImageTriggerInputs): Promise<ImageTriggerDecision> {
  const { image, ubuntuRelease, releases, log } = inputs;
  const released = releasedRevisions(releases);
  log.info(`Currently, the released revisions for ${image} are: ${[...released].join(', ')}`, { image });

  const metadataObjects = buildMetadataObjectsOf(image, inputs.objects);
  if (metadataObjects.length === 0) {
    log.warn(`There's no build data for ${image} in Swift yet`, { image });
    return { nothingToRebuild: 'no build metadata in Swift' };
  }

  // Read once, and only when a revision needs them.
  let tags: RegistryTagsResult | undefined;
  const builder = new TriggerBuilder();

  for (const object of metadataObjects) {
    if (!released.has(object.revision)) continue;
    inputs.signal?.throwIfAborted();

    let metadata;
    try {
      metadata = parseBuildMetadata(
        object.name,
        await getObjectText(inputs.swift, inputs.container, object.name, inputs.signal),
      );
    } catch (error) {
      if (inputs.signal?.aborted) throw error;
      log.error(`Unable to get ${object.name} from Swift: ${(error as Error).message}`, { image });
      continue;
    }

    const revisionInfo = `${image} | revision: ${object.revision} | base: ${metadata.base} | digest: ${metadata.digest}`;
    if (!baseMatchesRelease(metadata.base, ubuntuRelease)) {
      log.info(`NOMATCH - ${revisionInfo}`, { image });
      continue;
    }
    log.info(`MATCH - ${revisionInfo}`, { image });

    tags ??= await describeImageTags(inputs.registryTagsApiUrl, image, inputs.signal);
    if ('notFound' in tags || tags.tags.length === 0) {
      log.warn(`${'notFound' in tags ? tags.notFound : 'Image tags not found in registry'}. Skip!`, {
        image,
      });
      continue;
    }

    const channels = releaseTargetsOf(metadata.digest, tags.tags, releases, inputs.now, log);
    if (!channels.tagged) {
      log.warn(`Unable to find a tag for ${image} revision ${object.revision} in the registry`, { image });
      continue;
    }
    builder.add(metadata, channels.release);
  }

  const trigger = builder.build();
  if (trigger.upload.length === 0) {
    log.info(`${image}: nothing to rebuild`, { image });
    return { nothingToRebuild: 'nothing to rebuild' };
  }
  return { trigger };
}
