// The alert rules the charm ships (src/prometheus_alert_rules/*.rules), as the
// prometheus_scrape consumer reads them from `alert_rules`: groups named after the
// topology, every rule labelled with it, and every expression filtered by it
// (docs/juju-pebble-contract.md §2.6).
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { loadYaml } from '../../yaml';
import { topologyIdentifier, topologyLabels, topologyMatchers, type JujuTopology } from './topology';

export const ALERT_RULES_DIR = path.join('src', 'prometheus_alert_rules');

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  [key: string]: unknown;
}
interface RuleGroup {
  name: string;
  rules: Rule[];
}
export interface RuleFile {
  groups: RuleGroup[];
}

export interface AlertRuleOptions {
  /** `no-event-alert-period`, in seconds. */
  noEventAlertSeconds: number;
}

function sanitizeGroupName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_:]/g, '_');
}

/** The rule files of `charmDir`, rendered for this topology; `{}` when there are none. */
export function renderAlertRules(
  charmDir: string,
  topology: JujuTopology,
  options: AlertRuleOptions,
): RuleFile | Record<string, never> {
  const dir = path.join(charmDir, ALERT_RULES_DIR);
  const files = readdirSync(dir)
    .filter((name) => /\.(rules?|ya?ml)$/.test(name))
    .sort();
  const groups: RuleGroup[] = [];
  for (const file of files) {
    const parsed = loadYaml().parse(readFileSync(path.join(dir, file), 'utf8')) as RuleFile;
    for (const group of parsed.groups ?? []) {
      const name = `${topologyIdentifier(topology)}_${group.name}`;
      groups.push({
        name: sanitizeGroupName(name.endsWith('_rules') ? name : `${name}_rules`),
        rules: group.rules.map((rule) => ({
          ...rule,
          expr: String(rule.expr)
            .replaceAll('%%juju_topology%%', topologyMatchers(topology))
            .replaceAll('%%no_event_alert_seconds%%', String(options.noEventAlertSeconds))
            .replaceAll('%%no_event_lookback%%', `${2 * options.noEventAlertSeconds}s`),
          labels: { ...topologyLabels(topology), ...rule.labels },
        })),
      });
    }
  }
  return groups.length ? { groups } : {};
}
