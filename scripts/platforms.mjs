// @ts-check
// The Node version the packed charm carries and the architectures it is built for, from
// src/platforms.json: the one source the scripts, the charm (src/charm/charm-files.ts)
// and, checked by tests/unit/platforms.test.ts, charmcraft.yaml agree on.
import { readFileSync } from 'node:fs';

/**
 * @typedef {typeof import('../src/platforms.json')} Platforms
 * @typedef {keyof Platforms['architectures']} Architecture charmcraft's name (`amd64`, `arm64`)
 */

/** @type {Platforms} */
export const PLATFORMS = JSON.parse(readFileSync(new URL('../src/platforms.json', import.meta.url), 'utf8'));

/** What esbuild compiles for: the major version of the Node the charm and the worker run on. */
export const NODE_TARGET = `node${PLATFORMS.nodeVersion.split('.')[0]}`;
