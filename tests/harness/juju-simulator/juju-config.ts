// What `juju config` does with the charm's config.yaml: option defaults, and values
// checked and parsed by the option's type, as the CLI parses `key=value`.
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { ConfigValue } from './unit-state';

interface ConfigOption {
  type?: string;
  default?: ConfigValue | null;
}

export class JujuConfig {
  /** The options of config.yaml, or null when the charm has none (then any key is accepted as given). */
  private readonly options: Record<string, ConfigOption> | null;

  constructor(configYaml: string) {
    if (!existsSync(configYaml)) {
      this.options = null;
      return;
    }
    const parsed = parseYaml(readFileSync(configYaml, 'utf8')) as {
      options?: Record<string, ConfigOption | null>;
    } | null;
    this.options = Object.fromEntries(
      Object.entries(parsed?.options ?? {}).map(([name, option]) => [name, option ?? {}]),
    );
  }

  defaults(): Record<string, ConfigValue | null> {
    return Object.fromEntries(
      Object.entries(this.options ?? {}).map(([name, option]) => [name, option.default ?? null]),
    );
  }

  /** The value `juju config key=value` stores; null resets to the default. Throws as the CLI refuses. */
  value(key: string, value: ConfigValue | null): ConfigValue | null {
    if (value === null) return this.options?.[key]?.default ?? null;
    if (!this.options) return value;
    const option = this.options[key];
    if (!option) throw new Error(`juju config: unknown option "${key}"`);
    const text = String(value).trim();
    switch (option.type) {
      case 'int':
        if (typeof value === 'number' ? Number.isInteger(value) : /^-?\d+$/.test(text)) return Number(value);
        break;
      case 'float':
        if (typeof value === 'number' || (text !== '' && Number.isFinite(Number(text)))) return Number(value);
        break;
      case 'boolean':
        if (typeof value === 'boolean') return value;
        if (text === 'true' || text === 'false') return text === 'true';
        break;
      default:
        return typeof value === 'string' ? value : String(value);
    }
    throw new Error(`juju config: option "${key}" expected ${option.type}, got ${JSON.stringify(value)}`);
  }
}
