// The build metadata the OCI Factory stores in Swift for each image revision:
// <image>/<track>/<revision>/build_metadata.json.
import type { SwiftObject } from './swift';

export interface BuildMetadataObject {
  name: string;
  track: string;
  revision: number;
}

export interface BuildMetadata {
  source: string;
  commit: string;
  directory: string;
  digest: string;
  /** e.g. ubuntu@22.04 */
  base: string;
  /** Space-separated vulnerability ids. */
  'ignored-vulnerabilities'?: string;
}

const FILE_NAME = 'build_metadata.json';

/** The image's build metadata objects, by revision number (oldest first). */
export function buildMetadataObjectsOf(
  image: string,
  objects: readonly SwiftObject[],
): BuildMetadataObject[] {
  const found: BuildMetadataObject[] = [];
  for (const { name } of objects) {
    const parts = name.split('/');
    if (parts.length !== 4 || parts[0] !== image || parts[3] !== FILE_NAME) continue;
    const [, track, revision] = parts as [string, string, string, string];
    if (!track || !/^\d+$/.test(revision)) continue;
    found.push({ name, track, revision: Number(revision) });
  }
  return found.sort((a, b) => a.revision - b.revision);
}

export function parseBuildMetadata(name: string, text: string): BuildMetadata {
  const parsed = JSON.parse(text) as Record<string, unknown>;
  for (const field of ['source', 'commit', 'directory', 'digest', 'base']) {
    if (typeof parsed[field] !== 'string') throw new Error(`${name} has no "${field}"`);
  }
  const ignored = parsed['ignored-vulnerabilities'];
  return {
    source: parsed.source as string,
    commit: parsed.commit as string,
    directory: parsed.directory as string,
    digest: parsed.digest as string,
    base: parsed.base as string,
    ...(typeof ignored === 'string' ? { 'ignored-vulnerabilities': ignored } : {}),
  };
}

/** The Python original matched on the last five characters: "ubuntu@22.04" vs "22.04". */
export function baseMatchesRelease(base: string, ubuntuRelease: string): boolean {
  return ubuntuRelease === '*' || base.slice(-5) === ubuntuRelease.slice(-5);
}
