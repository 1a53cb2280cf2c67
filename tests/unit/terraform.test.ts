// The Terraform module (terraform/) checked against the charm it deploys. `terraform
// validate` needs the juju provider, which cannot be downloaded here, so the HCL is
// parsed with @cdktf/hcl2json and compared with config.yaml and metadata.yaml.
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { parse as parseYaml } from 'yaml';
import { OPTION_KEYS, spec } from '../../src/contract/settings';
import { PROJECT_ROOT } from '../harness/tools';

const MODULE_DIR = path.join(PROJECT_ROOT, 'terraform');

type Hcl = Record<string, unknown>;
type Blocks = Record<string, Hcl[]>;

interface Module {
  variables: Blocks;
  locals: Hcl;
  resources: Record<string, Blocks>;
  outputs: Blocks;
  terraform: Hcl[];
}

async function loadModule(): Promise<Module> {
  const loaded: Module = { variables: {}, locals: {}, resources: {}, outputs: {}, terraform: [] };
  for (const file of readdirSync(MODULE_DIR).filter((name) => name.endsWith('.tf'))) {
    const parsed = (await parseHcl(file, readFileSync(path.join(MODULE_DIR, file), 'utf8'))) as Hcl;
    Object.assign(loaded.variables, parsed.variable ?? {});
    for (const block of (parsed.locals as Hcl[] | undefined) ?? []) Object.assign(loaded.locals, block);
    for (const [type, byName] of Object.entries(
      (parsed.resource as Record<string, Blocks> | undefined) ?? {},
    )) {
      loaded.resources[type] = { ...loaded.resources[type], ...byName };
    }
    Object.assign(loaded.outputs, parsed.output ?? {});
    loaded.terraform.push(...((parsed.terraform as Hcl[] | undefined) ?? []));
  }
  return loaded;
}

function readYaml(file: string): Hcl {
  return parseYaml(readFileSync(path.join(PROJECT_ROOT, file), 'utf8')) as Hcl;
}

/** `${var.name}` → `name`. */
function variableOf(expression: unknown): string {
  const match = /^\$\{var\.([a-z_][a-z0-9_]*)\}$/.exec(String(expression));
  if (!match) throw new Error(`expected a plain variable reference, got ${String(expression)}`);
  return match[1]!;
}

function only<T>(blocks: T[] | undefined, what: string): T {
  expect(blocks).toHaveLength(1);
  if (!blocks?.[0]) throw new Error(`no ${what}`);
  return blocks[0];
}

let tfModule: Module;
let configOptions: Record<string, { type: string }>;
let metadata: { name: string; resources: Record<string, { type: string; 'upstream-source'?: string }> };

beforeAll(async () => {
  tfModule = await loadModule();
  configOptions = (readYaml('config.yaml') as { options: typeof configOptions }).options;
  metadata = readYaml('metadata.yaml') as typeof metadata;
});

const secretConfig = () => tfModule.locals.secret_config as Record<string, string>;
const plainOptions = () => tfModule.locals.plain_options as string[];

