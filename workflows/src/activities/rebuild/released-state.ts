// What the OCI Factory has released, from its releases branch: the image folders under
// oci/ and each image's _releases.json (track -> risk -> {target}, end-of-life).
//
// Read as the Python workflow did, the whole branch at once: one call for the branch's head
// (a conditional request: GitHub does not count a 304 against the rate limit) and, when the
// head moved, one download of its tarball. So at most 2 counted GitHub calls per event,
// whatever the number of images (docs/oci-factory-pipeline.md §6).
import type { Octokit } from '@octokit/rest';
import { Parser, type ReadEntry } from 'tar';
import { callOutside, type CallPolicy } from '../outside-call';
import type { GitHubSettings } from '../pipeline-settings';
import { httpStatusOf } from './github';

export interface TrackReleases {
  'end-of-life'?: string;
  [risk: string]: unknown;
}
export type ReleasesJson = Record<string, TrackReleases>;

export interface ReleasedState {
  /** The branch's head commit the state was read at. */
  commit: string;
  /** Folders under oci/, sorted by code unit (the order images are dispatched in). */
  images: string[];
  /** Each image's _releases.json: absent = not released yet; an Error = unreadable (permanent). */
  releases: Map<string, ReleasesJson | Error>;
}

interface HeadCache {
  etag: string;
  commit: string;
}
/** Per branch: the head last read and its ETag; per commit: the state read at it (a few kept). */
const heads = new Map<string, HeadCache>();
const states = new Map<string, ReleasedState>();
const STATES_KEPT = 4;

/** Forgets what earlier events read (tests). */
export function clearReleasedStateCache(): void {
  heads.clear();
  states.clear();
}

export async function readReleasedState(
  octokit: Octokit,
  settings: GitHubSettings,
  policy: CallPolicy,
): Promise<ReleasedState> {
  const repository = `${settings.apiUrl}/${settings.owner}/${settings.repo}`;
  const headKey = `${repository}@${settings.releasesBranch}`;
  const known = heads.get(headKey);
  const commit = await callOutside('github', `head of ${settings.releasesBranch}`, policy, async (signal) => {
    try {
      const { data, headers } = await octokit.rest.git.getRef({
        owner: settings.owner,
        repo: settings.repo,
        ref: `heads/${settings.releasesBranch}`,
        headers: known ? { 'if-none-match': known.etag } : {},
        request: { signal },
      });
      if (headers.etag) heads.set(headKey, { etag: headers.etag, commit: data.object.sha });
      return data.object.sha;
    } catch (error) {
      if (known && httpStatusOf(error) === 304) return known.commit;
      throw error;
    }
  });

  const stateKey = `${repository}#${commit}`;
  const cached = states.get(stateKey);
  if (cached) return cached;
  const archive = await callOutside('github', `tarball of ${commit}`, policy, async (signal) => {
    const { data } = await octokit.rest.repos.downloadTarballArchive({
      owner: settings.owner,
      repo: settings.repo,
      ref: commit,
      request: { signal },
    });
    return Buffer.from(data as ArrayBuffer);
  });
  const state = await releasedStateOf(commit, archive);
  states.set(stateKey, state);
  while (states.size > STATES_KEPT) states.delete(states.keys().next().value!);
  return state;
}

/** The state in a tarball of the branch (every path under one top folder, as GitHub makes it). */
export async function releasedStateOf(commit: string, tarball: Buffer): Promise<ReleasedState> {
  const images = new Set<string>();
  const files = new Map<string, string>();
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({
      onReadEntry: (entry: ReadEntry) => {
        const [, top, image, file, ...deeper] = entry.path.split('/');
        // A folder under oci/ (its own entry ends with '/', its files are below it); not a file.
        if (top === 'oci' && image && file !== undefined) images.add(image);
        if (top === 'oci' && image && file === '_releases.json' && deeper.length === 0) {
          const chunks: Buffer[] = [];
          entry.on('data', (chunk: Buffer) => chunks.push(chunk));
          entry.on('end', () => files.set(image, Buffer.concat(chunks).toString('utf8')));
        } else {
          entry.resume();
        }
      },
    });
    parser.on('error', reject);
    parser.on('end', () => resolve());
    parser.end(tarball);
  });
  const releases = new Map<string, ReleasesJson | Error>();
  for (const [image, text] of files) releases.set(image, parseReleases(image, text));
  return { commit, images: [...images].sort(byCodeUnit), releases };
}

export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function parseReleases(image: string, text: string): ReleasesJson | Error {
  try {
    const releases = JSON.parse(text) as unknown;
    if (typeof releases === 'object' && releases !== null && !Array.isArray(releases)) {
      return releases as ReleasesJson;
    }
  } catch {
    // reported below
  }
  return new Error(`oci/${image}/_releases.json is not a JSON object`);
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
