// The simulator in-process, for the charm's unit tests: FakeJuju is the charm's own
// HookTools (src/juju) over a runner that calls runHookTool on an in-memory unit state,
// so a test runs the real argument building and the real hook-tool semantics without a
// process. The unit is inside one hook context for the FakeJuju's whole life, and that
// context can run action tools too, so one FakeJuju serves hooks and actions alike.
import { randomUUID } from 'node:crypto';
import { HookTools } from '../../../src/juju/hook-tools';
import type { ConfigValue, LogLevel, StatusName } from '../../../src/juju/types';
import { failure } from './command-line';
import { NO_STDIN, runHookTool } from './hook-tools';
import {
  clone,
  newRelation,
  newUnitState,
  openHookContext,
  type ActionContext,
  type HookContext,
  type RelationState,
  type UnitState,
} from './unit-state';

export interface StatusEntry {
  status: StatusName;
  message: string;
}

/** `<tool> <what it acts on>`: the status, log level, resource, endpoint or relation of the call. */
function callLabel(tool: string, args: string[]): string {
  const after = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const subjects: Record<string, string | undefined> = {
    'status-set': args[0],
    'juju-log': after('--log-level'),
    'resource-get': args[0],
    'relation-ids': args[0],
    'relation-list': after('-r'),
    'relation-get': after('-r'),
    'relation-set': after('-r'),
  };
  const subject = subjects[tool];
  return subject === undefined ? tool : `${tool} ${subject}`;
}

class InProcessUnit {
  readonly state: UnitState;
  readonly context: HookContext & { action: ActionContext };
  onCall: (label: string) => void = () => {};

  constructor(init: { config?: Record<string, ConfigValue | null>; resources?: Record<string, string> }) {
    this.state = newUnitState({
      unit: 'temporal-worker-k8s/0',
      modelUuid: randomUUID(),
      config: init.config,
      resources: init.resources,
    });
    const action: ActionContext = {
      name: '',
      id: '',
      params: {},
      results: {},
      failed: false,
      message: '',
      logs: [],
    };
    this.context = openHookContext(this.state, {
      id: 'in-process',
      hookName: 'unit-test',
      action,
    }) as HookContext & {
      action: ActionContext;
    };
  }

  readonly runner = async (tool: string, args: string[], input?: string) => {
    this.onCall(callLabel(tool, args));
    return runHookTool(this.state, {
      tool,
      args,
      contextId: this.context.id,
      cwd: process.cwd(),
      readStdin: () => {
        if (input === undefined) throw failure(NO_STDIN);
        return input;
      },
    });
  };
}

export class FakeJuju extends HookTools {
  /** The simulator's state of this unit, for what the accessors below do not show. */
  readonly unitState: UnitState;
  private readonly context: HookContext & { action: ActionContext };
  /** Every call, as `<tool> <first argument>`, in order. */
  calls: string[] = [];

  constructor(
    init: { config?: Record<string, ConfigValue | null>; resources?: Record<string, string> } = {},
  ) {
    const unit = new InProcessUnit(init);
    super(unit.runner);
    unit.onCall = (label) => this.calls.push(label);
    this.unitState = unit.state;
    this.context = unit.context;
  }

  get config(): Record<string, ConfigValue | null> {
    return this.unitState.config;
  }
  set config(config: Record<string, ConfigValue | null>) {
    this.unitState.config = config;
  }
  /** Resource name → local file path; absent means "not attached" (resource-get exits 1). */
  get resources(): Record<string, string | null> {
    return this.unitState.resources;
  }
  set resources(resources: Record<string, string | null>) {
    this.unitState.resources = resources;
  }
  get leader(): boolean {
    return this.unitState.leader;
  }
  set leader(leader: boolean) {
    this.unitState.leader = leader;
  }
  get statusHistory(): StatusEntry[] {
    return this.unitState.statusHistory.map(({ status, message }) => ({
      status: status as StatusName,
      message,
    }));
  }
  get status(): StatusEntry | undefined {
    return this.statusHistory.at(-1);
  }
  get logs(): Array<{ level: LogLevel; message: string }> {
    return this.unitState.logs as Array<{ level: LogLevel; message: string }>;
  }
  get applicationVersion(): string | null {
    return this.unitState.applicationVersion || null;
  }
  get actionParams(): Record<string, unknown> {
    return this.context.action.params;
  }
  set actionParams(params: Record<string, unknown>) {
    this.context.action.params = params;
  }
  get actionResults(): Record<string, unknown> {
    return this.context.action.results;
  }
  get actionFailure(): string | null {
    return this.context.action.failed ? this.context.action.message : null;
  }
  get actionLogs(): string[] {
    return this.context.action.logs;
  }
  /** The charm state as the running hook sees it (state-set is committed only when a hook ends). */
  get state(): Record<string, string> {
    return this.context.pending.state;
  }

  /**
   * A relation to `remoteApp` on `endpoint`, as after its -created hook; returns its id
   * (`<endpoint>:<n>`). Its data is the remote side's; what the charm writes is `written()`.
   */
  addRelation(
    endpoint: string,
    remoteApp: string,
    data: Partial<Omit<RelationState, 'remoteApp'>> = {},
  ): string {
    const ids = Object.keys(this.unitState.relations).map((key) => Number(key.split(':').pop()));
    const relationId = `${endpoint}:${ids.length ? Math.max(...ids) + 1 : 0}`;
    this.unitState.relations[relationId] = newRelation(remoteApp, data);
    this.context.pending.relations[relationId] = newRelation(remoteApp, clone(data));
    return relationId;
  }

  /** The remote application's databag of a relation, to change between hooks. */
  remoteAppData(relationId: string): Record<string, string> {
    return this.unitState.relations[relationId]!.remoteAppData;
  }

  /** What this unit wrote in a relation: its application's and its own databags. */
  written(relationId: string): { app: Record<string, string>; unit: Record<string, string> } {
    const pending = this.context.pending.relations[relationId]!;
    return { app: pending.localApp, unit: pending.localUnit };
  }

  /** The relation is gone (after its -broken hook). */
  removeRelation(relationId: string): void {
    delete this.unitState.relations[relationId];
    delete this.context.pending.relations[relationId];
  }

  /** Everything the charm told Juju, as one string: for "no secret anywhere" checks. */
  everythingSaid(): string {
    return JSON.stringify([
      this.statusHistory,
      this.logs,
      this.applicationVersion,
      this.actionResults,
      this.actionFailure,
      this.actionLogs,
      this.state,
    ]);
  }
}
