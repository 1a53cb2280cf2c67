import { HookCache } from '../../../src/charm/hook-cache';
import { inspectWorkflowsPackage } from '../../../src/charm/workflows-inspect';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadWorkflowsPackage } from '../../../src/charm/workflows-tarball';
import { WORKFLOWS_FILE_LIMITS } from '../../../src/charm/workflows-limits';
import {
  MANIFEST,
  bulky,
  rawTarball,
  removeTempDirs,
  tempDir,
  workflowsTarball,
  writeFile,
  writeGzipBomb,
  type RawEntry,
} from './charm-fixture';

afterAll(removeTempDirs);

async function failure(tarball: Buffer): Promise<string> {
  const result = await loadWorkflowsPackage(tarball);
  if (result.ok) throw new Error('expected the package to be rejected');
  return result.message;
}

describe('loadWorkflowsPackage', () => {
  it('unpacks the package in memory, without the package/ prefix', async () => {
    const result = await loadWorkflowsPackage(workflowsTarball());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.package.manifest).toEqual(MANIFEST);
    expect([...result.package.files.keys()].sort()).toEqual([
      'activities.js',
      'manifest.json',
      'schemas/x.avsc',
      'workflow-bundle.js',
    ]);
    expect(result.package.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('blocks what is not a tgz', async () => {
    expect(await failure(Buffer.from('PK\u0003\u0004 a zip'))).toBe(
      'workflows-file: not a gzip-compressed tar archive (.tgz)',
    );
  });

  it('blocks a truncated tgz', async () => {
    const tarball = workflowsTarball();
    expect(await failure(tarball.subarray(0, Math.floor(tarball.length / 2)))).toMatch(
      /^workflows-file: cannot unpack: /,
    );
  });

  it('blocks a package without manifest.json', async () => {
    expect(await failure(workflowsTarball({ files: { 'manifest.json': null } }))).toBe(
      'workflows-file: package/manifest.json is missing',
    );
  });

  it('blocks files outside package/', async () => {
    expect(await failure(workflowsTarball({ top: 'other' }))).toBe(
      "workflows-file: entry 'other/manifest.json' is outside the package/ folder",
    );
  });

  it('blocks a manifest that is not JSON', async () => {
    expect(await failure(workflowsTarball({ files: { 'manifest.json': '{nope' } }))).toBe(
      'workflows-file: manifest.json is not valid JSON',
    );
  });

  it('blocks a manifest that lacks fields', async () => {
    const { workflowNames: _names, version: _version, ...partial } = MANIFEST;
    expect(await failure(workflowsTarball({ manifest: partial }))).toBe(
      'workflows-file: manifest.json lacks or has invalid version, workflowNames',
    );
  });

  it('blocks a manifest naming a missing workflow bundle or an empty activities module', async () => {
    expect(await failure(workflowsTarball({ files: { 'workflow-bundle.js': null } }))).toBe(
      "workflows-file: manifest.json names workflowBundle 'workflow-bundle.js', which is missing or empty",
    );
    expect(await failure(workflowsTarball({ files: { 'activities.js': '' } }))).toBe(
      "workflows-file: manifest.json names activities 'activities.js', which is missing or empty",
    );
  });
});

describe('inspectWorkflowsPackage', () => {
  const fileAt = (filePath: string) => ({ path: filePath, stat: statSync(filePath, { bigint: true }) });

  it('checks a package once and then answers from the cache by content hash', async () => {
    const cacheDir = tempDir();
    const tarball = workflowsTarball();
    const first = await inspectWorkflowsPackage(fileAt(writeFile(tarball, 'a.tgz')), new HookCache(cacheDir));
    expect(first.ok && first.package.loaded?.files.size).toBe(4);
    // The same content in another file is read once, and not unpacked again.
    const second = await inspectWorkflowsPackage(
      fileAt(writeFile(tarball, 'b.tgz')),
      new HookCache(cacheDir),
    );
    expect(second.ok && second.package.manifest).toEqual(MANIFEST);
    expect(second.ok && second.package.loaded).toBeUndefined();
    expect(second.ok && second.package.hash).toBe(first.ok && first.package.hash);
  });

  it('does not read a file it has seen until the tarball is asked for', async () => {
    const cacheDir = tempDir();
    const filePath = writeFile(workflowsTarball(), 'wf.tgz');
    const seen = fileAt(filePath);
    const first = await inspectWorkflowsPackage(seen, new HookCache(cacheDir));
    if (!first.ok) throw new Error(first.message);
    // Gone from disk: any read would fail.
    rmSync(filePath);

    const again = await inspectWorkflowsPackage(seen, new HookCache(cacheDir));

    expect(again.ok && again.package.hash).toBe(first.package.hash);
    expect(again.ok && again.package.manifest).toEqual(MANIFEST);
    expect(() => again.ok && again.package.readTarball()).toThrow(/ENOENT/);
  });

  it('reads a rewritten file again', async () => {
    const cacheDir = tempDir();
    const filePath = writeFile(workflowsTarball(), 'wf.tgz');
    const first = await inspectWorkflowsPackage(fileAt(filePath), new HookCache(cacheDir));
    const rewritten = workflowsTarball({ manifest: { ...MANIFEST, version: '0.0.2' } });
    writeFileSync(filePath, rewritten);

    const second = await inspectWorkflowsPackage(fileAt(filePath), new HookCache(cacheDir));

    expect(second.ok && second.package.manifest.version).toBe('0.0.2');
    expect(second.ok && second.package.hash).not.toBe(first.ok && first.package.hash);
    expect(second.ok && second.package.readTarball()).toEqual(rewritten);
  });

  it('refuses to hand over a tarball that changed after it was checked', async () => {
    const cacheDir = tempDir();
    const filePath = writeFile(workflowsTarball(), 'wf.tgz');
    const seen = fileAt(filePath);
    await inspectWorkflowsPackage(seen, new HookCache(cacheDir));
    const inspected = await inspectWorkflowsPackage(seen, new HookCache(cacheDir));
    if (!inspected.ok) throw new Error(inspected.message);

    writeFileSync(filePath, workflowsTarball({ manifest: { ...MANIFEST, version: '0.0.3' } }));

    expect(() => inspected.package.readTarball()).toThrow(`${filePath} changed while the hook ran`);
  });

  it('does not cache a rejected package', async () => {
    const cacheDir = tempDir();
    const result = await inspectWorkflowsPackage(
      fileAt(writeFile(workflowsTarball({ files: { 'manifest.json': null } }), 'bad.tgz')),
      new HookCache(cacheDir),
    );
    expect(result.ok).toBe(false);
    const entries = existsSync(cacheDir) ? readdirSync(cacheDir) : [];
    expect(
      entries.filter((entry) => entry.startsWith('workflows-') && !entry.startsWith('workflows-file-')),
    ).toEqual([]);
  });
});

describe('loadWorkflowsPackage treats the file as untrusted', () => {
  const manifest: RawEntry = { name: 'package/manifest.json', content: JSON.stringify(MANIFEST) };
  const bundle: RawEntry = { name: 'package/workflow-bundle.js', content: 'module.exports = 1;' };
  const activities: RawEntry = { name: 'package/activities.js', content: 'exports.consume = 1;' };
  const valid = [manifest, bundle, activities];

  it('accepts a hand-written valid archive with a folder entry', async () => {
    const result = await loadWorkflowsPackage(rawTarball([{ name: 'package/', type: '5' }, ...valid]));
    expect(result).toMatchObject({ ok: true });
  });

  it.each([
    ['package/..', "entry 'package/..' has a '..' segment"],
    ['package/../etc/passwd', "entry 'package/../etc/passwd' has a '..' segment"],
    ['/package/x.js', "entry '/package/x.js' is an absolute path"],
    ['package/a\nb.js', "entry 'package/a\\nb.js' has a control character in its name"],
    ['package/a\rb.js', "entry 'package/a\\rb.js' has a control character in its name"],
    ['package/a\u0001b.js', "entry 'package/a\\u0001b.js' has a control character in its name"],
  ])('refuses the entry name %j', async (name, reason) => {
    expect(await failure(rawTarball([...valid, { name, content: 'x' }]))).toBe(`workflows-file: ${reason}`);
  });

  it.each([
    ['2', 'SymbolicLink'],
    ['1', 'Link'],
    ['3', 'CharacterDevice'],
    ['6', 'FIFO'],
  ])('refuses an entry of type %s (%s)', async (type, name) => {
    const entry = { name: 'package/link.js', type, linkName: /^[12]$/.test(type) ? '/etc/shadow' : '' };
    expect(await failure(rawTarball([...valid, entry]))).toBe(
      `workflows-file: entry 'package/link.js' is a ${name}; only files and folders are allowed`,
    );
  });

  it('refuses more entries than the limit', async () => {
    const many = Array.from({ length: WORKFLOWS_FILE_LIMITS.entries }, (_, index) => ({
      name: `package/f${index}.js`,
      content: '',
    }));
    expect(await failure(rawTarball([...valid, ...many]))).toBe(
      `workflows-file: has more than ${WORKFLOWS_FILE_LIMITS.entries} entries`,
    );
  });

  it('refuses an entry larger than the limit, and a total larger than the limit', async () => {
    const big = bulky(WORKFLOWS_FILE_LIMITS.entryBytes + 1);
    expect(await failure(rawTarball([...valid, { name: 'package/big.bin', content: big }]))).toBe(
      "workflows-file: entry 'package/big.bin' is larger than 32 MiB",
    );
    const part = bulky(WORKFLOWS_FILE_LIMITS.entryBytes);
    const parts = [1, 2, 3].map((index) => ({ name: `package/part${index}.bin`, content: part }));
    expect(await failure(rawTarball([...valid, ...parts]))).toBe(
      'workflows-file: unpacks to more than 64 MiB',
    );
  });

  it('refuses a file larger than the compressed limit before unpacking it', async () => {
    const padded = Buffer.concat([workflowsTarball(), Buffer.alloc(WORKFLOWS_FILE_LIMITS.compressedBytes)]);
    expect(await failure(padded)).toBe('workflows-file: is larger than 16 MiB');
  });

  it('refuses a gzip bomb (1,280 MiB of zeros in 1.3 MB) in bounded time and memory', async () => {
    const file = path.join(tempDir(), 'bomb.tgz');
    await writeGzipBomb(file, 1280 * 1024 * 1024);
    const bomb = readFileSync(file);
    expect(bomb.length).toBeLessThan(WORKFLOWS_FILE_LIMITS.compressedBytes);
    const started = Date.now();
    expect(await failure(bomb)).toMatch(
      /^workflows-file: (entry 'package\/bomb.bin' is larger than 32 MiB|inflates more than 1000 times its size)$/,
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
