import { existsSync, readdirSync } from 'node:fs';
import { HookCache } from '../../../src/charm/hook-cache';
import { inspectWorkflowsPackage } from '../../../src/charm/workflows-inspect';
import { loadWorkflowsPackage } from '../../../src/charm/workflows-tarball';
import { MANIFEST, removeTempDirs, tempDir, workflowsTarball } from './charm-fixture';

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
  it('checks a package once and then answers from the cache by content hash', async () => {
    const cacheDir = tempDir();
    const tarball = workflowsTarball();
    const first = await inspectWorkflowsPackage(tarball, new HookCache(cacheDir));
    expect(first.ok && first.package.loaded?.files.size).toBe(4);
    expect(readdirSync(cacheDir)).toHaveLength(1);
    const second = await inspectWorkflowsPackage(tarball, new HookCache(cacheDir));
    expect(second.ok && second.package.manifest).toEqual(MANIFEST);
    expect(second.ok && second.package.loaded).toBeUndefined();
  });

  it('does not cache a rejected package', async () => {
    const cacheDir = tempDir();
    const result = await inspectWorkflowsPackage(
      workflowsTarball({ files: { 'manifest.json': null } }),
      new HookCache(cacheDir),
    );
    expect(result.ok).toBe(false);
    expect(existsSync(cacheDir) ? readdirSync(cacheDir) : []).toEqual([]);
  });
});
