// A simulated Juju unit agent for tests, the demo and the benchmark: hook tools on PATH
// over the unit's state (juju-simulator/), and `dispatch()` that runs the charm's
// `dispatch` the way the uniter does (fresh environment, cwd = charm dir, commit or
// discard by exit code). Behaviour follows docs/juju-pebble-contract.md §1–§2.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { HookToolAgent } from './juju-simulator/agent';
import { AGENT_ENV, STATE_FILE_ENV } from './juju-simulator/environment';
import { installHookTools, type HookToolTransport } from './juju-simulator/executable';
import { JujuConfig } from './juju-simulator/juju-config';
import { readStateFile, updateStateFile, writeStateFile } from './juju-simulator/state-file';
import {
  clone,
  closeHookContext,
  newRelation,
  newUnitState,
  openHookContext,
  type ActionResult,
  type ConfigValue,
  type DebugLogEntry,
  type HookContext,
  type LogEntry,
  type RelationState,
  type ToolCall,
  type UnitState,
} from './juju-simulator/unit-state';

export { HOOK_TOOL_NAMES } from './juju-simulator/hook-tools';
export type { HookToolTransport } from './juju-simulator/executable';
export type {
  ActionResult,
  ConfigValue,
  DebugLogEntry,
  LogEntry,
  RelationState,
  StatusEntry,
  ToolCall,
} from './juju-simulator/unit-state';

export interface FakeJujuOptions {
  charmDir: string;
  unit?: string;
  config?: Record<string, ConfigValue | null>;
  leader?: boolean;
  resources?: Record<string, string | null>;
  /** The charm's config.yaml, for option defaults. Default `<charmDir>/config.yaml` (ignored if missing). */
  configYaml?: string;
  modelName?: string;
  /** What `network-get` answers (default 10.1.0.<10 + unit number>, a pod IP). */
  address?: string;
  /**
   * How the hook tools on PATH reach the model: 'executable' (default; a Node process per
   * call, nothing to keep running) or 'agent' (a sh client of an agent in this process, a
   * few ms a call: for timing the charm's own hooks; this process must not block while a
   * hook runs).
   */
  hookTools?: HookToolTransport;
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
  /** From starting the dispatch process to its exit. */
  wallMs: number;
}

const WORKLOAD_HOOK = /^(.+)-pebble-(ready|custom-notice|check-failed|check-recovered)$/;
const RELATION_HOOK = /^(.+)-relation-(created|joined|changed|departed|broken)$/;

export class FakeJujuModel {
  readonly charmDir: string;
  readonly unit: string;
  readonly modelName: string;
  readonly tempDir: string;
  readonly binDir: string;
  readonly statePath: string;
  private readonly config_: JujuConfig;
  private readonly agent: HookToolAgent | null;
  private nextActionId = 1;
  private failedHook: string | null = null;
  private lastAction: ActionResult | null = null;

