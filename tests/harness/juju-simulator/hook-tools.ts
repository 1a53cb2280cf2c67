// What each simulated hook tool does to the unit's state, in one place: the semantics of
// docs/juju-pebble-contract.md §2.2. Exit 0 ok, 2 usage error, 1 runtime error, with
// `ERROR <message>` on stderr; state-set, relation-set and open-port change only the
// hook's pending view (committed when the hook exits 0); statuses take effect at once.
// Every transport (in-process, the executables on PATH, the agent) calls runHookTool.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  FORMAT,
  RELATION,
  ToolExit,
  failure,
  formatOf,
  formatOutput,
  noExtraArgs,
  parseArgs,
  parseKeyValues,
  parseSettingsFile,
  usage,
} from './command-line';
import type { ActionContext, HookContext, RelationState, StatusEntry, UnitState } from './unit-state';

export interface ToolRequest {
  tool: string;
  args: string[];
  /** The caller's JUJU_CONTEXT_ID: tools answer only the hook that is running. */
  contextId: string | undefined;
  /** The caller's JUJU_REMOTE_UNIT: relation-get's default unit. */
  remoteUnit?: string;
  /** The caller's working directory, for a relative `--file`. */
  cwd: string;
  /** The caller's stdin, read only by tools that need it; throws when none was supplied. */
  readStdin(): string;
}

export interface ToolResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** What Juju answers a tool that reads stdin the caller did not send (docs/juju-pebble-contract.md §2.1). */
export const NO_STDIN = 'hook tool requires stdin, none supplied';

const STATUSES = ['maintenance', 'blocked', 'waiting', 'active'];
const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'];
const RESERVED_ACTION_KEYS = ['stdout', 'stdout-encoding', 'stderr', 'stderr-encoding'];
const ACTION_KEY_PART = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const STATE_KEY_MAX_BYTES = 256;
const STATE_VALUE_MAX_BYTES = 64 * 1024;

type Tool = (args: string[], state: UnitState, context: HookContext, request: ToolRequest) => string;

function requireAction(context: HookContext): ActionContext {
  if (!context.action) throw failure('not running an action');
  return context.action;
}

function relationFor(
  state: UnitState,
  context: HookContext,
  ref: string | boolean | undefined,
): { key: string; relation: RelationState } {
  const wanted = typeof ref === 'string' ? ref : context.relationId;
  if (wanted === undefined || wanted === '') throw usage('no relation id specified');
  const idText = wanted.split(':').pop()!;
  if (!/^\d+$/.test(idText)) throw usage(`invalid relation id "${wanted}"`);
  const found = Object.entries(state.relations).find(([key]) => key.split(':').pop() === idText);
  if (!found || (wanted.includes(':') && wanted !== found[0])) {
    throw usage(`invalid value "${wanted}" for option -r: relation not found`);
  }
  return { key: found[0], relation: found[1] };
}

const appOf = (unit: string) => unit.split('/')[0]!;

function printed(state: UnitState, text: string): void {
  if (text) state.printed.push(text);
}

/** `--file` (a path, or `-` for stdin) and inline `key=value` arguments, merged. */
function settingsFrom(
  flags: Record<string, string | boolean | undefined>,
  positional: string[],
  request: ToolRequest,
  what: string,
): Record<string, string> {
  let settings: Record<string, string> = {};
  if (typeof flags.file === 'string') {
    let text: string;
    if (flags.file === '-') {
      text = request.readStdin();
    } else {
      try {
        text = readFileSync(path.resolve(request.cwd, flags.file), 'utf8');
      } catch (err) {
        throw failure(`cannot read ${flags.file}: ${(err as Error).message}`);
      }
    }
    settings = parseSettingsFile(text, what);
  }
  return { ...settings, ...parseKeyValues(positional) };
}

function changePorts(args: string[], context: HookContext, open: boolean): string {
  const { positional } = parseArgs(args, { endpoints: { type: 'string' } });
  if (positional.length !== 1) {
    throw usage('expected <port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp');
  }
  const spec = positional[0]!.toLowerCase();
  const match = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp))?$/.exec(spec);
  if (spec !== 'icmp' && !match) throw usage(`invalid port or range "${positional[0]}"`);
  if (match?.[2]) throw failure('port ranges are not supported on Kubernetes');
  const port = match ? `${match[1]}/${match[3] ?? 'tcp'}` : 'icmp';
  const ports = context.pending.ports.filter((p) => p !== port);
  if (open) ports.push(port);
  context.pending.ports = ports;
  return '';
}

