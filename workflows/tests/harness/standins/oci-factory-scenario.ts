// A realistic OCI Factory state to seed the stand-ins with: the real _releases.json of
// grafana, kafka and mock-rock (fixtures/releases), build metadata in Swift for revisions
// built on ubuntu@22.04, 24.04 and 26.04, and registry tags aliasing tracks, some of
// them past their end of life. SCENARIO_NOW is the clock the expectations hold for.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { GitHubStandin } from './github';
import type { ImageTag, RegistryTagsStandin } from './registry-tags';
import type { SwiftStandin } from './swift';

/**
 * Every end-of-life below is judged against this date. A run on the real clock seeds and
 * expects every end-of-life shifted by whole days from here to its clock (`{ now }`), so the
 * same tracks are alive and dead whatever the date.
 */
export const SCENARIO_NOW = new Date('2026-03-01T00:00:00Z');
const DAY_MS = 86_400_000;

/** An end-of-life as the scenario holds it at `now`: moved by the whole days from SCENARIO_NOW. */
export function endOfLifeAt(endOfLife: string, now: Date = SCENARIO_NOW): string {
  const days = Math.floor((now.getTime() - SCENARIO_NOW.getTime()) / DAY_MS);
  if (days === 0) return endOfLife;
  return new Date(Date.parse(endOfLife) + days * DAY_MS).toISOString().replace('.000Z', 'Z');
}
export const RELEASES_BRANCH = '_releases';
export const SWIFT_CONTAINER = 'oci-factory';
export const RELEASED_IMAGES = ['grafana', 'kafka', 'mock-rock'] as const;
/** A folder on the releases branch without _releases.json. */
export const UNRELEASED_IMAGE = 'new-rock';

const FIXTURES = path.join(__dirname, 'fixtures', 'releases');

export function releasesJsonOf(image: string, now: Date = SCENARIO_NOW): string {
  const text = readFileSync(path.join(FIXTURES, image, '_releases.json'), 'utf8');
  if (now === SCENARIO_NOW) return text;
  const releases = JSON.parse(text) as Record<string, Record<string, unknown>>;
  for (const track of Object.values(releases)) {
    const endOfLife = track['end-of-life'];
    if (typeof endOfLife === 'string') track['end-of-life'] = endOfLifeAt(endOfLife, now);
  }
  return JSON.stringify(releases, null, 4);
}

const digest = (image: string, revision: number) =>
  `sha256:${Buffer.from(`${image}-${revision}`).toString('hex').padEnd(64, '0').slice(0, 64)}`;

interface Revision {
  image: string;
  track: string;
  revision: number;
  base: string;
  source: string;
  commit: string;
  directory: string;
  ignoredVulnerabilities?: string;
  tags: string[];
}

const MOCK_ROCK_SOURCE = 'canonical/rocks-toolbox';
const MOCK_ROCK_1_1_COMMIT = '17916dd5de270e61a6a3fd3f4661a6413a50fd6f';

