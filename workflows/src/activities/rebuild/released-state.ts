// What the OCI Factory has released, from its releases branch: the image folders under
// oci/ and each image's _releases.json (track -> risk -> {target}, end-of-life).
import type { Octokit } from '@octokit/rest';
import type { GitHubSettings } from '../pipeline-settings';
import { httpStatusOf } from './github';

export interface TrackReleases {
  'end-of-life'?: string;
  [risk: string]: unknown;
}
export type ReleasesJson = Record<string, TrackReleases>;

export async function listReleasedImageFolders(
  octokit: Octokit,
  settings: GitHubSettings,
): Promise<string[]> {
  const { data } = await octokit.rest.repos.getContent({
    owner: settings.owner,
    repo: settings.repo,
    path: 'oci',
    ref: settings.releasesBranch,
  });
  if (!Array.isArray(data)) throw new Error(`oci/ on branch ${settings.releasesBranch} is not a folder`);
  return data.filter((entry) => entry.type === 'dir').map((entry) => entry.name);
}

/** The image's _releases.json, or null when the image has none (not released yet). */
export async function readReleases(
  octokit: Octokit,
  settings: GitHubSettings,
  image: string,
): Promise<ReleasesJson | null> {
  let data: unknown;
  try {
    ({ data } = await octokit.rest.repos.getContent({
      owner: settings.owner,
      repo: settings.repo,
      path: `oci/${image}/_releases.json`,
      ref: settings.releasesBranch,
    }));
  } catch (error) {
    if (httpStatusOf(error) === 404) return null;
    throw error;
  }
  const file = data as { type?: string; content?: string; encoding?: string };
  if (file.type !== 'file' || typeof file.content !== 'string') {
    throw new Error(`oci/${image}/_releases.json is not a file`);
  }
  const text = Buffer.from(file.content, file.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8');
  const releases = JSON.parse(text) as unknown;
  if (typeof releases !== 'object' || releases === null || Array.isArray(releases)) {
    throw new Error(`oci/${image}/_releases.json is not a JSON object`);
  }
  return releases as ReleasesJson;
}

/** Integer targets; a non-integer target follows another tag and names no revision. */
export function releasedRevisions(releases: ReleasesJson): Set<number> {
  const revisions = new Set<number>();
  for (const track of Object.values(releases)) {
    if (typeof track !== 'object' || track === null) continue;
    for (const channel of Object.values(track)) {
      const target = (channel as { target?: unknown } | null)?.target;
      const text =
        typeof target === 'number' ? String(target) : typeof target === 'string' ? target.trim() : '';
      if (/^[+-]?\d+$/.test(text)) revisions.add(Number(text));
    }
  }
  return revisions;
}