const TOOLS: Record<string, Tool> = {
  'config-get'(args, state) {
    const { flags, positional } = parseArgs(args, { ...FORMAT, all: { type: 'bool', aliases: ['a'] } });
    noExtraArgs(positional, 1);
    const [key] = positional;
    if (flags.all && key !== undefined) throw usage(`cannot use argument --all together with key ${key}`);
    if (key !== undefined) return formatOutput(state.config[key] ?? null, formatOf(flags));
    const config = Object.fromEntries(
      Object.entries(state.config).filter(([, value]) => flags.all || value !== null),
    );
    return formatOutput(config, formatOf(flags));
  },

  'status-set'(args, state) {
    const { flags, positional } = parseArgs(args, { application: { type: 'bool' } });
    if (positional.length < 1) throw usage('invalid args, require <status> [message] [data]');
    noExtraArgs(positional, 2);
    const [status, message = ''] = positional as [string, string?];
    if (!STATUSES.includes(status)) {
      throw usage(`invalid status "${status}", expected one of [${STATUSES.join(' ')}]`);
    }
    const entry: StatusEntry = { status, message, since: new Date().toISOString() };
    if (flags.application) {
      if (!state.leader) throw failure('this unit is not the leader');
      state.applicationStatus = entry;
    } else {
      state.status = entry;
      state.statusHistory.push(entry);
    }
    printed(state, message);
    return '';
  },

  'status-get'(args, state) {
    const { flags, positional } = parseArgs(args, {
      ...FORMAT,
      'include-data': { type: 'bool' },
      application: { type: 'bool' },
    });
    noExtraArgs(positional, 1);
    const format = formatOf(flags);
    const unit = { status: state.status.status, message: state.status.message, 'status-data': {} };
    if (flags.application) {
      if (!state.leader) throw failure('finding application status: this unit is not the leader');
      const app = state.applicationStatus ?? { status: 'unknown', message: '' };
      const value = {
        'application-status': {
          status: app.status,
          message: app.message,
          'status-data': {},
          units: { [state.unit]: unit },
        },
      };
      return formatOutput(value, format === 'smart' ? 'yaml' : format);
    }
    if (!flags['include-data'] && format === 'smart') return formatOutput(unit.status, 'smart');
    return formatOutput(flags['include-data'] ? unit : { status: unit.status }, format);
  },

  'juju-log'(args, state, context) {
    const { flags, positional } = parseArgs(args, {
      'log-level': { type: 'string', aliases: ['l'], default: 'INFO' },
      debug: { type: 'bool' },
      format: { type: 'string' },
    });
    if (positional.length === 0) throw usage('no message specified');
    let level = flags.debug ? 'DEBUG' : String(flags['log-level']).toUpperCase();
    if (!LOG_LEVELS.includes(level)) {
      // An unknown level is not an error: Juju warns and logs at INFO.
      const warning = `Specified log level of "${String(flags['log-level'])}" is not valid`;
      state.logs.push({ level: 'WARNING', message: warning });
      state.debugLog.push({ level: 'WARNING', hook: context.hookName, message: warning });
      level = 'INFO';
    }
    let message = positional.join(' ');
    if (context.relationId) message = `${context.relationId}: ${message}`;
    state.logs.push({ level, message });
    state.debugLog.push({ level, hook: context.hookName, message });
    printed(state, message);
    return '';
  },

  'is-leader'(args, state) {
    const { flags, positional } = parseArgs(args, FORMAT);
    noExtraArgs(positional, 0);
    return formatOutput(state.leader, formatOf(flags));
  },

  'resource-get'(args, state) {
    const { positional } = parseArgs(args, {});
    const [name] = positional;
    if (name === undefined) throw usage('missing required resource name');
    noExtraArgs(positional, 1);
    const resourcePath = state.resources[name];
    if (!resourcePath) {
      throw failure(
        `could not download resource: HTTP request failed: Get https://10.0.0.1:17070/model/${state.modelUuid}` +
          `/units/unit-${state.unit.replace('/', '-')}/resources/${name}: resource#${appOf(state.unit)}/${name} not found`,
      );
    }
    // The real tool prints the path with no trailing newline (docs/juju-pebble-contract.md §2.2).
    return resourcePath;
  },

  'application-version-set'(args, state) {
    const { positional } = parseArgs(args, {});
    if (positional.length !== 1) throw usage('application-version-set takes exactly one argument: <version>');
    state.applicationVersion = positional[0]!;
    printed(state, positional[0]!);
    return '';
  },

  'action-get'(args, _state, context) {
    const action = requireAction(context);
    const { flags, positional } = parseArgs(args, FORMAT);
    let value: unknown = action.params;
    for (const key of positional.length ? positional[0]!.split('.') : []) {
      value =
        value !== null && typeof value === 'object' && key in value
          ? (value as Record<string, unknown>)[key]
          : null;
    }
    const format = formatOf(flags);
    return formatOutput(value, format === 'smart' ? 'yaml' : format);
  },

  'action-set'(args, state, context) {
    const action = requireAction(context);
    const { positional } = parseArgs(args, {});
    if (positional.length === 0) throw usage('no key=value pairs given');
    const updates: Array<[string[], string]> = [];
    for (const arg of positional) {
      const eq = arg.indexOf('=');
      if (eq <= 0) throw usage(`argument "${arg}" must be of the form key...=value`);
      const key = arg.slice(0, eq);
      const parts = key.split('.');
      if (!parts.every((part) => ACTION_KEY_PART.test(part))) {
        throw usage(
          `key "${key}" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods`,
        );
      }
      if (RESERVED_ACTION_KEYS.includes(parts[0]!)) {
        throw usage(`cannot set reserved action key "${parts[0]}"`);
      }
      updates.push([parts, arg.slice(eq + 1)]);
    }
    for (const [parts, value] of updates) {
      let node = action.results;
      for (const part of parts.slice(0, -1)) {
        const child = node[part];
        node = (child !== null && typeof child === 'object' ? child : (node[part] = {})) as Record<
          string,
          unknown
        >;
      }
      node[parts.at(-1)!] = value;
      printed(state, value);
    }
    return '';
  },

  'action-fail'(args, state, context) {
    const action = requireAction(context);
    const { positional } = parseArgs(args, {});
    noExtraArgs(positional, 1);
    action.failed = true;
    action.message = positional[0] || 'action failed without reason given, check action for errors';
    printed(state, action.message);
    return '';
  },

  'action-log'(args, state, context) {
    const action = requireAction(context);
    const { positional } = parseArgs(args, {});
    if (positional.length === 0) throw usage('no message specified');
    const message = positional.join(' ');
    action.logs.push(message);
    printed(state, message);
    return '';
  },

  'relation-ids'(args, state, context) {
    const { flags, positional } = parseArgs(args, FORMAT);
    noExtraArgs(positional, 1);
    const endpoint = positional[0] ?? context.relationId?.split(':')[0];
    if (!endpoint) throw usage('no endpoint name specified');
    const ids = Object.keys(state.relations)
      .filter((key) => key.split(':')[0] === endpoint)
      .sort((a, b) => Number(a.split(':')[1]) - Number(b.split(':')[1]));
    return formatOutput(ids, formatOf(flags));
  },

  'relation-list'(args, state, context) {
    const { flags, positional } = parseArgs(args, { ...FORMAT, ...RELATION, app: { type: 'bool' } });
    noExtraArgs(positional, 0);
    const { relation } = relationFor(state, context, flags.relation);
    if (flags.app) return formatOutput(relation.remoteApp, formatOf(flags));
    return formatOutput(Object.keys(relation.remoteUnits).sort(), formatOf(flags));
  },

  'relation-get'(args, state, context, request) {
    const { flags, positional } = parseArgs(args, { ...FORMAT, ...RELATION, app: { type: 'bool' } });
    noExtraArgs(positional, 2);
    const { key: relationKey, relation } = relationFor(state, context, flags.relation);
    const settingsKey = positional[0] && positional[0] !== '-' ? positional[0] : undefined;
    const target = positional[1] || request.remoteUnit || '';
    if (!target) throw usage('no unit id specified');
    // Reading this unit (or this application) gives the hook's own, uncommitted view.
    const local = context.pending.relations[relationKey]!;
    let data: Record<string, string> | undefined;
    if (flags.app) {
      const app = appOf(target);
      if (app === appOf(state.unit)) data = local.localApp;
      else if (app === relation.remoteApp) data = relation.remoteAppData;
      else throw failure('permission denied');
    } else {
      if (!target.includes('/')) throw failure(`expected unit name, got application name "${target}"`);
      data = target === state.unit ? local.localUnit : relation.remoteUnits[target];
      if (!data) {
        throw failure(
          `cannot read settings for unit "${target}" in relation "${relationKey}": unit "${target}": settings not found`,
        );
      }
    }
    const format = formatOf(flags);
    if (settingsKey !== undefined) return formatOutput(data[settingsKey] ?? null, format);
    return formatOutput(data, format === 'smart' ? 'yaml' : format);
  },

  'relation-set'(args, state, context, request) {
    const { flags, positional } = parseArgs(args, {
      ...RELATION,
      app: { type: 'bool' },
      file: { type: 'string' },
    });
    const { key: relationKey } = relationFor(state, context, flags.relation);
    const settings = settingsFrom(flags, positional, request, 'relation settings');
    if (flags.app && !state.leader) throw failure('cannot write relation settings');
    const target = context.pending.relations[relationKey]![flags.app ? 'localApp' : 'localUnit'];
    for (const [key, value] of Object.entries(settings)) {
      if (value === '') delete target[key];
      else target[key] = value;
    }
    return '';
  },

  'state-get'(args, _state, context) {
    const { flags, positional } = parseArgs(args, { ...FORMAT, strict: { type: 'bool' } });
    noExtraArgs(positional, 1);
    const charmState = context.pending.state;
    const format = formatOf(flags);
    const [key] = positional;
    if (key !== undefined) {
      if (key in charmState) return formatOutput(charmState[key], format);
      if (flags.strict) throw failure(`"${key}" not found`);
      return formatOutput('', format);
    }
    // Juju 4 prints null for empty state: behave like it so callers handle both.
    const value = Object.keys(charmState).length ? charmState : null;
    return formatOutput(value, format === 'smart' ? 'yaml' : format);
  },

  'state-set'(args, _state, context, request) {
    const { flags, positional } = parseArgs(args, { file: { type: 'string' } });
    const settings = settingsFrom(flags, positional, request, 'charm state');
    for (const [key, value] of Object.entries(settings)) {
      if (Buffer.byteLength(key) > STATE_KEY_MAX_BYTES) {
        throw failure(`key "${key.slice(0, 20)}…" exceeds the ${STATE_KEY_MAX_BYTES} byte limit`);
      }
      if (Buffer.byteLength(value) > STATE_VALUE_MAX_BYTES) {
        throw failure(`value for key "${key}" exceeds the ${STATE_VALUE_MAX_BYTES} byte limit`);
      }
    }
    for (const [key, value] of Object.entries(settings)) {
      if (value === '') delete context.pending.state[key];
      else context.pending.state[key] = value;
    }
    return '';
  },

  'state-delete'(args, _state, context) {
    const { positional } = parseArgs(args, {});
    if (positional.length !== 1) throw usage('state-delete takes exactly one argument: <key>');
    delete context.pending.state[positional[0]!];
    return '';
  },

  'open-port'(args, _state, context) {
    return changePorts(args, context, true);
  },

  'close-port'(args, _state, context) {
    return changePorts(args, context, false);
  },

  'network-get'(args, state, context) {
    const { flags, positional } = parseArgs(args, {
      ...FORMAT,
      ...RELATION,
      'bind-address': { type: 'bool' },
      'ingress-address': { type: 'bool' },
      'egress-subnets': { type: 'bool' },
      'primary-address': { type: 'bool' },
    });
    if (positional.length !== 1) throw usage('no arguments specified');
    if (flags.relation !== undefined) relationFor(state, context, flags.relation);
    const format = formatOf(flags);
    // Every endpoint of the charm is bound to the pod's one network on Kubernetes.
    const chosen = ['bind-address', 'ingress-address', 'egress-subnets'].filter((flag) => flags[flag]);
    const egress = [`${state.address}/32`];
    if (chosen.length === 1) {
      const value = chosen[0] === 'egress-subnets' ? egress.join(',') : state.address;
      return formatOutput(value, format);
    }
    const full = {
      'bind-addresses': [
        {
          'mac-address': '',
          'interface-name': 'eth0',
          addresses: [{ hostname: '', value: state.address, cidr: `${state.address}/32` }],
        },
      ],
      'egress-subnets': egress,
      'ingress-addresses': [state.address],
    };
    return formatOutput(full, format === 'smart' ? 'yaml' : format);
  },

  'secret-get'(args, state) {
    const { flags, positional } = parseArgs(args, {
      ...FORMAT,
      label: { type: 'string' },
      peek: { type: 'bool' },
      refresh: { type: 'bool' },
    });
    // Juju's order (docs/juju-pebble-contract.md §2.4): the URI, then the lone flags' check, then one key.
    const [uri, key] = positional;
    // `secret:<20 lowercase base32 chars>`, `secret://<model uuid>/<id>` (what a providing
    // charm shares in relation data, docs/relations.md §3.4), or the bare id.
    const id =
      uri === undefined ? undefined : /^(?:secret:(?:\/\/[0-9a-f-]{36}\/)?)?([0-9a-v]{20})$/.exec(uri)?.[1];
    if (uri !== undefined && !id) throw usage(`secret URI "${uri}" not valid`);
    if (!id) throw usage('require either a secret URI or label');
    if (flags.peek && flags.refresh) throw usage('specify one of --peek or --refresh but not both');
    noExtraArgs(positional, 2);
    const secret = state.secrets[`secret:${id}`];
    if (!secret) throw failure(`secret "${id}" not found`);
    if (!secret.granted) throw failure('permission denied');
    const latest = secret.revisions.length;
    if (secret.tracked === 0 || flags.refresh) secret.tracked = latest;
    const revision = flags.peek ? latest : secret.tracked;
    const content = secret.revisions[revision - 1]!;
    if (key === undefined) return formatOutput(content, formatOf(flags));
    if (content[key] === undefined) throw failure(`secret key value "${key}" not found`);
    return formatOutput(content[key], formatOf(flags));
  },

  'opened-ports'(args, state) {
    const { flags, positional } = parseArgs(args, { ...FORMAT, endpoints: { type: 'bool' } });
    noExtraArgs(positional, 0);
    const ports = flags.endpoints ? state.ports.map((p) => `${p} (*)`) : state.ports;
    return formatOutput(ports, formatOf(flags));
  },
};

