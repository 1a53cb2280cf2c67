// For one released image: the trigger that rebuilds its released revisions built on the
// given Ubuntu release, or why there is nothing to rebuild. Its reads run concurrently, each
// taking a slot of the event's read limiter.
import type pLimit from 'p-limit';
import { errorMessage } from '../error-message';
import { classify, type CallPolicy } from '../outside-call';
import type { PipelineLogger } from '../pipeline-types';
import { baseMatchesRelease, buildMetadataObjectsOf, parseBuildMetadata } from './build-metadata';
import { releaseTargetsOf } from './channels';
import type { SwiftSession } from './keystone';
import { describeImageTags } from './registry-tags';
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
  policies: { swift: CallPolicy; registryTags: CallPolicy };
  /** The event's bound on reads in flight. */
  limit: pLimit.Limit;
}

export type ImageTriggerDecision = ({ trigger: ImageTrigger } | { nothingToRebuild: string }) & {
  /** Permanent problems met on the way (an unreadable revision …): the image is reported as failed. */
  problems: string[];
};

export async function imageTriggerFor(inputs: ImageTriggerInputs): Promise<ImageTriggerDecision> {
  const { image, ubuntuRelease, releases, log, limit } = inputs;
  const released = releasedRevisions(releases);
  log.info(`Currently, the released revisions for ${image} are: ${[...released].join(', ')}`, { image });
  const problems: string[] = [];

  const metadataObjects = buildMetadataObjectsOf(image, inputs.objects);
  if (metadataObjects.length === 0) {
    log.warn(`There's no build data for ${image} in Swift yet`, { image });
    return { nothingToRebuild: 'no build metadata in Swift', problems };
  }

  // Every released revision's metadata at once (bounded by the limiter), then in revision order.
  const revisions = metadataObjects.filter((object) => released.has(object.revision));
  const readings = await Promise.all(
    revisions.map((object) =>
      limit(() => getObjectText(inputs.swift, inputs.container, object.name, inputs.policies.swift))
        .then((text) => parseBuildMetadata(object.name, text))
        .catch((error: unknown) => {
          // Transient failures (budget spent) leave the whole event for later; the others are reported.
          if (classify(error).transient || inputs.policies.swift.signal?.aborted) throw error;
          return error instanceof Error ? error : new Error(errorMessage(error));
        }),
    ),
  );

  const matching = revisions.flatMap((object, index) => {
    const metadata = readings[index]!;
    if (metadata instanceof Error) {
      log.error(`Unable to get ${object.name} from Swift: ${metadata.message}`, { image });
      problems.push(`revision ${object.revision} unreadable: ${metadata.message}`);
      return [];
    }
    const revisionInfo = `${image} | revision: ${object.revision} | base: ${metadata.base} | digest: ${metadata.digest}`;
    if (!baseMatchesRelease(metadata.base, ubuntuRelease)) {
      log.info(`NOMATCH - ${revisionInfo}`, { image });
      return [];
    }
    log.info(`MATCH - ${revisionInfo}`, { image });
    return [{ object, metadata }];
  });
  if (matching.length === 0) return nothing(image, log, problems);

  const tags = await limit(() =>
    describeImageTags(inputs.registryTagsApiUrl, image, inputs.policies.registryTags),
  );
  if ('notFound' in tags || tags.tags.length === 0) {
    log.warn(`${'notFound' in tags ? tags.notFound : 'Image tags not found in registry'}. Skip!`, { image });
    return nothing(image, log, problems);
  }

  const builder = new TriggerBuilder();
  for (const { object, metadata } of matching) {
    const channels = releaseTargetsOf(metadata.digest, tags.tags, releases, inputs.now, log);
    if (!channels.tagged) {
      log.warn(`Unable to find a tag for ${image} revision ${object.revision} in the registry`, { image });
      continue;
    }
    builder.add(metadata, channels.release);
  }
  const trigger = builder.build();
  if (trigger.upload.length === 0) return nothing(image, log, problems);
  return { trigger, problems };
}

function nothing(image: string, log: PipelineLogger, problems: string[]): ImageTriggerDecision {
  log.info(`${image}: nothing to rebuild`, { image });
  return { nothingToRebuild: 'nothing to rebuild', problems };
}
