import YAML from 'yaml';
import { TriggerBuilder, encodeTrigger, triggerYaml } from '../../../src/activities/rebuild/trigger';

const build = (commit: string, ignored?: string) => ({
  source: 'canonical/rocks-toolbox',
  commit,
  directory: 'mock_rock/1.0',
  digest: `sha256:${commit}`,
  base: 'ubuntu@22.04',
  ...(ignored === undefined ? {} : { 'ignored-vulnerabilities': ignored }),
});
const track = (risks: string[]) => ({ risks, 'end-of-life': '2030-05-01T00:00:00Z' });

describe('TriggerBuilder', () => {
  it('merges builds of the same source, commit and directory, the later revision winning per track', () => {
    const builder = new TriggerBuilder();
    builder.add(build('aaa', 'CVE-1  CVE-2 '), { one: track(['beta']), two: track(['edge']) });
    builder.add(build('bbb'), { three: track(['edge']) });
    builder.add(build('aaa'), { two: track(['candidate']) });

    expect(builder.build()).toEqual({
      version: 2,
      upload: [
        {
          source: 'canonical/rocks-toolbox',
          commit: 'aaa',
          directory: 'mock_rock/1.0',
          'ignored-vulnerabilities': ['CVE-1', 'CVE-2'],
          release: { one: track(['beta']), two: track(['candidate']) },
        },
        {
          source: 'canonical/rocks-toolbox',
          commit: 'bbb',
          directory: 'mock_rock/1.0',
          'ignored-vulnerabilities': [],
          release: { three: track(['edge']) },
        },
      ],
    });
  });

  it('leaves out a build with no channel to release to', () => {
    const builder = new TriggerBuilder();
    builder.add(build('aaa'), {});
    expect(builder.build()).toEqual({ version: 2, upload: [] });
  });
});

describe('trigger YAML', () => {
  const trigger = {
    version: 2 as const,
    upload: [
      {
        source: 'canonical/rocks-toolbox',
        commit: '0123456',
        directory: 'mock_rock/1.0',
        'ignored-vulnerabilities': [],
        release: { '1.0-22.04': track(['edge', 'beta']) },
      },
    ],
  };

  it('is block style with sorted keys, quoting what YAML 1.1 readers would not take as a string', () => {
    expect(triggerYaml(trigger)).toBe(
      [
        'upload:',
        "- commit: '0123456'",
        '  directory: mock_rock/1.0',
        '  ignored-vulnerabilities: []',
        '  release:',
        '    1.0-22.04:',
        "      end-of-life: '2030-05-01T00:00:00Z'",
        '      risks:',
        '      - edge',
        '      - beta',
        '  source: canonical/rocks-toolbox',
        'version: 2',
        '',
      ].join('\n'),
    );
  });

  it('base64-encodes to a document that reads back as the trigger', () => {
    const text = Buffer.from(encodeTrigger(trigger), 'base64').toString('utf8');
    expect(YAML.parse(text, { version: '1.1' })).toEqual(trigger);
  });
});