export const SCENARIO_REVISIONS: Revision[] = [
  // mock-rock (registry alias rocksdev). 878: its own track is past end-of-life, but
  // eol-upload follows it and is alive; eol-all follows it too and is dead.
  {
    image: 'mock-rock',
    track: '1.0-22.04',
    revision: 878,
    base: 'ubuntu@22.04',
    source: MOCK_ROCK_SOURCE,
    commit: '0a6e6e84cb1ef1f87c5c0d3f9e8a4f8e1b9ac512',
    directory: 'mock_rock/1.0',
    tags: [
      '1.0-22.04_candidate',
      '1.0-22.04_beta',
      '1.0-22.04_edge',
      'eol-upload_beta',
      'eol-upload_edge',
      'eol-all_beta',
      'eol-all_edge',
    ],
  },
  {
    image: 'mock-rock',
    track: 'eol',
    revision: 1771,
    base: 'ubuntu@22.04',
    source: MOCK_ROCK_SOURCE,
    commit: '5c3fc1ba6b3a0fb9c4a6a2c3fc5ae3e2c0b1d771',
    directory: 'mock_rock/1.0',
    tags: ['eol_beta', 'eol_edge'],
  },
  // 3151 and 3152 are builds of the same source/commit/directory: merged, 3152 winning per track.
  {
    image: 'mock-rock',
    track: '1.1-22.04',
    revision: 3151,
    base: 'ubuntu@22.04',
    source: MOCK_ROCK_SOURCE,
    commit: MOCK_ROCK_1_1_COMMIT,
    directory: 'mock_rock/1.1',
    ignoredVulnerabilities: 'CVE-2024-0001 CVE-2024-0002',
    tags: [
      '1.1-22.04_candidate',
      '1.1-22.04_beta',
      '1.1-22.04_edge',
      '1-22.04_candidate',
      '1-22.04_beta',
      '1-22.04_edge',
      'test_beta',
      '1.0.0-22.04_edge',
      'eol-release_beta',
    ],
  },
  {
    image: 'mock-rock',
    track: '1.2-22.04',
    revision: 3152,
    base: 'ubuntu@22.04',
    source: MOCK_ROCK_SOURCE,
    commit: MOCK_ROCK_1_1_COMMIT,
    directory: 'mock_rock/1.1',
    tags: [
      'candidate',
      'beta',
      'edge',
      '1.2-22.04_beta',
      '1.2-22.04_edge',
      'test_edge',
      'ghost_edge',
      '1.2-22.04_3152',
    ],
  },
  {
    image: 'mock-rock',
    track: '1.2-22.04',
    revision: 3153,
    base: 'ubuntu@22.04',
    source: MOCK_ROCK_SOURCE,
    commit: 'ffffffffffffffffffffffffffffffffffff3153',
    directory: 'mock_rock/1.2',
    tags: [],
  },
  {
    image: 'mock-rock',
    track: 'devel',
    revision: 3150,
    base: 'ubuntu@24.04',
    source: MOCK_ROCK_SOURCE,
    commit: 'b7d0a1c3e5f7091b2d4f6a8c0e2f4a6c8e0a3150',
    directory: 'mock_rock/devel',
    tags: ['devel_edge'],
  },
  // kafka (alias ubuntu): 3.6 is past end-of-life; 3.9 is alive; 4.1 is on 24.04.
  {
    image: 'kafka',
    track: '3.6-22.04',
    revision: 10,
    base: 'ubuntu@22.04',
    source: 'canonical/kafka-rock',
    commit: '3a1f0c2e4b6d8f0a2c4e6a8b0d2f4a6c8e0b0010',
    directory: '3.6',
    tags: ['3.6-22.04_edge'],
  },
  {
    image: 'kafka',
    track: '3.9-22.04',
    revision: 49,
    base: 'ubuntu@22.04',
    source: 'canonical/kafka-rock',
    commit: '9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e0049',
    directory: '3.9.1',
    tags: ['3.9.1-22.04_edge', '3.9-22.04_edge'],
  },
  {
    image: 'kafka',
    track: '4.1-24.04',
    revision: 48,
    base: 'ubuntu@24.04',
    source: 'canonical/kafka-rock',
    commit: '4e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f0048',
    directory: '4.1',
    tags: ['4.1-24.04_edge'],
  },
  // grafana (alias ubuntu): every 22.04 track is past end-of-life; 12 on 24.04 and 26.04 alive.
  {
    image: 'grafana',
    track: '10-22.04',
    revision: 76,
    base: 'ubuntu@22.04',
    source: 'canonical/grafana-rock',
    commit: '76a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f076',
    directory: '10.4.2',
    tags: ['10-22.04_stable', '10-22.04', '10.4-22.04_stable', '10.4.2-22.04_stable'],
  },
  {
    image: 'grafana',
    track: '11-22.04',
    revision: 77,
    base: 'ubuntu@22.04',
    source: 'canonical/grafana-rock',
    commit: '77a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f077',
    directory: '11.0.0',
    tags: ['11-22.04_stable', '11.0-22.04_stable', '11.0.0-22.04_stable'],
  },
  {
    image: 'grafana',
    track: '12-24.04',
    revision: 122,
    base: 'ubuntu@24.04',
    source: 'canonical/grafana-rock',
    commit: '122b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f0122',
    directory: '12.4.2',
    tags: ['12-24.04_stable', '12-24.04_candidate', '12-24.04', '12.4-24.04_stable'],
  },
  {
    image: 'grafana',
    track: '12-26.04',
    revision: 123,
    base: 'ubuntu@26.04',
    source: 'canonical/grafana-rock',
    commit: '123b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f0123',
    directory: '12.4.2',
    tags: ['12-26.04_edge', '12.4-26.04_edge'],
  },
];

