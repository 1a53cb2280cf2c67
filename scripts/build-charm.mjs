// @ts-check
// Bundles the charm (src/charm/main.ts) into one executable file, dist/charm.js, so a
// hook loads one file instead of resolving node_modules: hooks must start fast.
import * as esbuild from 'esbuild';
import { NODE_TARGET } from './platforms.mjs';
import { chmodSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outfile = path.join(root, 'dist', 'charm.js');

/**
 * Libraries of the Temporal auth providers (src/temporal/auth/): the charm only asks which
 * providers exist, it never authenticates, so their code stays out of its bundle.
 */
const AUTH_PROVIDER_LIBRARIES = ['google-auth-library', 'macaroon', 'tweetnacl'];

const result = await esbuild.build({
  entryPoints: [path.join(root, 'src', 'charm', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: NODE_TARGET,
  format: 'cjs',
  external: AUTH_PROVIDER_LIBRARIES,
  banner: { js: '#!/usr/bin/env node' },
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
console.log(`built dist/charm.js (${Math.round(bytes / 1024)} KiB)`);
