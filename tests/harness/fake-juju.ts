// A simulated Juju unit agent for tests: fake hook tools on PATH backed by a JSON
// state file, and `dispatch()` that runs the charm's `dispatch` the way the uniter
// does (fresh environment, cwd = charm dir, commit or discard by exit code).
// Behaviour follows the Juju/Pebble contract doc (shared/docs/juju-pebble-contract.md) §1–§2.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';

export const HOOK_TOOL_SCRIPT = path.join(__dirname, 'fake-juju', 'hook-tool.js');

export const HOOK_TOOL_NAMES = [
  'config-get',
  'status-set',
  'status-get',
  'juju-log',
  'is-leader',
  'resource-get',
  'application-version-set',
  'action-get',
  'action-set',
  'action-fail',
  'action-log',
  'relation-ids',
  'relation-list',
  'relation-get',
  'relation-set',
  'state-get',
  'state-set',
  'state-delete',
  'open-port',
  'close-port',
  'opened-ports',
] as const;

export type ConfigValue = string | number | boolean;

export interface StatusEntry {
  status: string;
  message: string;
  since: string;
}

export interface LogEntry {
  level: string;
  message: string;
}

/** A line of `juju debug-log` for this unit: juju-log lines, and the charm's stdout (DEBUG) and stderr (WARNING). */
export interface DebugLogEntry {
  level: string;
  hook: string;
  message: string;
}

export interface ActionResult {
  status: 'completed' | 'failed';
  results: Record<string, unknown>;
  message: string;
  logs: string[];
  /** What Juju adds to the results: the dispatch process's output and exit code. */
  stdout: string;
  stderr: string;
  returnCode: number;
}

export interface RelationState {
  remoteApp: string;
  remoteUnits: Record<string, Record<string, string>>;
  remoteAppData: Record<string, string>;
  localUnit: Record<string, string>;
  localApp: Record<string, string>;
}

interface ActionContext {
  name: string;
  id: string;
  params: Record<string, unknown>;
  results: Record<string, unknown>;
  failed: boolean;
  message: string;
  logs: string[];
}

interface HookContext {
  id: string;
  hookName: string;
  relationId?: string;
  action?: ActionContext;
}

/** The shape of the state file the fake hook tools read and write. */
interface FakeJujuState {
  unit: string;
  modelUuid: string;
  leader: boolean;
  config: Record<string, ConfigValue | null>;
  resources: Record<string, string | null>;
  status: StatusEntry;
  statusHistory: StatusEntry[];
  applicationStatus: StatusEntry | null;
  applicationVersion: string;
  logs: LogEntry[];
  debugLog: DebugLogEntry[];
  state: Record<string, string>;
  relations: Record<string, RelationState>;
  ports: string[];
  context: HookContext | null;
  /** The uncommitted view the tools work on while a hook runs (§1.4). */
  pending: { state: Record<string, string>; relations: Record<string, RelationState>; ports: string[] };
  calls: { tool: string; args: string[]; exitCode: number }[];
  printed: string[];
}

export interface FakeJujuOptions {
  charmDir: string;
  unit?: string;
  config?: Record<string, ConfigValue | null>;
  leader?: boolean;
  resources?: Record<string, string | null>;
  /** The charm's config.yaml, for option defaults. Default `<charmDir>/config.yaml` (ignored if missing). */
  configYaml?: string;
  modelName?: string;
}

export interface DispatchOptions {
  actionParams?: Record<string, unknown>;
  /** Extra environment for test seams (e.g. where the Pebble socket lives). */
  env?: Record<string, string>;
  /** For relation hooks: `endpoint:id` of a relation added with addRelation. */
  relationId?: string;
  remoteUnit?: string;
  /** For `<container>-pebble-custom-notice`. */
  notice?: { id: string; type?: string; key: string };
  /** For `<container>-pebble-check-failed/recovered`. */
  checkName?: string;
  /** Kill the dispatch process after this long (default 120 s). */
  timeoutMs?: number;
}

