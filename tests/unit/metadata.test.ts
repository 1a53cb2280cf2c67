// The charm's metadata at the repository root: valid for charmcraft, in step with the
// code (config options), and usable as the README says (config.yml.template, dispatch).
import Ajv from 'ajv';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { CONTAINER_NAME } from '../../src/contract/container';
import platforms from '../../src/platforms.json';
import { OPTION_KEYS, spec } from '../../src/contract/settings';

const ROOT = path.resolve(__dirname, '..', '..');
const readYaml = (file: string) => parse(readFileSync(path.join(ROOT, file), 'utf8'));

const charmcraft = readYaml('charmcraft.yaml');
const metadata = readYaml('metadata.yaml');
const config = readYaml('config.yaml');
const actions = readYaml('actions.yaml');

// charmcraft's own JSON schema for charmcraft.yaml (canonical/charmcraft schema/charmcraft.json, Apache-2.0).
const CHARMCRAFT_SCHEMA = path.join(ROOT, 'tests', 'fixtures', 'charmcraft.schema.json');
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addFormat('uri', true);
const validateCharmcraft = ajv.compile(JSON.parse(readFileSync(CHARMCRAFT_SCHEMA, 'utf8')));
const project: Record<string, unknown> = { ...charmcraft, ...metadata, config, actions };

describe('charmcraft.yaml', () => {
  it('is valid against charmcraft schema once metadata, config and actions are merged in (as charmcraft does)', () => {
    const valid = validateCharmcraft(project);
    expect(validateCharmcraft.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema check can fail (no platforms)', () => {
    const { platforms: _platforms, ...withoutPlatforms } = project;
    expect(validateCharmcraft(withoutPlatforms)).toBe(false);
  });

  it('does not repeat the metadata keys (charmcraft refuses them when metadata.yaml exists)', () => {
    for (const key of ['name', 'summary', 'description', 'containers', 'resources', 'config', 'actions']) {
      expect(charmcraft).not.toHaveProperty(key);
    }
  });

  it('builds for amd64 and arm64 on a supported Ubuntu base and ships a Node runtime', () => {
    // `<base>:<arch>` platform names: charmcraft names the packed file after them.
    expect(charmcraft.base).toBeUndefined();
    expect(Object.keys(charmcraft.platforms).sort()).toEqual(['ubuntu@24.04:amd64', 'ubuntu@24.04:arm64']);
    expect(charmcraft.parts.node.prime).toContain('node/bin/node');
    expect(charmcraft.parts.charm['override-build']).toContain('npm run build');
    expect(charmcraft.parts.charm.prime).toEqual(expect.arrayContaining(['dispatch', 'dist']));
  });
});

describe('metadata.yaml', () => {
  it('declares the workload container, a stock image of the Node the charm carries, and the file resources', () => {
    expect(metadata.name).toBe('temporal-worker-k8s');
    expect(metadata.containers).toEqual({ [CONTAINER_NAME]: { resource: 'temporal-worker-image' } });
    expect(metadata.resources['temporal-worker-image']).toMatchObject({ type: 'oci-image' });
    expect(metadata.resources['temporal-worker-image']['upstream-source']).toBe(
      `node:${platforms.nodeVersion.split('.')[0]}-bookworm-slim`,
    );
    expect(metadata.resources['workflows-file'].type).toBe('file');
    expect(metadata.resources['env-file'].type).toBe('file');
    expect(metadata.peers).toEqual({ peer: { interface: 'temporal' } });
    expect(metadata.assumes).toContain('k8s-api');
  });
});

describe('config.yaml', () => {
  it('declares exactly the options the charm validates, with the same types and defaults', () => {
    const declared = Object.fromEntries(
      Object.entries(
        config.options as Record<string, { type: string; default: unknown; description: string }>,
      ).map(([name, option]) => [name, { type: option.type, default: option.default }]),
    );
    const inCode = Object.fromEntries(
      OPTION_KEYS.map((key) => [spec(key).option, { type: spec(key).type, default: spec(key).default }]),
    );
    expect(declared).toEqual(inCode);
    for (const option of Object.values(config.options) as Array<{ description?: string }>) {
      expect(option.description).toEqual(expect.any(String));
    }
  });

  it('keeps the Python charm types: strings, except log-level default, oidc-auth-type, redact-params, sample-rate (and our no-event-alert-period)', () => {
    const nonEmptyDefaults = Object.entries(
      config.options as Record<string, { type: string; default: unknown }>,
    )
      .filter(([, option]) => option.default !== '')
      .map(([name, option]) => [name, option.type, option.default]);
    expect(nonEmptyDefaults).toEqual([
      ['log-level', 'string', 'info'],
      ['supported-workflows', 'string', 'all'],
      ['supported-activities', 'string', 'all'],
      ['oidc-auth-type', 'string', 'service_account'],
      ['sentry-redact-params', 'boolean', false],
      ['sentry-sample-rate', 'float', 1],
      ['no-event-alert-period', 'string', '7d'],
    ]);
  });
});

describe('config.yml.template', () => {
  it('has the `juju config --file` shape, with only config.yaml keys', () => {
    const template = readYaml('config.yml.template');
    expect(Object.keys(template)).toEqual(['temporal-worker-k8s']);
    const keys = Object.keys(template['temporal-worker-k8s']);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((key) => !(key in config.options))).toEqual([]);
  });
});

describe('actions.yaml', () => {
  it('declares restart without parameters', () => {
    expect(Object.keys(actions)).toEqual(['restart']);
    expect(actions.restart.additionalProperties).toBe(false);
    expect(actions.restart.description).toEqual(expect.any(String));
  });
});

describe('dispatch', () => {
  it('is an executable POSIX shell script whose last word is the bundled charm', () => {
    const dispatch = path.join(ROOT, 'dispatch');
    accessSync(dispatch, constants.X_OK);
    expect(statSync(dispatch).mode & 0o111).toBe(0o111);
    const lines = readFileSync(dispatch, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('#!/bin/sh');
    // charmcraft's entrypoint linter: the last word of the last line is an executable file.
    expect(lines.at(-1)!.split(/\s+/).at(-1)).toBe('./dist/charm.js');
    expect(readFileSync(path.join(ROOT, 'scripts', 'build-charm.mjs'), 'utf8')).toMatch(
      /'dist', 'charm\.js'/,
    );
    expect(readFileSync(path.join(ROOT, 'scripts', 'build-charm.mjs'), 'utf8')).toContain(
      'chmodSync(outfile, 0o755)',
    );
  });
});
