import { ubuntuReleaseOf } from '../../src/activities/release';
import type { OciEvent } from '../../src/activities/pipeline-types';

const event = (fields: Partial<OciEvent>): OciEvent => ({
  message_id: 'm-1',
  name: 'ubuntu',
  description: '',
  registry_tags: [],
  ...fields,
});

describe('ubuntuReleaseOf', () => {
  it('takes the release field when the event carries one', () => {
    expect(ubuntuReleaseOf(event({ release: '22.04', description: 'Ubuntu 23.04' }))).toBe('22.04');
  });

  it('keeps a production release string as it is (matching uses its last five characters)', () => {
    expect(ubuntuReleaseOf(event({ release: ' ubuntu-24.04 ' }))).toBe('ubuntu-24.04');
  });

  it('falls back to the first registry tag naming a version when the release field is absent or blank', () => {
    const registry_tags = [
      'docker.io/ubuntu:jammy',
      'public.ecr.aws/ubuntu/ubuntu:22.04',
      'ubuntu.azurecr.io/ubuntu:latest',
    ];
    expect(ubuntuReleaseOf(event({ registry_tags }))).toBe('22.04');
    expect(ubuntuReleaseOf(event({ release: '', registry_tags }))).toBe('22.04');
  });

  it('reads the version inside a longer tag, but not from a registry host or a longer version', () => {
    expect(ubuntuReleaseOf(event({ registry_tags: ['10.20.30.40:5000/ubuntu:noble-24.04_edge'] }))).toBe(
      '24.04',
    );
    expect(ubuntuReleaseOf(event({ registry_tags: ['10.20.30.40:5000/ubuntu:1.22.04'] }))).toBeNull();
  });

  it('falls back to the description (the fixture event: "New release for the Ubuntu 23.04 container image")', () => {
    expect(
      ubuntuReleaseOf(
        event({
          registry_tags: ['docker.io/ubuntu:lunar'],
          description: 'New release for the Ubuntu 23.04 container image',
        }),
      ),
    ).toBe('23.04');
  });

  it('gives null when nothing names a release', () => {
    expect(
      ubuntuReleaseOf(event({ registry_tags: ['docker.io/ubuntu:jammy'], description: 'A rebuild' })),
    ).toBeNull();
    expect(ubuntuReleaseOf(event({ release: 42 as unknown as string }))).toBeNull();
  });
});
