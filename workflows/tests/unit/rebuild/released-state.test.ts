import { releasedRevisions } from '../../../src/activities/rebuild/released-state';
import { buildMetadataObjectsOf, baseMatchesRelease } from '../../../src/activities/rebuild/build-metadata';
import { registryAliasOf } from '../../../src/activities/rebuild/registry-tags';
import { releasesJsonOf } from '../../harness/standins/oci-factory-scenario';

describe('releasedRevisions', () => {
  it('collects the integer targets of the real mock-rock _releases.json, ignoring followed tags', () => {
    expect([...releasedRevisions(JSON.parse(releasesJsonOf('mock-rock')))].sort((a, b) => a - b)).toEqual([
      878, 1771, 3150, 3151, 3152,
    ]);
  });

  it('collects those of grafana, tracks without risks included', () => {
    expect([...releasedRevisions(JSON.parse(releasesJsonOf('grafana')))].sort((a, b) => a - b)).toEqual([
      47, 48, 49, 50, 51, 52, 53, 76, 77, 113, 114, 118, 122, 123,
    ]);
  });
});

describe('buildMetadataObjectsOf', () => {
  it("keeps the image's <track>/<revision>/build_metadata.json objects, by revision number", () => {
    const objects = [
      'mock-rock/1.2-22.04/3152/build_metadata.json',
      'mock-rock/1.0-22.04/878/build_metadata.json',
      'mock-rock/1.0-22.04/99/build_metadata.json',
      'mock-rock/1.0-22.04/878/sbom.spdx.json',
      'mock-rock-2/1.0-22.04/1/build_metadata.json',
      'mock-rock/a/b/9/build_metadata.json',
      'mock-rock/1.0-22.04/latest/build_metadata.json',
    ].map((name) => ({ name }));

    expect(buildMetadataObjectsOf('mock-rock', objects)).toEqual([
      { name: 'mock-rock/1.0-22.04/99/build_metadata.json', track: '1.0-22.04', revision: 99 },
      { name: 'mock-rock/1.0-22.04/878/build_metadata.json', track: '1.0-22.04', revision: 878 },
      { name: 'mock-rock/1.2-22.04/3152/build_metadata.json', track: '1.2-22.04', revision: 3152 },
    ]);
  });
});

describe('base matching and registry alias', () => {
  it('matches on the last five characters, "*" matching any base', () => {
    expect(baseMatchesRelease('ubuntu@22.04', '22.04')).toBe(true);
    expect(baseMatchesRelease('ubuntu@22.04', 'ubuntu-22.04')).toBe(true);
    expect(baseMatchesRelease('ubuntu@24.04', '22.04')).toBe(false);
    expect(baseMatchesRelease('bare', '*')).toBe(true);
  });

  it('looks mock- images up under rocksdev, the others under ubuntu', () => {
    expect(registryAliasOf('mock-rock')).toBe('rocksdev');
    expect(registryAliasOf('grafana')).toBe('ubuntu');
  });
});
