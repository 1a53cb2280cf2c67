// The one model of a unit's Juju state that every fake Juju of the project works on: the
// in-process `FakeJuju` of the unit tests, the hook-tool executables on PATH, and the fast
// agent of the benchmark. It is plain JSON, so it can live in memory or in a state file.
// Hook contexts follow docs/juju-pebble-contract.md §1.4: charm state, relation settings
// and ports are pending while a hook runs and committed only when it exits 0.

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

export interface RelationState {
  remoteApp: string;
  remoteUnits: Record<string, Record<string, string>>;
  remoteAppData: Record<string, string>;
  localUnit: Record<string, string>;
  localApp: Record<string, string>;
}

/** A relation to `remoteApp`, with no settings unless given. */
export function newRelation(
  remoteApp: string,
  data: Partial<Omit<RelationState, 'remoteApp'>> = {},
): RelationState {
  return {
    remoteApp,
    remoteUnits: data.remoteUnits ?? {},
    remoteAppData: data.remoteAppData ?? {},
    localUnit: data.localUnit ?? {},
    localApp: data.localApp ?? {},
  };
}

/** What an action has done so far (action-set, action-fail, action-log). */
export interface ActionContext {
  name: string;
  id: string;
  params: Record<string, unknown>;
  results: Record<string, unknown>;
  failed: boolean;
  message: string;
  logs: string[];
}

/** The uncommitted view the tools work on while a hook runs. */
export interface PendingChanges {
  state: Record<string, string>;
  relations: Record<string, RelationState>;
  ports: string[];
}

export interface HookContext {
  /** JUJU_CONTEXT_ID: a tool call naming another context (or none) is refused. */
  id: string;
  hookName: string;
  relationId?: string;
  action?: ActionContext;
  pending: PendingChanges;
}

export interface ToolCall {
  tool: string;
  args: string[];
  exitCode: number;
}

/** A user secret of the model (`juju add-secret`), as this unit sees it. */
export interface SecretState {
  /** Content of each revision, the first revision first. */
  revisions: Record<string, string>[];
  /** `juju grant-secret <id> <app>` was run for this unit's application. */
  granted: boolean;
  /** The revision this unit tracks (1-based); 0 until it first reads the secret. */
  tracked: number;
}

export interface UnitState {
  unit: string;
  /** The unit's address on every binding (`network-get`): the pod's IP on Kubernetes. */
  address: string;
  /** Secret id (`secret:<xid>`) → its state. */
  secrets: Record<string, SecretState>;
  modelUuid: string;
  leader: boolean;
  config: Record<string, ConfigValue | null>;
  /** Resource name → local file path; null or absent means nothing attached. */
  resources: Record<string, string | null>;
  status: StatusEntry;
  statusHistory: StatusEntry[];
  applicationStatus: StatusEntry | null;
  applicationVersion: string;
  logs: LogEntry[];
  debugLog: DebugLogEntry[];
  /** Committed charm state (state-set of hooks that succeeded). */
  state: Record<string, string>;
  relations: Record<string, RelationState>;
  /** Committed opened ports, as `opened-ports` prints them (`8080/tcp`). */
  ports: string[];
  context: HookContext | null;
  calls: ToolCall[];
  /** Every text a person could see (statuses, logs, action output, the charm's output): for secret scans. */
  printed: string[];
}

/** The outcome of an action, as `juju run` reports it. */
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

export const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export function newUnitState(init: {
  unit: string;
  modelUuid: string;
  leader?: boolean;
  config?: Record<string, ConfigValue | null>;
  resources?: Record<string, string | null>;
  address?: string;
}): UnitState {
  return {
    unit: init.unit,
    address: init.address ?? `10.1.0.${10 + Number(init.unit.split('/')[1] ?? 0)}`,
    secrets: {},
    modelUuid: init.modelUuid,
    leader: init.leader ?? false,
    config: { ...init.config },
    resources: { ...init.resources },
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
    calls: [],
    printed: [],
  };
}

/** Opens a hook context: the tools now answer calls naming `context.id`, on a copy of the committed state. */
export function openHookContext(state: UnitState, context: Omit<HookContext, 'pending'>): HookContext {
  if (state.context) {
    throw new Error(`a hook is already running (${state.context.hookName}); Juju runs one at a time`);
  }
  state.context = {
    ...context,
    pending: { state: clone(state.state), relations: clone(state.relations), ports: [...state.ports] },
  };
  return state.context;
}

export interface HookOutput {
  stdout: string;
  stderr: string;
}

/**
 * Closes the hook context: exit 0 commits the pending changes, anything else discards
 * them. Returns the action's outcome when the context ran an action.
 */
export function closeHookContext(
  state: UnitState,
  exitCode: number,
  output: HookOutput = { stdout: '', stderr: '' },
): { hookName: string; action: ActionResult | null } {
  const context = state.context;
  if (!context) throw new Error('no hook is running');
  if (exitCode === 0) {
    state.state = context.pending.state;
    for (const [key, relation] of Object.entries(context.pending.relations)) {
      const committed = state.relations[key];
      if (committed) {
        committed.localUnit = relation.localUnit;
        committed.localApp = relation.localApp;
      }
    }
    state.ports = context.pending.ports;
  }
  state.context = null;
  state.printed.push(output.stdout, output.stderr);
  // Juju logs the charm's stdout at DEBUG and its stderr at WARNING (docs/juju-pebble-contract.md §1.1).
  for (const [level, text] of [
    ['DEBUG', output.stdout],
    ['WARNING', output.stderr],
  ] as const) {
    for (const line of text.split('\n').filter((l) => l !== '')) {
      state.debugLog.push({ level, hook: context.hookName, message: line });
    }
  }
  if (!context.action) return { hookName: context.hookName, action: null };
  // A non-zero exit fails the action (actions never put the unit into error state).
  const { action } = context;
  const failed = action.failed || exitCode !== 0;
  return {
    hookName: context.hookName,
    action: {
      status: failed ? 'failed' : 'completed',
      results: action.results,
      message: action.failed ? action.message : exitCode !== 0 ? `exit status ${exitCode}` : '',
      logs: action.logs,
      stdout: output.stdout,
      stderr: output.stderr,
      returnCode: exitCode,
    },
  };
}
