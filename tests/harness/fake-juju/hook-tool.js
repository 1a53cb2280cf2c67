#!/usr/bin/env node
// Fake Juju hook tool. One script plays every tool: the harness puts symlinks named
// `config-get`, `status-set`, ... on PATH and this script acts by its basename.
// State lives in the JSON file named by FAKE_JUJU_STATE (the stand-in for the unit
// agent). Behaviour follows docs/juju-pebble-contract.md §1–§2: exit 0 ok, 2 usage
// error, 1 runtime error, `ERROR <msg>` on stderr; state-set/relation-set/open-port
// are pending until the harness commits them; statuses take effect at once.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

class ToolExit extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}
const usage = (message) => new ToolExit(2, message);
const failure = (message) => new ToolExit(1, message);

const STATUSES = ['maintenance', 'blocked', 'waiting', 'active'];
const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'];
const RESERVED_ACTION_KEYS = ['stdout', 'stdout-encoding', 'stderr', 'stderr-encoding'];
const ACTION_KEY_PART = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const STATE_KEY_MAX_BYTES = 256;
const STATE_VALUE_MAX_BYTES = 64 * 1024;

// ---------------------------------------------------------------- state file

const statePath = process.env.FAKE_JUJU_STATE;
const lockPath = `${statePath}.lock`;

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// Juju runs one tool at a time per context; a lock directory gives the same guarantee
// when the charm calls tools concurrently.
function withLock(fn) {
  const deadline = Date.now() + 10000;
  for (;;) {
    try {
      fs.mkdirSync(lockPath);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      if (Date.now() > deadline) {
        // A tool killed while holding the lock: take it over.
        fs.rmSync(lockPath, { recursive: true, force: true });
        continue;
      }
      sleep(5);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lockPath, { recursive: true, force: true });
  }
}

function readState() {
  return JSON.parse(fs.readFileSync(statePath, 'utf8'));
}

