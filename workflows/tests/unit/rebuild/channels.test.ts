import { channelOfTag, releaseTargetsOf } from '../../../src/activities/rebuild/channels';
import type { PipelineLogger } from '../../../src/activities/pipeline-types';
import type { ReleasesJson } from '../../../src/activities/rebuild/released-state';

const NOW = new Date('2026-03-01T00:00:00Z');

function recordingLog() {
  const lines: string[] = [];
  const log: PipelineLogger = {
    info: (message) => lines.push(`info ${message}`),
    warn: (message) => lines.push(`warn ${message}`),
    error: (message) => lines.push(`error ${message}`),
  };
  return { log, lines };
}

describe('channelOfTag', () => {
  it.each([
    ['edge', { track: 'latest', risk: 'edge' }],
    ['stable', { track: 'latest', risk: 'stable' }],
    ['1.0-22.04_candidate', { track: '1.0-22.04', risk: 'candidate' }],
    ['my_track_beta', { track: 'my_track', risk: 'beta' }],
    ['1.0-22.04', { track: '1.0-22.04', risk: 'stable' }],
    ['latest', { track: 'latest', risk: 'stable' }],
  ])('%s → %o', (tag, channel) => {
    expect(channelOfTag(tag)).toEqual(channel);
  });
});

describe('releaseTargetsOf', () => {
  const releases: ReleasesJson = {
    alive: { 'end-of-life': '2030-05-01T00:00:00Z', edge: { target: '7' } },
    dead: { 'end-of-life': '2024-05-01T00:00:00Z', edge: { target: '7' } },
    undated: { edge: { target: '7' } },
  };
  const tag = (name: string, digest = 'sha256:7') => ({ tag: name, digest });

  it('keeps the risks of tracks still alive, with their end of life', () => {
    const { log } = recordingLog();
    expect(
      releaseTargetsOf('sha256:7', [tag('alive_edge'), tag('alive_beta'), tag('alive')], releases, NOW, log),
    ).toEqual({
      tagged: true,
      release: { alive: { risks: ['edge', 'beta', 'stable'], 'end-of-life': '2030-05-01T00:00:00Z' } },
    });
  });

  it('skips a track past its end of life, one without end of life and one absent from _releases.json, saying why', () => {
    const { log, lines } = recordingLog();

    const result = releaseTargetsOf(
      'sha256:7',
      [tag('dead_edge'), tag('undated_edge'), tag('ghost_edge')],
      releases,
      NOW,
      log,
    );

    expect(result).toEqual({ tagged: true, release: {} });
    expect(lines).toEqual([
      'info Skipping track dead because it reached its end of life: 2024-05-01T00:00:00Z',
      'warn Track undated is missing its end-of-life field',
      'warn Track ghost (tag ghost_edge) is not in _releases.json: skipped',
    ]);
  });

  it('ignores tags of other digests and tags naming no known risk', () => {
    const { log } = recordingLog();
    expect(
      releaseTargetsOf('sha256:7', [tag('alive_edge', 'sha256:8'), tag('alive_3152')], releases, NOW, log),
    ).toEqual({
      tagged: true,
      release: {},
    });
    expect(releaseTargetsOf('sha256:7', [tag('alive_edge', 'sha256:8')], releases, NOW, log).tagged).toBe(
      false,
    );
  });

  it('lists a risk once when two tags name it', () => {
    const { log } = recordingLog();
    expect(
      releaseTargetsOf('sha256:7', [tag('alive'), tag('alive_stable')], releases, NOW, log).release.alive
        ?.risks,
    ).toEqual(['stable']);
  });
});
