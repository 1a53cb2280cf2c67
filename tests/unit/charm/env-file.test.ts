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

describe('parseEnvFile refuses what would change the runtime', () => {
  it.each([
    'NODE_OPTIONS=--require /tmp/x.js',
    'NODE_TLS_REJECT_UNAUTHORIZED=0',
    'NODE_EXTRA_CA_CERTS=/tmp/ca.pem',
    'LD_PRELOAD=/tmp/x.so',
    'LD_LIBRARY_PATH=/tmp',
    'GLIBC_TUNABLES=glibc.malloc.mxfast=0',
    'PEBBLE_SOCKET=/tmp/other.socket',
    'PEBBLE=/tmp',
    'HTTP_PROXY=http://evil:3128',
    'https_proxy=http://evil:3128',
    'no_proxy=*',
    'ALL_PROXY=socks5://evil',
    'PATH=/tmp',
    'SSL_CERT_FILE=/tmp/ca.pem',
    'OPENSSL_CONF=/tmp/openssl.cnf',
    'UV_THREADPOOL_SIZE=1',
    'SENTRY_DSN=https://key@evil/1',
    'TEMPORAL_ADDRESS=evil:7233',
    'export TEMPORAL_API_KEY=x',
  ])('refuses %s, naming the line and the name, never the value', (line) => {
    const result = parseEnvFile(`GITHUB_TOKEN=ok\n# comment\n${line}\n`);
    const name = /^(?:export )?([A-Za-z_]+)=/.exec(line)![1]!;
    expect(result).toEqual({
      ok: false,
      message: expect.stringMatching(new RegExp(`^env-file: line 3: ${name} is refused: `)),
    });
    if (!result.ok) expect(result.message).not.toContain(line.split('=')[1]!);
  });

  it('keeps TEMPORAL_WEB_URL, the package’s own variable', () => {
    expect(parseEnvFile('TEMPORAL_WEB_URL=http://temporal-ui:8080\n')).toMatchObject({ ok: true });
  });

  it.each([
    ['a NUL', 'GITHUB_TOKEN=ghp_abc\u0000def'],
    ['an escape', 'MATTERMOST_TOKEN=a\u001b[2Jb'],
    ['a DEL', 'OS_PASSWORD=a\u007fb'],
    ['a NUL in a comment', '# a\u0000b'],
  ])('refuses %s, naming the line', (_what, line) => {
    expect(parseEnvFile(`A=1\n${line}\n`)).toEqual({
      ok: false,
      message: 'env-file: line 2 holds a control character',
    });
  });

  it('accepts tabs and CRLF line ends', () => {
    expect(parseEnvFile('A=one\ttwo\r\nB=2\r\n')).toEqual({ ok: true, variables: { A: 'one\ttwo', B: '2' } });
  });
});