export interface DispatchResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const WORKLOAD_HOOK = /^(.+)-pebble-(ready|custom-notice|check-failed|check-recovered)$/;
const RELATION_HOOK = /^(.+)-relation-(created|joined|changed|departed|broken)$/;

interface ConfigOption {
  type?: string;
  default?: ConfigValue | null;
}

function loadConfigOptions(file: string): Record<string, ConfigOption> | null {
  if (!existsSync(file)) return null;
  const parsed = parseYaml(readFileSync(file, 'utf8')) as {
    options?: Record<string, ConfigOption | null>;
  } | null;
  const options: Record<string, ConfigOption> = {};
  for (const [name, option] of Object.entries(parsed?.options ?? {})) options[name] = option ?? {};
  return options;
}

// What `juju config` does with a value: unknown keys and values that do not parse as the
// option's type are refused; strings are parsed as the type, like the CLI's `key=value`.
function coerceConfigValue(key: string, value: ConfigValue, option: ConfigOption | undefined): ConfigValue {
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

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export class FakeJujuModel {
  readonly charmDir: string;
  readonly unit: string;
  readonly modelName: string;
  readonly tempDir: string;
  readonly binDir: string;
  readonly statePath: string;
  private readonly defaults: Record<string, ConfigValue | null>;
  /** The options of config.yaml, or null when the charm has none (then any key is accepted as given). */
  private readonly configOptions: Record<string, ConfigOption> | null;
  private nextActionId = 1;
  private failedHook: string | null = null;
  private lastAction: ActionResult | null = null;
  private readonly dispatchOutput: string[] = [];

  constructor(options: FakeJujuOptions) {
    this.charmDir = path.resolve(options.charmDir);
    this.unit = options.unit ?? 'temporal-worker-k8s/0';
    this.modelName = options.modelName ?? 'test-model';
    this.configOptions = loadConfigOptions(options.configYaml ?? path.join(this.charmDir, 'config.yaml'));
    this.defaults = Object.fromEntries(
      Object.entries(this.configOptions ?? {}).map(([name, option]) => [name, option.default ?? null]),
    );
    this.tempDir = mkdtempSync(path.join(os.tmpdir(), 'fake-juju-'));
    this.binDir = path.join(this.tempDir, 'bin');
    mkdirSync(this.binDir);
    for (const tool of HOOK_TOOL_NAMES) symlinkSync(HOOK_TOOL_SCRIPT, path.join(this.binDir, tool));
    this.statePath = path.join(this.tempDir, 'state.json');
    const config: Record<string, ConfigValue | null> = { ...this.defaults };
    for (const [key, value] of Object.entries(options.config ?? {}))
      config[key] = this.configValue(key, value);
    this.write({
      unit: this.unit,
      modelUuid: randomUUID(),
      leader: options.leader ?? true,
      config,
      resources: { ...(options.resources ?? {}) },
      status: { status: 'unknown', message: '', since: new Date().toISOString() },
      statusHistory: [],
      applicationStatus: null,
      applicationVersion: '',
      logs: [],
      debugLog: [],
      state: {},
      relations: {},
      ports: [],
      context: null,
      pending: { state: {}, relations: {}, ports: [] },
      calls: [],
      printed: [],
    });
  }

  // ------------------------------------------------------------ arrange

  /**
   * Like `juju config`: a value sets the option, null resets it to its default. With a
   * config.yaml, unknown keys and values of the wrong type throw, and strings are parsed
   * as the option's type (`'5'` for an int becomes 5).
   */
  setConfig(values: Record<string, ConfigValue | null>): void {
    this.update((state) => {
      for (const [key, value] of Object.entries(values)) {
        state.config[key] = this.configValue(key, value);
      }
    });
  }

  private configValue(key: string, value: ConfigValue | null): ConfigValue | null {
    if (value === null) return this.defaults[key] ?? null;
    return this.configOptions ? coerceConfigValue(key, value, this.configOptions[key]) : value;
  }

  /** Like `juju attach-resource`; null means nothing attached (resource-get fails). */
  attachResource(name: string, filePath: string | null): void {
    this.update((state) => {
      state.resources[name] = filePath === null ? null : path.resolve(filePath);
    });
  }

  setLeader(leader: boolean): void {
    this.update((state) => {
      state.leader = leader;
    });
  }

  /** Seeds committed charm state (as if an earlier hook had stored it). */
  setState(values: Record<string, string>): void {
    this.update((state) => {
      state.state = { ...values };
    });
  }

  addRelation(
    endpoint: string,
    remoteApp: string,
    data: Partial<Omit<RelationState, 'remoteApp'>> = {},
  ): string {
    let relationId = '';
    this.update((state) => {
      const ids = Object.keys(state.relations).map((key) => Number(key.split(':').pop()));
      relationId = `${endpoint}:${ids.length ? Math.max(...ids) + 1 : 0}`;
      state.relations[relationId] = {
        remoteApp,
        remoteUnits: data.remoteUnits ?? {},
        remoteAppData: data.remoteAppData ?? {},
        localUnit: data.localUnit ?? {},
        localApp: data.localApp ?? {},
      };
    });
    return relationId;
  }

  /** Like `juju resolved --no-retry`: clears the hook error so other hooks run again. */
  resolve(): void {
    this.failedHook = null;
  }

  // ------------------------------------------------------------ act

  /**
   * Opens a hook context and returns the environment Juju would give the charm.
   * `dispatch()` uses it; unit tests of the hook tools call it directly.
   */
  beginHook(pathOrEvent: string, opts: DispatchOptions = {}): Record<string, string> {
    const dispatchPath = pathOrEvent.includes('/') ? pathOrEvent : `hooks/${pathOrEvent}`;
    const [kind, name] = dispatchPath.split('/') as [string, string];
    if (kind !== 'hooks' && kind !== 'actions')
      throw new Error(`dispatch path must be hooks/<name> or actions/<name>, got ${pathOrEvent}`);
    if (kind === 'hooks' && this.failedHook && this.failedHook !== name) {
      throw new Error(
        `unit is in error state (hook failed: "${this.failedHook}"): Juju would not run "${name}" until the ` +
          'failed hook succeeds or the test calls resolve()',
      );
    }
    return this.locked(() => this.openContext(dispatchPath, kind, name, opts));
  }

  private openContext(
    dispatchPath: string,
    kind: string,
    name: string,
    opts: DispatchOptions,
  ): Record<string, string> {
    const state = this.read();
    if (state.context)
      throw new Error(`a hook is already running (${state.context.hookName}); Juju runs one at a time`);

    const contextId = `${this.unit}-${name}-${randomBytes(8).readBigUInt64BE()}`;
    const env: Record<string, string> = {
      JUJU_DISPATCH_PATH: dispatchPath,
      JUJU_HOOK_NAME: kind === 'hooks' ? name : '',
      JUJU_UNIT_NAME: this.unit,
      JUJU_MODEL_NAME: this.modelName,
      JUJU_MODEL_UUID: state.modelUuid,
      JUJU_VERSION: '3.6.4',
      JUJU_CHARM_DIR: this.charmDir,
      CHARM_DIR: this.charmDir,
      JUJU_CONTEXT_ID: contextId,
      JUJU_AGENT_SOCKET_ADDRESS: `@${path.join(this.tempDir, 'agent.socket')}`,
      JUJU_AGENT_SOCKET_NETWORK: 'unix',
      JUJU_API_ADDRESSES: '10.0.0.1:17070',
      JUJU_MACHINE_ID: '',
      JUJU_PRINCIPAL_UNIT: '',
      JUJU_AVAILABILITY_ZONE: '',
      CLOUD_API_VERSION: '',
      JUJU_CHARM_HTTP_PROXY: '',
      JUJU_CHARM_HTTPS_PROXY: '',
      JUJU_CHARM_FTP_PROXY: '',
      JUJU_CHARM_NO_PROXY: '',
      PATH: [this.binDir, path.dirname(process.execPath), '/usr/bin', '/bin'].join(':'),
      LANG: 'C.UTF-8',
      TERM: 'tmux-256color',
      DEBIAN_FRONTEND: 'noninteractive',
      APT_LISTCHANGES_FRONTEND: 'none',
      // The fake's stand-in for the agent socket: where the hook tools find the model.
      FAKE_JUJU_STATE: this.statePath,
    };
    const context: HookContext = { id: contextId, hookName: name };

    const workload = WORKLOAD_HOOK.exec(name);
    if (kind === 'hooks' && workload) {
      env.JUJU_WORKLOAD_NAME = workload[1]!;
      if (workload[2] === 'custom-notice') {
        if (!opts.notice) throw new Error(`${name} needs opts.notice ({ id, key })`);
        env.JUJU_NOTICE_ID = opts.notice.id;
        env.JUJU_NOTICE_TYPE = opts.notice.type ?? 'custom';
        env.JUJU_NOTICE_KEY = opts.notice.key;
      }
      if (workload[2]!.startsWith('check-')) {
        if (!opts.checkName) throw new Error(`${name} needs opts.checkName`);
        env.JUJU_PEBBLE_CHECK_NAME = opts.checkName;
      }
    }
    const relation = RELATION_HOOK.exec(name);
    if (kind === 'hooks' && relation) {
      const relationId =
        opts.relationId ?? Object.keys(state.relations).find((k) => k.startsWith(`${relation[1]}:`));
      const related = relationId ? state.relations[relationId] : undefined;
      if (!relationId || !related)
        throw new Error(`${name} needs a relation: call addRelation('${relation[1]}', …) first`);
      env.JUJU_RELATION = relation[1]!;
      env.JUJU_RELATION_ID = relationId;
      env.JUJU_REMOTE_APP = related.remoteApp;
      env.JUJU_REMOTE_UNIT = opts.remoteUnit ?? Object.keys(related.remoteUnits)[0] ?? '';
      context.relationId = relationId;
    }
    if (kind === 'actions') {
      const id = String(this.nextActionId++);
      env.JUJU_ACTION_NAME = name;
      env.JUJU_ACTION_UUID = id;
      env.JUJU_ACTION_TAG = `action-${id}`;
      context.action = {
        name,
        id,
        params: clone(opts.actionParams ?? {}),
        results: {},
        failed: false,
        message: '',
        logs: [],
      };
    }
    Object.assign(env, opts.env ?? {});

    state.context = context;
    state.pending = { state: clone(state.state), relations: clone(state.relations), ports: [...state.ports] };
    this.write(state);
    return env;
  }

  /** Closes the hook context: exit 0 commits pending changes, anything else discards them (§1.4). */
  endHook(exitCode: number, output: { stdout: string; stderr: string } = { stdout: '', stderr: '' }): void {
    this.update((state) => {
      const context = state.context;
      if (!context) throw new Error('no hook is running');
      if (exitCode === 0) {
        state.state = state.pending.state;
        for (const [key, relation] of Object.entries(state.pending.relations)) {
          const committed = state.relations[key];
          if (committed) {
            committed.localUnit = relation.localUnit;
            committed.localApp = relation.localApp;
          }
        }
        state.ports = state.pending.ports;
      }
      state.pending = { state: {}, relations: {}, ports: [] };
      state.context = null;
      if (context.action) {
        // Actions never put the unit into error state; a non-zero exit fails the action.
        const failed = context.action.failed || exitCode !== 0;
        this.lastAction = {
          status: failed ? 'failed' : 'completed',
          results: context.action.results,
          message: context.action.failed
            ? context.action.message
            : exitCode !== 0
              ? `exit status ${exitCode}`
              : '',
          logs: context.action.logs,
          stdout: output.stdout,
          stderr: output.stderr,
          returnCode: exitCode,
        };
      } else {
        this.failedHook = exitCode === 0 ? null : context.hookName;
      }
      state.printed.push(output.stdout, output.stderr);
      // Juju logs the charm's stdout at DEBUG and its stderr at WARNING (contract §1.1).
      for (const [level, text] of [
        ['DEBUG', output.stdout],
        ['WARNING', output.stderr],
      ] as const) {
        for (const line of text.split('\n').filter((l) => l !== '')) {
          state.debugLog.push({ level, hook: context.hookName, message: line });
        }
      }
    });
    this.dispatchOutput.push(output.stdout, output.stderr);
  }

  /** Runs `<charmDir>/dispatch` for one event, exactly as the uniter would. */
  async dispatch(pathOrEvent: string, opts: DispatchOptions = {}): Promise<DispatchResult> {
    const env = this.beginHook(pathOrEvent, opts);
    let result: DispatchResult;
    try {
      result = await runProcess(
        path.join(this.charmDir, 'dispatch'),
        env,
        this.charmDir,
        opts.timeoutMs ?? 120_000,
      );
    } catch (err) {
      this.endHook(1, { stdout: '', stderr: String(err) });
      throw err;
    }
    this.endHook(result.exitCode, result);
    return result;
  }

  // ------------------------------------------------------------ assert

  status(): { status: string; message: string } {
    const { status, message } = this.read().status;
    return { status, message };
  }

  statusHistory(): { status: string; message: string }[] {
    return this.read().statusHistory.map(({ status, message }) => ({ status, message }));
  }

  /** The hook that failed last and was not retried successfully (the unit's error state), or null. */
  hookError(): string | null {
    return this.failedHook;
  }

  /** juju-log lines with their levels. */
  logs(): LogEntry[] {
    return this.read().logs;
  }

  /** What `juju debug-log` would show for this unit, hook by hook. */
  debugLog(): DebugLogEntry[] {
    return this.read().debugLog;
  }

  /** The last action's outcome, or null if no action ran. */
  actionResult(): ActionResult | null {
    return this.lastAction;
  }

  /** Committed charm state (state-set after a successful hook). */
  state(): Record<string, string> {
    return this.read().state;
  }

  applicationVersion(): string {
    return this.read().applicationVersion;
  }

  relation(relationId: string): RelationState | undefined {
    return this.read().relations[relationId];
  }

  openedPorts(): string[] {
    return this.read().ports;
  }

  config(): Record<string, ConfigValue | null> {
    return this.read().config;
  }

  /** Every hook-tool call made so far, in order. */
  calls(): { tool: string; args: string[]; exitCode: number }[] {
    return this.read().calls;
  }

  /** Every text a person could see: dispatch stdout/stderr, logs, statuses, action output. For secret scans. */
  printed(): string {
    return this.read().printed.join('\n');
  }

  /** Removes the temp dir (bin dir and state file). */
  cleanup(): void {
    rmSync(this.tempDir, { recursive: true, force: true });
  }

  private read(): FakeJujuState {
    return JSON.parse(readFileSync(this.statePath, 'utf8')) as FakeJujuState;
  }

  private write(state: FakeJujuState): void {
    const tmp = `${this.statePath}.harness.tmp`;
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, this.statePath);
  }

  private update(change: (state: FakeJujuState) => void): void {
    this.locked(() => {
      const state = this.read();
      change(state);
      this.write(state);
    });
  }

  // The same lock the fake tools take, so a tool still running (e.g. from a process the
  // charm left behind) and the harness never overwrite each other's changes.
  private locked<T>(fn: () => T): T {
    const lockPath = `${this.statePath}.lock`;
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        mkdirSync(lockPath);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        if (Date.now() > deadline) {
          rmSync(lockPath, { recursive: true, force: true });
          continue;
        }
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
      }
    }
    try {
      return fn();
    } finally {
      rmSync(lockPath, { recursive: true, force: true });
    }
  }
}

function runProcess(
  file: string,
  env: Record<string, string>,
  cwd: string,
  timeoutMs: number,
): Promise<DispatchResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, [], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${file}: ${err.message}`));
    });
    // Resolve on exit, not on close: a background process the charm left behind may keep
    // the pipes open, and Juju does not wait for it either.
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const finish = () => {
        child.stdout.destroy();
        child.stderr.destroy();
        resolve({
          exitCode: code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1),
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
        });
      };
      const grace = setTimeout(finish, 500);
      child.once('close', () => {
        clearTimeout(grace);
        finish();
      });
    });
  });
}
