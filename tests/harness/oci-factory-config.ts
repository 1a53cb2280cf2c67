// The OCI Factory's config.yml.template for the Python charm (tests/fixtures/oci-factory/,
// copied from canonical/oci-factory `tools/workflow-engine/charms/temporal-worker/` at
// 26adc1d6), filled in as an operator would: the candid keys it leaves commented out, and
// optionally another host, candid-url or CA. Text substitution, so everything else (the
// quoting, the trailing spaces after BEGIN CERTIFICATE, the wheel's workflows-file-name)
// reaches `juju config --file` as the rocks team writes it.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from './tools';

export const SEED_CONFIG_TEMPLATE = path.join(
  PROJECT_ROOT,
  'tests',
  'fixtures',
  'oci-factory',
  'config.yml.template',
);

export interface SeedConfigValues {
  candidUsername: string;
  candidPublicKey: string;
  candidPrivateKey: string;
  candidUrl?: string;
  host?: string;
  /** PEM of the CA that replaces the ISRG root (its BEGIN line keeps the template's trailing spaces). */
  ca?: string;
}

function replaceOnce(
  text: string,
  from: string | RegExp,
  to: string | ((...groups: string[]) => string),
): string {
  const replaced = text.replace(from, typeof to === 'string' ? () => to : to);
  if (replaced === text) throw new Error(`the seed's config.yml.template has no ${String(from)}`);
  return replaced;
}

export function fillSeedConfig(values: SeedConfigValues): string {
  let text = readFileSync(SEED_CONFIG_TEMPLATE, 'utf8');
  text = replaceOnce(text, '# candid-private-key:', `candid-private-key: "${values.candidPrivateKey}"`);
  text = replaceOnce(text, '# candid-public-key:', `candid-public-key: "${values.candidPublicKey}"`);
  text = replaceOnce(text, '# candid-username:', `candid-username: "${values.candidUsername}"`);
  if (values.candidUrl) text = replaceOnce(text, /candid-url: "[^"]*"/, `candid-url: "${values.candidUrl}"`);
  if (values.host) text = replaceOnce(text, /host: "[^"]*"/, `host: "${values.host}"`);
  if (values.ca) {
    const body = values.ca
      .trim()
      .split('\n')
      .filter((line) => !line.startsWith('-----'))
      .map((line) => `    ${line}`)
      .join('\n');
    text = replaceOnce(
      text,
      /(-----BEGIN CERTIFICATE----- *\n)[\s\S]*?(\n *-----END CERTIFICATE-----)/,
      (_all, begin: string, end: string) => `${begin}${body}${end}`,
    );
  }
  return text;
}
