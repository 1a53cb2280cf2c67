import { parseEnvFile } from '../../../src/charm/env-file';

describe('parseEnvFile', () => {
  it('reads KEY=VALUE lines, comments, blanks, export, quotes and multi-line values', () => {
    const result = parseEnvFile(
      [
        '# Kafka',
        'ROCKS_EVENTBUS_KAFKA_ADDRESS=kafka:9093',
        '',
        'export ROCKS_EVENTBUS_USERNAME="user"',
        "GITHUB_TOKEN='ghp_secret' # inline comment",
        'CA="-----BEGIN-----',
        'line',
        '-----END-----"',
        'EMPTY=',
      ].join('\n'),
    );
    expect(result).toEqual({
      ok: true,
      variables: {
        ROCKS_EVENTBUS_KAFKA_ADDRESS: 'kafka:9093',
        ROCKS_EVENTBUS_USERNAME: 'user',
        GITHUB_TOKEN: 'ghp_secret',
        CA: '-----BEGIN-----\nline\n-----END-----',
        EMPTY: '',
      },
    });
  });

  it('accepts an empty file', () => {
    expect(parseEnvFile('')).toEqual({ ok: true, variables: {} });
  });

  it.each([
    ['A=1\nthis is not an assignment secret-value\n', 'env-file: line 2 is not KEY=VALUE'],
    ['1ABC=secret-value', 'env-file: line 1 is not KEY=VALUE'],
    ['A=1\r\nB C=secret-value\r\n', 'env-file: line 2 is not KEY=VALUE'],
    ['A="secret-value\nB=2\n', 'env-file: line 1 opens a quote that never closes'],
  ])('blocks %j naming the line, never the value', (content, message) => {
    const result = parseEnvFile(content);
    expect(result).toEqual({ ok: false, message });
    expect(JSON.stringify(result)).not.toContain('secret-value');
  });

  it('reserves TWC_ names for the charm, naming the variables', () => {
    const result = parseEnvFile('TWC_HOST=evil-secret\ntwc_queue=x\nOK=1\n');
    expect(result).toEqual({
      ok: false,
      message: 'env-file: TWC_HOST, twc_queue: names starting with TWC_ are reserved for the charm',
    });
  });
});
