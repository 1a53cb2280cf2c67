// Which channels (track, risk) a revision is released to, read from the registry tags
// that point at its digest, keeping only tracks that are still alive.
import type { PipelineLogger } from '../pipeline-types';
import type { RegistryTag } from './registry-tags';
import type { ReleasesJson } from './released-state';

export const RISKS = ['edge', 'beta', 'candidate', 'stable'] as const;

export interface TrackRelease {
  risks: string[];
  'end-of-life': string;
}
export type ReleaseTargets = Record<string, TrackRelease>;

export interface Channel {
  track: string;
  risk: string;
}

/** `stable` → latest/stable; `1.0-22.04_edge` → 1.0-22.04/edge; `1.0-22.04` (a track alias) → 1.0-22.04/stable. */
export function channelOfTag(tag: string): Channel {
  if ((RISKS as readonly string[]).includes(tag)) return { track: 'latest', risk: tag };
  const underscore = tag.lastIndexOf('_');
  if (underscore < 0) return { track: tag, risk: 'stable' };
  return { track: tag.slice(0, underscore), risk: tag.slice(underscore + 1) };
}

export interface RevisionChannels {
  /** False when no tag points at the revision's digest. */
  tagged: boolean;
  release: ReleaseTargets;
}

export function releaseTargetsOf(
  digest: string,
  tags: readonly RegistryTag[],
  releases: ReleasesJson,
  now: Date,
  log: PipelineLogger,
): RevisionChannels {
  const release: ReleaseTargets = {};
  let tagged = false;
  for (const { tag, digest: tagDigest } of tags) {
    if (tagDigest !== digest) continue;
    tagged = true;
    const { track, risk } = channelOfTag(tag);
    if (!(RISKS as readonly string[]).includes(risk)) {
      log.warn(`Tag ${tag} names no known risk: skipped`, { tag });
      continue;
    }
    const trackReleases = Object.hasOwn(releases, track) ? releases[track] : undefined;
    if (!trackReleases) {
      log.warn(`Track ${track} (tag ${tag}) is not in _releases.json: skipped`, { track, tag });
      continue;
    }
    const endOfLife = trackReleases['end-of-life'];
    const endOfLifeTime = typeof endOfLife === 'string' ? Date.parse(endOfLife) : NaN;
    if (typeof endOfLife !== 'string' || Number.isNaN(endOfLifeTime)) {
      log.warn(`Track ${track} is missing its end-of-life field`, { track });
      continue;
    }
    if (endOfLifeTime < now.getTime()) {
      log.info(`Skipping track ${track} because it reached its end of life: ${endOfLife}`, { track });
      continue;
    }
    const target = (release[track] ??= { risks: [], 'end-of-life': endOfLife });
    if (!target.risks.includes(risk)) target.risks.push(risk);
  }
  return { tagged, release };
}
