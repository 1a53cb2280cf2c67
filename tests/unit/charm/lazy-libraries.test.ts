// Every hook loads the charm's whole module graph. yaml and zod cost a hook several MiB and
// ~15 ms to load, and an idle hook needs neither: only the code that parses YAML or a
// workflows manifest loads them, when it runs.
import type { Juju } from '../../../src/juju/types';

const LAZY_LIBRARIES = ['yaml', 'zod/mini'];

/** Runs `load` on a fresh module registry; returns the lazy libraries it loaded. */
function librariesLoadedBy(load: () => unknown): string[] {
  const loaded: string[] = [];
  jest.isolateModules(() => {
    for (const name of LAZY_LIBRARIES) {
      jest.doMock(name, () => {
        loaded.push(name);
        return jest.requireActual(name);
      });
    }
    load();
  });
  return loaded;
}

test('loading the charm loads neither yaml nor zod', () => {
  expect(librariesLoadedBy(() => jest.requireActual('../../../src/charm/main'))).toEqual([]);
});

test('parsing the environment option loads yaml', async () => {
  let parsing: Promise<unknown> = Promise.resolve();
  const loaded = librariesLoadedBy(() => {
    const { readEnvironmentOption } = jest.requireActual<
      typeof import('../../../src/charm/environment-option')
    >('../../../src/charm/environment-option');
    parsing = readEnvironmentOption({} as Juju, 'env:\n  - name: A\n    value: b\n', 'app');
  });
  await expect(parsing).resolves.toEqual({ ok: true, variables: { A: 'b' } });
  expect(loaded).toEqual(['yaml']);
});

test('parsing a workflows manifest loads zod', () => {
  const loaded = librariesLoadedBy(() => {
    const { parseManifest } = jest.requireActual<typeof import('../../../src/contract/workflows-manifest')>(
      '../../../src/contract/workflows-manifest',
    );
    expect(() => parseManifest('{}')).toThrow(/manifest.json lacks or has invalid/);
  });
  expect(loaded).toEqual(['zod/mini']);
});
