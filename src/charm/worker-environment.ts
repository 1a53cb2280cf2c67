// What the worker gets: the layer environment (no secret values: they are visible in
// `pebble plan`) and the secrets file's content (mode 0600, read by the worker at start),
// rendered from the settings table.
import { OPTION_KEYS, SETTINGS, fileEnv, settingText, spec, type ConfigValue } from '../contract/settings';
import type { ContainerLayout } from '../contract/container';
import { normalizeProxyUrl, proxyHasCredentials } from '../contract/setting-rules';
import { digest } from './digest';

/** Proxy settings of the model (`JUJU_CHARM_HTTP_PROXY` …), used when the config leaves them empty. */
export interface ModelProxies {
  http: string;
  https: string;
  no: string;
}

/** Ports the worker listens on (HEALTH_PORT, PROMETHEUS_PORT, WORKFLOWS_METRICS_PORT unless a test moves them). */
export interface WorkerPorts {
  health: number;
  prometheus: number;
  workflowsMetrics: number;
}

export interface WorkerEnvironmentInput {
  /** config-get's answer (unset options null). */
  config: Record<string, ConfigValue | null>;
  envFileVariables: Record<string, string>;
  /** Options whose value came from a Juju secret: secret whatever the table says. */
  optionsFromSecret?: ReadonlySet<string>;
  modelProxies: ModelProxies;
  layout: ContainerLayout;
  workflowsHash: string;
  ports: WorkerPorts;
}

/** A setting handed over in a file of the container (SettingSpec.file); its name carries its digest. */
export interface SettingFile {
  path: string;
  content: string;
}

export interface WorkerEnvironment {
  /** For the layer: no secret values (their restart trigger is added by the layer: restart-key.ts). */
  layerEnvironment: Record<string, string>;
  /** Settings too large for the layer environment, each named there by `<env>_FILE`. */
  settingFiles: SettingFile[];
  secretsFileContent: string;
}

export function renderWorkerEnvironment(input: WorkerEnvironmentInput): WorkerEnvironment {
  const { config, modelProxies, layout } = input;
  const layerEnvironment: Record<string, string> = {};
  const secrets: Record<string, string> = { ...input.envFileVariables };
  const text = (key: (typeof OPTION_KEYS)[number]) =>
    settingText(config[spec(key).option!] ?? spec(key).default);

  const settingFiles: SettingFile[] = [];
  // What only the charm reads stays out: changing it must not restart the worker.
  for (const key of OPTION_KEYS.filter((option) => spec(option).readers.includes('worker'))) {
    if (spec(key).file && !spec(key).secret) {
      const content = text(key);
      if (content === '') continue;
      const file = layout.settingFile(`${spec(key).option!}-${digest(content).slice(0, 16)}`);
      settingFiles.push({ path: file, content });
      layerEnvironment[fileEnv(key)] = file;
      continue;
    }
    const secret = spec(key).secret || input.optionsFromSecret?.has(spec(key).option!);
    const target = secret ? secrets : layerEnvironment;
    target[spec(key).env] = text(key);
  }

  const proxies = [
    { key: 'httpProxy', variable: 'HTTP_PROXY', fallback: modelProxies.http },
    { key: 'httpsProxy', variable: 'HTTPS_PROXY', fallback: modelProxies.https },
    { key: 'noProxy', variable: 'NO_PROXY', fallback: modelProxies.no },
  ] as const;
  for (const { key, variable, fallback } of proxies) {
    const given = text(key) || fallback;
    if (given.trim() === '') continue;
    // `user:pw@squid:3128` means http://; a URL with a user or password is a secret: it and
    // the option it came from leave the layer (SECURITY.md, item 1).
    const value = variable === 'NO_PROXY' ? given : normalizeProxyUrl(given);
    const target = variable !== 'NO_PROXY' && proxyHasCredentials(value) ? secrets : layerEnvironment;
    target[variable] = value;
    target[variable.toLowerCase()] = value;
  }

  Object.assign(layerEnvironment, {
    [SETTINGS.secretsFile.env]: layout.secretsFile,
    [SETTINGS.workflowsDir.env]: layout.workflowsDir(input.workflowsHash),
    [SETTINGS.statusFile.env]: layout.statusFile,
    [SETTINGS.healthPort.env]: String(input.ports.health),
    [SETTINGS.prometheusPort.env]: String(input.ports.prometheus),
    [SETTINGS.workflowsMetricsPort.env]: String(input.ports.workflowsMetrics),
  });

  const sortedSecrets = Object.fromEntries(Object.entries(secrets).sort(([a], [b]) => a.localeCompare(b)));
  const secretsFileContent = `${JSON.stringify(sortedSecrets, null, 2)}\n`;
  return { layerEnvironment, settingFiles, secretsFileContent };
}
