import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSecretsFile } from '../../../src/worker/secrets';

describe('loadSecretsFile', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'secrets-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('puts every entry into the environment the activities read', () => {
    const file = path.join(dir, 'secrets.json');
    writeFileSync(file, JSON.stringify({ TWC_ENCRYPTION_KEY: 'k', GITHUB_TOKEN: 'ghp_x' }), { mode: 0o600 });
    const env: NodeJS.ProcessEnv = { OTHER: '1' };
    expect(loadSecretsFile(file, env)).toBe(2);
    expect(env).toEqual({ OTHER: '1', TWC_ENCRYPTION_KEY: 'k', GITHUB_TOKEN: 'ghp_x' });
  });

  it('does nothing without a secrets file setting', () => {
    expect(loadSecretsFile(undefined, {})).toBe(0);
  });

  it('fails without echoing the content when the file is not a JSON object of strings', () => {
    const file = path.join(dir, 'secrets.json');
    writeFileSync(file, '{"GITHUB_TOKEN": "ghp_secret"');
    expect(() => loadSecretsFile(file, {})).toThrow(/not valid JSON/);
    writeFileSync(file, JSON.stringify({ N: 1 }));
    expect(() => loadSecretsFile(file, {})).toThrow('holds a non-string value for N');
    expect(() => loadSecretsFile(path.join(dir, 'missing.json'), {})).toThrow(/ENOENT/);
  });

  it('refuses a value with a NUL byte, which would cut it short, without echoing it', () => {
    const file = path.join(dir, 'secrets.json');
    writeFileSync(file, JSON.stringify({ GITHUB_TOKEN: 'ghp_abc\u0000def' }));
    expect(() => loadSecretsFile(file, {})).toThrow(/holds a NUL byte in GITHUB_TOKEN$/);
  });
});