describe('terraform/ module', () => {
  it('pins the juju/juju provider to a range with an upper bound', () => {
    const providers = only(
      tfModule.terraform.flatMap((block) => block.required_providers as Hcl[]),
      'required_providers',
    );
    const juju = providers.juju as { source: string; version: string };
    expect(juju.source).toBe('juju/juju');
    expect(juju.version).toMatch(/^~>\s*\d+\.\d+$|<\s*\d/);
  });

  it('sets only options that config.yaml defines, and can set every one of them', () => {
    const moduleKeys = [...Object.keys(secretConfig()), ...plainOptions()];
    expect(new Set(moduleKeys).size).toBe(moduleKeys.length);
    for (const key of moduleKeys) expect(Object.keys(configOptions)).toContain(key);
    expect([...moduleKeys].sort()).toEqual(Object.keys(configOptions).sort());
  });

  it('takes exactly the secret options through sensitive variables', () => {
    const secretOptions = OPTION_KEYS.filter((key) => spec(key).secret).map((key) => spec(key).option!);
    expect(Object.keys(secretConfig()).sort()).toEqual([...secretOptions].sort());
    const sensitive = Object.entries(tfModule.variables)
      .filter(([, blocks]) => only(blocks, 'variable').sensitive === true)
      .map(([name]) => name);
    const secretVariables = Object.values(secretConfig()).map(variableOf);
    expect(secretVariables.sort()).toEqual(sensitive.sort());
    for (const name of secretVariables) {
      expect(only(tfModule.variables[name], name)).toMatchObject({ sensitive: true, default: null });
    }
  });

  it('refuses config keys outside the plain options before deploying', () => {
    const application = only(tfModule.resources.juju_application?.temporal_worker, 'juju_application');
    const lifecycle = only(application.lifecycle as Hcl[], 'lifecycle');
    const conditions = (lifecycle.precondition as Hcl[]).map((check) => String(check.condition));
    expect(conditions).toContain('${length(setsubtract(keys(var.config), local.plain_options)) == 0}');
    expect(application.config).toBe('${local.config}');
    expect(tfModule.locals.config).toContain('var.config');
    expect(tfModule.locals.config).toContain('local.secret_config');
  });

  it('deploys the charm metadata.yaml names, 2 units by default, as temporal-worker-k8s', () => {
    expect(tfModule.locals.charm_name).toBe(metadata.name);
    expect(only(tfModule.variables.app_name, 'app_name').default).toBe('temporal-worker-k8s');
    expect(only(tfModule.variables.units, 'units').default).toBe(2);
    const application = only(tfModule.resources.juju_application?.temporal_worker, 'juju_application');
    const dynamic = application.dynamic as Record<string, Hcl[]>;
    for (const block of ['charm', 'local_charm']) {
      const content = only(only(dynamic[block], block).content as Hcl[], `${block} content`);
      expect(content.name).toBe('${local.charm_name}');
    }
  });

  it('names resources that metadata.yaml declares, with their types', () => {
    expect(metadata.resources[tfModule.locals.image_resource as string]?.type).toBe('oci-image');
    const fileResources = Object.keys(tfModule.locals.file_resources as Hcl);
    expect(fileResources.sort()).toEqual(['env-file', 'workflows-file']);
    for (const name of fileResources) expect(metadata.resources[name]?.type).toBe('file');
  });

  it('defaults the image to the upstream-source of metadata.yaml', () => {
    const image = metadata.resources[tfModule.locals.image_resource as string]?.['upstream-source'];
    expect(only(tfModule.variables.image, 'image').default).toBe(image);
  });

  it('attaches local files with juju attach-resource, never putting a value on the command line', () => {
    const attach = only(tfModule.resources.terraform_data?.attached_resource, 'terraform_data');
    expect(attach.for_each).toBe('${local.resource_files}');
    const provisioner = only((attach.provisioner as Record<string, Hcl[]>)['local-exec'], 'local-exec');
    expect(provisioner.command).toBe(
      'juju attach-resource --model "$MODEL" "$APPLICATION" "$RESOURCE=$RESOURCE_FILE"',
    );
    expect(String((attach.triggers_replace as Hcl).sha256)).toContain('filesha256(each.value)');
  });

  it('outputs the application name', () => {
    expect(only(tfModule.outputs.app_name, 'app_name').value).toBe(
      '${juju_application.temporal_worker.name}',
    );
  });

  it("README's example uses only plain options in config and the module's variables", async () => {
    const readme = readFileSync(path.join(MODULE_DIR, 'README.md'), 'utf8');
    const example = /```hcl\n([\s\S]+?)```/.exec(readme)?.[1];
    if (!example) throw new Error('terraform/README.md has no ```hcl example');
    const parsed = (await parseHcl('example.tf', example)) as { module: Record<string, Hcl[]> };
    const call = only(parsed.module.temporal_worker, 'module call');
    expect(call.source).toBe('./terraform');
    for (const key of Object.keys(call.config as Hcl)) expect(plainOptions()).toContain(key);
    for (const argument of Object.keys(call).filter((name) => name !== 'source')) {
      expect(Object.keys(tfModule.variables)).toContain(argument);
    }
  });
});