/** The trigger each image's dispatch must carry for a 22.04 event at SCENARIO_NOW (absent: no dispatch). */
export const EXPECTED_TRIGGERS_22_04: Record<string, unknown> = {
  'mock-rock': {
    version: 2,
    upload: [
      {
        source: MOCK_ROCK_SOURCE,
        commit: '0a6e6e84cb1ef1f87c5c0d3f9e8a4f8e1b9ac512',
        directory: 'mock_rock/1.0',
        'ignored-vulnerabilities': [],
        release: { 'eol-upload': { risks: ['beta', 'edge'], 'end-of-life': '2030-05-01T00:00:00Z' } },
      },
      {
        source: MOCK_ROCK_SOURCE,
        commit: '5c3fc1ba6b3a0fb9c4a6a2c3fc5ae3e2c0b1d771',
        directory: 'mock_rock/1.0',
        'ignored-vulnerabilities': [],
        release: { eol: { risks: ['beta', 'edge'], 'end-of-life': '2030-05-01T00:00:00Z' } },
      },
      {
        source: MOCK_ROCK_SOURCE,
        commit: MOCK_ROCK_1_1_COMMIT,
        directory: 'mock_rock/1.1',
        'ignored-vulnerabilities': ['CVE-2024-0001', 'CVE-2024-0002'],
        release: {
          '1.1-22.04': { risks: ['candidate', 'beta', 'edge'], 'end-of-life': '2030-05-01T00:00:00Z' },
          '1-22.04': { risks: ['candidate', 'beta', 'edge'], 'end-of-life': '2030-05-01T00:00:00Z' },
          test: { risks: ['edge'], 'end-of-life': '2030-05-01T00:00:00Z' },
          latest: { risks: ['candidate', 'beta', 'edge'], 'end-of-life': '2030-05-01T00:00:00Z' },
          '1.2-22.04': { risks: ['beta', 'edge'], 'end-of-life': '2030-05-01T00:00:00Z' },
        },
      },
    ],
  },
  kafka: {
    version: 2,
    upload: [
      {
        source: 'canonical/kafka-rock',
        commit: '9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e0049',
        directory: '3.9.1',
        'ignored-vulnerabilities': [],
        release: {
          '3.9.1-22.04': { risks: ['edge'], 'end-of-life': '2027-06-01T00:00:00Z' },
          '3.9-22.04': { risks: ['edge'], 'end-of-life': '2027-06-01T00:00:00Z' },
        },
      },
    ],
  },
};

export interface ScenarioStandins {
  swift: SwiftStandin;
  github: GitHubStandin;
  registryTags: RegistryTagsStandin;
}

/** EXPECTED_TRIGGERS_22_04 for a scenario seeded at `now`. */
export function expectedTriggers2204(now: Date = SCENARIO_NOW): Record<string, unknown> {
  return JSON.parse(JSON.stringify(EXPECTED_TRIGGERS_22_04), (key, value: unknown) =>
    key === 'end-of-life' && typeof value === 'string' ? endOfLifeAt(value, now) : value,
  ) as Record<string, unknown>;
}

export function seedOciFactoryScenario(
  { swift, github, registryTags }: ScenarioStandins,
  { now = SCENARIO_NOW }: { now?: Date } = {},
): void {
  github.putFile(RELEASES_BRANCH, 'README.md', '# Released OCI images\n');
  github.putFile(RELEASES_BRANCH, 'oci/README.md', 'One folder per image.\n');
  for (const image of RELEASED_IMAGES) {
    github.putFile(RELEASES_BRANCH, `oci/${image}/_releases.json`, releasesJsonOf(image, now));
  }
  github.putFile(RELEASES_BRANCH, `oci/${UNRELEASED_IMAGE}/.gitkeep`, '');

  swift.createContainer(SWIFT_CONTAINER);
  // Objects of other kinds live beside the build metadata in the real container.
  swift.putObject(SWIFT_CONTAINER, 'mock-rock/1.1-22.04/3151/sbom.spdx.json', '{}');
  swift.putObject(SWIFT_CONTAINER, 'kafka/3.9-22.04/49/vulnerability-report.json', '{}');
  const tagsByImage = new Map<string, ImageTag[]>();
  for (const revision of SCENARIO_REVISIONS) {
    swift.putObject(
      SWIFT_CONTAINER,
      `${revision.image}/${revision.track}/${revision.revision}/build_metadata.json`,
      {
        name: revision.image,
        source: revision.source,
        commit: revision.commit,
        directory: revision.directory,
        track: revision.track,
        revision: String(revision.revision),
        base: revision.base,
        digest: digest(revision.image, revision.revision),
        'ignored-vulnerabilities': revision.ignoredVulnerabilities ?? '',
      },
    );
    const tags = tagsByImage.get(revision.image) ?? [];
    tags.push(...revision.tags.map((tag) => ({ tag, digest: digest(revision.image, revision.revision) })));
    tagsByImage.set(revision.image, tags);
  }
  for (const [image, tags] of tagsByImage) {
    // A tag left behind on an old digest that no released revision has.
    tags.push({ tag: 'old_edge', digest: digest(image, 1) });
    registryTags.setTags(image.startsWith('mock-') ? 'rocksdev' : 'ubuntu', image, tags);
  }
}
