// src/platforms.json is the one source of the Node version the charm carries and of the
// architectures it is built for. The scripts and the charm read it; charmcraft.yaml is
// YAML and cannot, so this checks it agrees.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import platforms from '../../src/platforms.json';

const charmcraft = parse(readFileSync(path.resolve(__dirname, '..', '..', 'charmcraft.yaml'), 'utf8')) as {
  platforms: Record<string, unknown>;
  parts: { node: { 'override-build': string } };
};
const nodeBuild = charmcraft.parts.node['override-build'];

describe('charmcraft.yaml agrees with src/platforms.json', () => {
  it('builds for exactly its architectures', () => {
    const built = Object.keys(charmcraft.platforms).map((platform) => platform.split(':').at(-1));
    expect(built.sort()).toEqual(Object.keys(platforms.architectures).sort());
  });

  it('fetches its Node version', () => {
    expect(nodeBuild).toMatch(new RegExp(`^version=${platforms.nodeVersion.replace(/\./g, '\\.')}$`, 'm'));
  });

  it("fetches Node's build for each architecture, and no other", () => {
    const cases = [...nodeBuild.matchAll(/^\s*(\w+)\) arch=(\w+) ;;$/gm)].map(([, arch, nodeArch]) => [
      arch,
      nodeArch,
    ]);
    expect(cases).toEqual(
      Object.entries(platforms.architectures).map(([arch, { nodeArch }]) => [arch, nodeArch]),
    );
  });
});