function writeState(state) {
  const tmp = `${statePath}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state));
  fs.renameSync(tmp, statePath);
}

// ---------------------------------------------------------------- flags

// Parses like juju/gnuflag with interspersed flags: `--name=value`, `--name value`,
// `-n value`, boolean flags, `--` ends flags. Unknown flags are usage errors.
function parseArgs(argv, spec) {
  const flags = {};
  const positional = [];
  const byName = new Map();
  for (const [name, def] of Object.entries(spec)) {
    byName.set(name, { name, ...def });
    for (const alias of def.aliases || []) byName.set(alias, { name, ...def });
  }
  for (const [name, def] of Object.entries(spec)) {
    if (def.default !== undefined) flags[name] = def.default;
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const def = byName.get(name);
    if (!def) throw usage(`option provided but not defined: ${arg.split('=')[0]}`);
    if (def.type === 'bool') {
      if (eq < 0) {
        flags[def.name] = true;
      } else {
        const text = body.slice(eq + 1);
        if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) flags[def.name] = true;
        else if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) flags[def.name] = false;
        else throw usage(`invalid value "${text}" for flag ${arg.split('=')[0]}: parse error`);
      }
      continue;
    }
    let value;
    if (eq >= 0) value = body.slice(eq + 1);
    else if (i + 1 < argv.length) value = argv[++i];
    else throw usage(`flag needs an argument: ${arg}`);
    if (def.choices && !def.choices.includes(value)) {
      throw usage(`invalid value "${value}" for flag ${arg.split('=')[0]}: unknown format "${value}"`);
    }
    flags[def.name] = value;
  }
  return { flags, positional };
}

const FORMAT = { format: { type: 'string', choices: ['smart', 'json', 'yaml'], default: 'smart' } };
const RELATION = { relation: { type: 'string', aliases: ['r'] } };

function formatOutput(value, format) {
  if (format === 'json') return `${JSON.stringify(value)}\n`;
  // smart: strings raw, booleans as True/False, string lists one per line; maps and
  // yaml fall back to JSON, which is valid YAML.
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return format === 'smart' ? `${value}\n` : `${JSON.stringify(value)}\n`;
  if (typeof value === 'boolean') return format === 'smart' ? `${value ? 'True' : 'False'}\n` : `${value}\n`;
  if (Array.isArray(value) && format === 'smart') return value.map((v) => `${v}\n`).join('');
  return `${JSON.stringify(value, null, 2)}\n`;
}

function noExtraArgs(positional, max) {
  if (positional.length > max) throw usage(`unrecognized args: ["${positional.slice(max).join('" "')}"]`);
}

function readStdin() {
  try {
    return fs.readFileSync(0, 'utf8');
  } catch {
    throw failure('hook tool requires stdin, none supplied');
  }
}

// `--file` content: a YAML map of string→string. JSON is valid YAML; a flat
// `key: value` YAML map is accepted too.
function parseSettingsFile(text, what) {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  let parsed;
  if (trimmed.startsWith('{')) {
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      throw failure(`cannot parse ${what}: ${err.message}`);
    }
  } else {
    parsed = {};
    for (const line of trimmed.split('\n')) {
      if (line.trim() === '' || line.trim().startsWith('#')) continue;
      const match = /^([^:]+):\s*(.*)$/.exec(line);
      if (!match) throw failure(`cannot parse ${what}: yaml: line is not "key: value"`);
      parsed[match[1].trim()] = match[2].replace(/^(['"])(.*)\1$/, '$2');
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw failure(`cannot parse ${what}: expected a map`);
  }
  const settings = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (value !== null && typeof value === 'object') {
      throw failure(`cannot parse ${what}: value for "${key}" is not a string`);
    }
    settings[key] = value === null ? '' : String(value);
  }
  return settings;
}

function parseKeyValues(positional) {
  const settings = {};
  for (const arg of positional) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw usage(`expected "key=value", got "${arg}"`);
    settings[arg.slice(0, eq)] = arg.slice(eq + 1);
  }
  return settings;
}

// ---------------------------------------------------------------- context

function currentContext(state) {
  const id = process.env.JUJU_CONTEXT_ID;
  if (!state.context || !id || state.context.id !== id) {
    throw failure(
      `bad request: no active hook context "${id || ''}" (hook tools only work while a hook runs)`,
    );
  }
  return state.context;
}

function requireAction(context) {
  if (!context.action) throw failure('not running an action');
  return context.action;
}

function relationFor(state, context, ref) {
  const wanted = ref !== undefined ? ref : context.relationId;
  if (wanted === undefined || wanted === null || wanted === '') {
    throw usage('no relation id specified');
  }
  const idText = String(wanted).split(':').pop();
  if (!/^\d+$/.test(idText)) throw usage(`invalid relation id "${wanted}"`);
  const found = Object.entries(state.relations || {}).find(([key]) => key.split(':').pop() === idText);
  if (!found) throw usage(`invalid value "${wanted}" for option -r: relation not found`);
  const [key, relation] = found;
  if (String(wanted).includes(':') && String(wanted) !== key) {
    throw usage(`invalid value "${wanted}" for option -r: relation not found`);
  }
  return { key, relation };
}

const appOf = (unit) => unit.split('/')[0];

function printed(state, text) {
  if (text) state.printed.push(text);
}

// ---------------------------------------------------------------- tools

const tools = {
  'config-get'(argv, state) {
    const { flags, positional } = parseArgs(argv, { ...FORMAT, all: { type: 'bool', aliases: ['a'] } });
    noExtraArgs(positional, 1);
    if (flags.all && positional.length)
      throw usage('cannot use argument --all together with key ' + positional[0]);
    if (positional.length) {
      const value = state.config[positional[0]];
      return formatOutput(value === undefined ? null : value, flags.format);
    }
    const config = {};
    for (const [key, value] of Object.entries(state.config)) {
      if (flags.all || value !== null) config[key] = value;
    }
    return formatOutput(config, flags.format);
  },

  'status-set'(argv, state) {
    const { flags, positional } = parseArgs(argv, { application: { type: 'bool' } });
    if (positional.length < 1) throw usage('invalid args, require <status> [message] [data]');
    noExtraArgs(positional, 2);
    const [status, message = ''] = positional;
    if (!STATUSES.includes(status)) {
      throw usage(`invalid status "${status}", expected one of [${STATUSES.join(' ')}]`);
    }
    const entry = { status, message, since: new Date().toISOString() };
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

  'status-get'(argv, state) {
    const { flags, positional } = parseArgs(argv, {
      ...FORMAT,
      'include-data': { type: 'bool' },
      application: { type: 'bool' },
    });
    noExtraArgs(positional, 1);
    const unit = { status: state.status.status, message: state.status.message, 'status-data': {} };
    if (flags.application) {
      if (!state.leader) throw failure('finding application status: this unit is not the leader');
      const app = state.applicationStatus || { status: 'unknown', message: '' };
      const value = {
        'application-status': {
          status: app.status,
          message: app.message,
          'status-data': {},
          units: { [state.unit]: unit },
        },
      };
      return formatOutput(value, flags.format === 'smart' ? 'yaml' : flags.format);
    }
    if (!flags['include-data'] && flags.format === 'smart') return formatOutput(unit.status, 'smart');
    return formatOutput(flags['include-data'] ? unit : { status: unit.status }, flags.format);
  },

  'juju-log'(argv, state, context) {
    const { flags, positional } = parseArgs(argv, {
      'log-level': { type: 'string', aliases: ['l'], default: 'INFO' },
      debug: { type: 'bool' },
      format: { type: 'string' },
    });
    if (positional.length === 0) throw usage('no message specified');
    let level = flags.debug ? 'DEBUG' : String(flags['log-level']).toUpperCase();
    let warning = '';
    if (!LOG_LEVELS.includes(level)) {
      warning = `Specified log level of "${flags['log-level']}" is not valid`;
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

  'is-leader'(argv, state) {
    const { flags, positional } = parseArgs(argv, FORMAT);
    noExtraArgs(positional, 0);
    return formatOutput(Boolean(state.leader), flags.format);
  },

  'resource-get'(argv, state) {
    const { positional } = parseArgs(argv, {});
    if (positional.length !== 1)
      throw usage(positional.length ? 'unrecognized args' : 'missing required resource name');
    const name = positional[0];
    const resourcePath = state.resources[name];
    if (!resourcePath) {
      const app = appOf(state.unit);
      throw failure(
        `could not download resource: HTTP request failed: Get https://10.0.0.1:17070/model/${state.modelUuid}` +
          `/units/unit-${state.unit.replace('/', '-')}/resources/${name}: resource#${app}/${name} not found`,
      );
    }
    return resourcePath;
  },

  'application-version-set'(argv, state) {
    const { positional } = parseArgs(argv, {});
    if (positional.length !== 1) throw usage('application-version-set takes exactly one argument: <version>');
    state.applicationVersion = positional[0];
    printed(state, positional[0]);
    return '';
  },

  'action-get'(argv, state, context) {
    const action = requireAction(context);
    const { flags, positional } = parseArgs(argv, FORMAT);
    let value = action.params;
    for (const key of positional.length ? positional[0].split('.') : []) {
      value = value !== null && typeof value === 'object' && key in value ? value[key] : null;
    }
    return formatOutput(value, flags.format === 'smart' ? 'yaml' : flags.format);
  },

  'action-set'(argv, state, context) {
    const action = requireAction(context);
    const { positional } = parseArgs(argv, {});
    if (positional.length === 0) throw usage('no key=value pairs given');
    const updates = [];
    for (const arg of positional) {
      const eq = arg.indexOf('=');
      if (eq <= 0) throw usage(`argument "${arg}" must be of the form key...=value`);
      const key = arg.slice(0, eq);
      const parts = key.split('.');
      for (const part of parts) {
        if (!ACTION_KEY_PART.test(part)) {
          throw usage(
            `key "${key}" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods`,
          );
        }
      }
      if (RESERVED_ACTION_KEYS.includes(parts[0]))
        throw usage(`cannot set reserved action key "${parts[0]}"`);
      updates.push([parts, arg.slice(eq + 1)]);
    }
    for (const [parts, value] of updates) {
      let node = action.results;
      for (const part of parts.slice(0, -1)) {
        if (node[part] === null || typeof node[part] !== 'object') node[part] = {};
        node = node[part];
      }
      node[parts[parts.length - 1]] = value;
      printed(state, value);
    }
    return '';
  },

  'action-fail'(argv, state, context) {
    const action = requireAction(context);
    const { positional } = parseArgs(argv, {});
    noExtraArgs(positional, 1);
    action.failed = true;
    action.message = positional[0] || 'action failed without reason given, check action for errors';
    printed(state, action.message);
    return '';
  },

  'action-log'(argv, state, context) {
    const action = requireAction(context);
    const { positional } = parseArgs(argv, {});
    if (positional.length === 0) throw usage('no message specified');
    const message = positional.join(' ');
    action.logs.push(message);
    printed(state, message);
    return '';
  },

  'relation-ids'(argv, state, context) {
    const { flags, positional } = parseArgs(argv, FORMAT);
    noExtraArgs(positional, 1);
    const endpoint = positional[0] || (context.relationId ? context.relationId.split(':')[0] : undefined);
    if (!endpoint) throw usage('no endpoint name specified');
    const ids = Object.keys(state.relations || {})
      .filter((key) => key.split(':')[0] === endpoint)
      .sort((a, b) => Number(a.split(':')[1]) - Number(b.split(':')[1]));
    return formatOutput(ids, flags.format);
  },

  'relation-list'(argv, state, context) {
    const { flags, positional } = parseArgs(argv, { ...FORMAT, ...RELATION, app: { type: 'bool' } });
    noExtraArgs(positional, 0);
    const { relation } = relationFor(state, context, flags.relation);
    if (flags.app) return formatOutput(relation.remoteApp, flags.format);
    return formatOutput(Object.keys(relation.remoteUnits).sort(), flags.format);
  },

  'relation-get'(argv, state, context) {
    const { flags, positional } = parseArgs(argv, { ...FORMAT, ...RELATION, app: { type: 'bool' } });
    noExtraArgs(positional, 2);
    const { key: relationKey, relation } = relationFor(state, context, flags.relation);
    const settingsKey = positional[0] && positional[0] !== '-' ? positional[0] : undefined;
    let target = positional[1] || process.env.JUJU_REMOTE_UNIT || '';
    if (!target) throw usage('no unit id specified');
    const myApp = appOf(state.unit);
    let data;
    if (flags.app) {
      const app = appOf(target);
      if (app === myApp) {
        data = state.pending.relations[relationKey].localApp;
      } else if (app === relation.remoteApp) {
        data = relation.remoteAppData;
      } else {
        throw failure(`permission denied`);
      }
    } else {
      if (!target.includes('/')) throw failure(`expected unit name, got application name "${target}"`);
      if (target === state.unit) data = state.pending.relations[relationKey].localUnit;
      else if (target in relation.remoteUnits) data = relation.remoteUnits[target];
      else
        throw failure(
          `cannot read settings for unit "${target}" in relation "${relationKey}": unit "${target}": settings not found`,
        );
    }
    if (settingsKey !== undefined) {
      return formatOutput(settingsKey in data ? data[settingsKey] : null, flags.format);
    }
    return formatOutput(data, flags.format === 'smart' ? 'yaml' : flags.format);
  },

  'relation-set'(argv, state, context) {
    const { flags, positional } = parseArgs(argv, {
      ...RELATION,
      app: { type: 'bool' },
      file: { type: 'string' },
    });
    const { key: relationKey } = relationFor(state, context, flags.relation);
    let settings = {};
    if (flags.file !== undefined) {
      const text = flags.file === '-' ? readStdin() : fs.readFileSync(path.resolve(flags.file), 'utf8');
      settings = parseSettingsFile(text, 'relation settings');
    }
    Object.assign(settings, parseKeyValues(positional));
    if (flags.app && !state.leader) throw failure('cannot write relation settings');
    const target = state.pending.relations[relationKey][flags.app ? 'localApp' : 'localUnit'];
    for (const [key, value] of Object.entries(settings)) {
      if (value === '') delete target[key];
      else target[key] = value;
    }
    return '';
  },

  'state-get'(argv, state) {
    const { flags, positional } = parseArgs(argv, { ...FORMAT, strict: { type: 'bool' } });
    noExtraArgs(positional, 1);
    const charmState = state.pending.state;
    if (positional.length) {
      const key = positional[0];
      if (!(key in charmState)) {
        if (flags.strict) throw failure(`"${key}" not found`);
        return formatOutput('', flags.format);
      }
      return formatOutput(charmState[key], flags.format);
    }
    // Juju 4 prints null for empty state (contract §7.8); behave like it so callers handle both.
    const value = Object.keys(charmState).length ? charmState : null;
    return formatOutput(value, flags.format === 'smart' ? 'yaml' : flags.format);
  },

  'state-set'(argv, state) {
    const { flags, positional } = parseArgs(argv, { file: { type: 'string' } });
    let settings = {};
    if (flags.file !== undefined) {
      const text = flags.file === '-' ? readStdin() : fs.readFileSync(path.resolve(flags.file), 'utf8');
      settings = parseSettingsFile(text, 'charm state');
    }
    Object.assign(settings, parseKeyValues(positional));
    for (const [key, value] of Object.entries(settings)) {
      if (Buffer.byteLength(key) > STATE_KEY_MAX_BYTES) {
        throw failure(`key "${key.slice(0, 20)}…" exceeds the ${STATE_KEY_MAX_BYTES} byte limit`);
      }
      if (Buffer.byteLength(value) > STATE_VALUE_MAX_BYTES) {
        throw failure(`value for key "${key}" exceeds the ${STATE_VALUE_MAX_BYTES} byte limit`);
      }
    }
    for (const [key, value] of Object.entries(settings)) {
      if (value === '') delete state.pending.state[key];
      else state.pending.state[key] = value;
    }
    return '';
  },

  'state-delete'(argv, state) {
    const { positional } = parseArgs(argv, {});
    if (positional.length !== 1) throw usage('state-delete takes exactly one argument: <key>');
    delete state.pending.state[positional[0]];
    return '';
  },

  'open-port'(argv, state) {
    return changePorts(argv, state, true);
  },

  'close-port'(argv, state) {
    return changePorts(argv, state, false);
  },

  'opened-ports'(argv, state) {
    const { flags, positional } = parseArgs(argv, { ...FORMAT, endpoints: { type: 'bool' } });
    noExtraArgs(positional, 0);
    const ports = flags.endpoints ? state.ports.map((p) => `${p} (*)`) : state.ports;
    return formatOutput(ports, flags.format);
  },
};

