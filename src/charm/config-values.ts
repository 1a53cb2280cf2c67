// The validated config as the charm uses it, derived from config-get's answer. Kept
// apart from the zod rules (config.ts) so a hook whose config was checked before does not
// load zod: hooks must start fast.
import type { ConfigValue } from '../juju/types';
import { parseTemporalHost } from '../workload/temporal-host';
import { CONFIG_OPTIONS, OPTION_NAMES, type OptionName } from './config-options';

export type NameSelection = 'all' | string[];

export interface CharmConfig {
  /** Every option as the text the worker receives (`host` normalised to `name:port`). */
  values: Record<OptionName, string>;
  namespace: string;
  queue: string;
  supportedWorkflows: NameSelection;
  supportedActivities: NameSelection;
  workflowsFileName: string;
}

export type ConfigResult = { ok: true; config: CharmConfig } | { ok: false; message: string };

function selection(value: string): NameSelection {
  if (value.trim() === 'all') return 'all';
  return value.split(',').map((name) => name.trim());
}

export function asText(value: ConfigValue): string {
  return typeof value === 'string' ? value : String(value);
}

/** config-get's answer with every default filled in. */
export function effectiveConfig(raw: Record<string, ConfigValue | null>): Record<OptionName, ConfigValue> {
  const effective = {} as Record<OptionName, ConfigValue>;
  for (const name of OPTION_NAMES) effective[name] = raw[name] ?? CONFIG_OPTIONS[name].default;
  return effective;
}

/** The charm's view of a config that passed validateConfig (config.ts). */
export function deriveConfig(raw: Record<string, ConfigValue | null>): CharmConfig {
  const effective = effectiveConfig(raw);
  const values = {} as Record<OptionName, string>;
  for (const name of OPTION_NAMES) values[name] = asText(effective[name]);
  values.host = parseTemporalHost(values.host)!.address;
  values['log-level'] = values['log-level'].toLowerCase();
  return {
    values,
    namespace: values.namespace,
    queue: values.queue,
    supportedWorkflows: selection(values['supported-workflows']),
    supportedActivities: selection(values['supported-activities']),
    workflowsFileName: values['workflows-file-name'],
  };
}