  constructor(options: FakeJujuOptions) {
    this.charmDir = path.resolve(options.charmDir);
    this.unit = options.unit ?? 'temporal-worker-k8s/0';
    this.modelName = options.modelName ?? 'test-model';
    this.config_ = new JujuConfig(options.configYaml ?? path.join(this.charmDir, 'config.yaml'));
    const config = this.config_.defaults();
    for (const [key, value] of Object.entries(options.config ?? {}))
      config[key] = this.config_.value(key, value);
    this.tempDir = mkdtempSync(path.join(os.tmpdir(), 'fake-juju-'));
    this.binDir = path.join(this.tempDir, 'bin');
    this.statePath = path.join(this.tempDir, 'state.json');
    writeStateFile(
      this.statePath,
      newUnitState({
        unit: this.unit,
        modelUuid: randomUUID(),
        leader: options.leader ?? true,
        config,
        resources: options.resources,
        address: options.address,
      }),
    );
    const transport = options.hookTools ?? 'executable';
    installHookTools(this.binDir, transport);
    this.agent =
      transport === 'agent' ? new HookToolAgent(path.join(this.tempDir, 'agent'), this.statePath) : null;
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
        state.config[key] = this.config_.value(key, value);
      }
    });
  }

  /**
   * Like `juju config APP --file FILE` (docs/juju-pebble-contract.md §6.1): the file's one
   * top-level key is the application, its map the options, each set as `setConfig` does.
   */
  setConfigFile(file: string): void {
    const application = this.unit.split('/')[0]!;
    const parsed = parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown> | null;
    const keys = Object.keys(parsed ?? {});
    if (keys.length !== 1 || keys[0] !== application) {
      throw new Error(
        `juju config --file: expected one top-level key '${application}', got ${JSON.stringify(keys)}`,
      );
    }
    const options = parsed![application] as Record<string, ConfigValue> | null;
    this.setConfig(options ?? {});
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
    return this.update((state) => {
      const ids = Object.keys(state.relations).map((key) => Number(key.split(':').pop()));
      const relationId = `${endpoint}:${ids.length ? Math.max(...ids) + 1 : 0}`;
      state.relations[relationId] = newRelation(remoteApp, data);
      return relationId;
    });
  }

  /** A remote unit joins a relation (or changes its settings), as before its -joined/-changed hook. */
  setRemoteUnit(relationId: string, unit: string, data: Record<string, string>): void {
    this.update((state) => {
      state.relations[relationId]!.remoteUnits[unit] = { ...data };
    });
  }

  /** The remote application's leader writes its databag, as before the -changed hook. */
  setRemoteAppData(relationId: string, data: Record<string, string>): void {
    this.update((state) => {
      Object.assign(state.relations[relationId]!.remoteAppData, data);
    });
  }

  /** A remote unit leaves, as before the -departed hook. */
  removeRemoteUnit(relationId: string, unit: string): void {
    this.update((state) => {
      delete state.relations[relationId]!.remoteUnits[unit];
    });
  }

  /** The relation is gone: call after its -broken hook ran (Juju lists it until then). */
  removeRelation(relationId: string): void {
    this.update((state) => {
      delete state.relations[relationId];
    });
  }

  /** `juju add-secret` (first revision) or `juju update-secret` (a new one); returns the id. */
  putSecret(id: string, content: Record<string, string>): string {
    return this.update((state) => {
      const secret = (state.secrets[id] ??= { revisions: [], granted: false, tracked: 0 });
      secret.revisions.push({ ...content });
      return id;
    });
  }

  /** `juju grant-secret` (true) or `juju revoke-secret` (false) for this application. */
  grantSecret(id: string, granted: boolean): void {
    this.update((state) => {
      state.secrets[id]!.granted = granted;
    });
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
    return this.update((state) => this.openContext(state, dispatchPath, kind, name, opts));
  }

  private openContext(
    state: UnitState,
    dispatchPath: string,
    kind: string,
    name: string,
    opts: DispatchOptions,
  ): Record<string, string> {
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
      // The fake's stand-ins for the agent socket: where the hook tools find the model.
      [STATE_FILE_ENV]: this.statePath,
      ...(this.agent ? { [AGENT_ENV]: this.agent.fifoPath } : {}),
    };
    const context: Omit<HookContext, 'pending'> = { id: contextId, hookName: name };

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
    openHookContext(state, context);
    return env;
  }

  /** Closes the hook context: exit 0 commits pending changes, anything else discards them (§1.4). */
  endHook(exitCode: number, output: { stdout: string; stderr: string } = { stdout: '', stderr: '' }): void {
    const { hookName, action } = this.update((state) => closeHookContext(state, exitCode, output));
    if (action) this.lastAction = action;
    else this.failedHook = exitCode === 0 ? null : hookName;
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
  calls(): ToolCall[] {
    return this.read().calls;
  }

  /** Every text a person could see: dispatch stdout/stderr, logs, statuses, action output. For secret scans. */
  printed(): string {
    return this.read().printed.join('\n');
  }

  /** Stops the agent, if any, and removes the temp dir (bin dir and state file). */
  cleanup(): void {
    this.agent?.stop();
    rmSync(this.tempDir, { recursive: true, force: true });
  }

  private read(): UnitState {
    return readStateFile(this.statePath);
  }

  private update<T>(change: (state: UnitState) => T): T {
    return updateStateFile(this.statePath, change);
  }
}

function runProcess(
  file: string,
  env: Record<string, string>,
  cwd: string,
  timeoutMs: number,
): Promise<DispatchResult> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
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
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      clearTimeout(timer);
      const finish = () => {
        child.stdout.destroy();
        child.stderr.destroy();
        resolve({
          exitCode: code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1),
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
          wallMs,
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