/** Every tool the simulator plays, as the executables on PATH are named. */
export const HOOK_TOOL_NAMES = Object.keys(TOOLS);

/**
 * Runs one tool call against the unit's state (changing it) and records the call. A
 * call outside the running hook's context is refused like Juju refuses it. Errors other
 * than the tool's own exit (e.g. stdin a transport must fetch first) propagate.
 */
export function runHookTool(state: UnitState, request: ToolRequest): ToolResult {
  const tool = TOOLS[request.tool];
  if (!tool) return { exitCode: 1, stdout: '', stderr: `ERROR unknown hook tool "${request.tool}"\n` };
  let result: ToolResult;
  try {
    const context = state.context;
    if (!context || !request.contextId || context.id !== request.contextId) {
      throw failure(
        `bad request: no active hook context "${request.contextId ?? ''}" (hook tools only work while a hook runs)`,
      );
    }
    result = { exitCode: 0, stdout: tool(request.args, state, context, request), stderr: '' };
  } catch (err) {
    if (!(err instanceof ToolExit)) throw err;
    result = { exitCode: err.exitCode, stdout: '', stderr: `ERROR ${err.message}\n` };
  }
  // A tool's stdout goes back to the charm, so it is not recorded as printed.
  state.calls.push({ tool: request.tool, args: request.args, exitCode: result.exitCode });
  return result;
}
