// What the worker process gets: the layer's environment (nothing secret, shown by
// `pebble plan`) and the secrets file's content (mode 0600, read by the worker at start).
import { ENV, configEnvName } from '../workload/contract';
import { digest } from './check-cache';
import type { CharmConfig } from './config-values';
import { OPTION_NAMES, isSecretOption } from './config-options';

/** Proxy settings of the model (`JUJU_CHARM_HTTP_PROXY` …), used when the config leaves them empty. */
export interface ModelProxies {
  http: string;
  https: string;
  no: string;
}

export interface WorkerEnvironmentInput {
  config: CharmConfig;
  envFileVariables: Record<string, string>;
  modelProxies: ModelProxies;
  secretsFile: string;
  statusFile: string;
  workflowsDir: string;
  ports: WorkerPorts;
}

/** Ports the worker listens on (HEALTH_PORT, PROMETHEUS_PORT unless a test moves them). */
export interface WorkerPorts {
  health: number;
  prometheus: number;
}

export interface WorkerEnvironment {
  /** For the layer: no secret values, only their digest (`TWC_SECRETS_HASH`). */
  layerEnvironment: Record<string, string>;
  secretsFileContent: string;
}

export const RUNTIME_HASH_ENV = 'TWC_RUNTIME_HASH';
export const WORKFLOWS_HASH_ENV = 'TWC_WORKFLOWS_HASH';
export const SECRETS_HASH_ENV = 'TWC_SECRETS_HASH';

function carriesCredentials(proxy: string): boolean {
  try {
    const url = new URL(proxy);
    return url.username !== '' || url.password !== '';
  } catch {
    return proxy.includes('@');
  }
}

export function renderWorkerEnvironment(input: WorkerEnvironmentInput): WorkerEnvironment {
  const { config, modelProxies } = input;
  const layerEnvironment: Record<string, string> = {};
  const secrets: Record<string, string> = { ...input.envFileVariables };

  for (const name of OPTION_NAMES) {
    const target = isSecretOption(name) ? secrets : layerEnvironment;
    target[configEnvName(name)] = config.values[name];
  }

  const proxies = [
    { option: 'http-proxy', variable: 'HTTP_PROXY', value: config.values['http-proxy'] || modelProxies.http },
    {
      option: 'https-proxy',
      variable: 'HTTPS_PROXY',
      value: config.values['https-proxy'] || modelProxies.https,
    },
    { option: 'no-proxy', variable: 'NO_PROXY', value: config.values['no-proxy'] || modelProxies.no },
  ] as const;
  for (const { option, variable, value } of proxies) {
    if (value === '') continue;
    // A proxy URL with a password is a secret: it and the option it came from leave the layer.
    const target = carriesCredentials(value) ? secrets : layerEnvironment;
    if (target === secrets) {
      delete layerEnvironment[configEnvName(option)];
      secrets[configEnvName(option)] = config.values[option];
    }
    target[variable] = value;
    target[variable.toLowerCase()] = value;
  }

  Object.assign(layerEnvironment, {
    [ENV.secretsFile]: input.secretsFile,
    [ENV.workflowsDir]: input.workflowsDir,
    [ENV.statusFile]: input.statusFile,
    [ENV.healthPort]: String(input.ports.health),
    [ENV.prometheusPort]: String(input.ports.prometheus),
  });

  const sortedSecrets = Object.fromEntries(Object.entries(secrets).sort(([a], [b]) => a.localeCompare(b)));
  const secretsFileContent = `${JSON.stringify(sortedSecrets, null, 2)}\n`;
  layerEnvironment[SECRETS_HASH_ENV] = digest(secretsFileContent);
  return { layerEnvironment, secretsFileContent };
}