function changePorts(argv, state, open) {
  const { positional } = parseArgs(argv, { endpoints: { type: 'string' } });
  if (positional.length !== 1)
    throw usage('expected <port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp');
  const spec = positional[0].toLowerCase();
  const match = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp))?$/.exec(spec);
  if (spec !== 'icmp' && !match) throw usage(`invalid port or range "${positional[0]}"`);
  if (match && match[2]) throw failure('port ranges are not supported on Kubernetes');
  const port = spec === 'icmp' ? 'icmp' : `${match[1]}/${match[3] || 'tcp'}`;
  const ports = state.pending.ports.filter((p) => p !== port);
  if (open) ports.push(port);
  state.pending.ports = ports;
  return '';
}

// ---------------------------------------------------------------- main

function main() {
  const tool = path.basename(process.argv[1]);
  const argv = process.argv.slice(2);
  if (!statePath) {
    process.stderr.write(
      'ERROR FAKE_JUJU_STATE is not set: this fake hook tool needs the harness state file\n',
    );
    return 1;
  }
  const handler = tools[tool];
  if (!handler) {
    process.stderr.write(`ERROR unknown hook tool "${tool}"\n`);
    return 1;
  }
  return withLock(() => {
    const state = readState();
    let stdout = '';
    let stderr = '';
    let code = 0;
    try {
      const context = currentContext(state);
      stdout = handler(argv, state, context);
    } catch (err) {
      if (!(err instanceof ToolExit)) throw err;
      code = err.code;
      stderr = `ERROR ${err.message}\n`;
    }
    // Only what people see (statuses, logs, action output) goes to `printed`; a tool's
    // stdout goes back to the charm, so it is not recorded there.
    state.calls.push({ tool, args: argv, exitCode: code });
    writeState(state);
    if (stdout) process.stdout.write(stdout);
    if (stderr) process.stderr.write(stderr);
    return code;
  });
}

process.exitCode = main();
