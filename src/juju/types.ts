// The Juju hook tools the charm uses, as one interface. `src/juju/hook-tools.ts`
// implements it with execa; tests use an in-memory fake. Nothing else runs processes.

export type StatusName = 'maintenance' | 'blocked' | 'waiting' | 'active';
export type LogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
export type ConfigValue = string | number | boolean;

export interface Juju {
  /** `config-get --all --format=json`: every option, unset ones as null. */
  configGet(): Promise<Record<string, ConfigValue | null>>;
  /** `status-set <status> -- <message>` for this unit. */
  statusSet(status: StatusName, message: string): Promise<void>;
  /** `status-get --include-data --format=json`: this unit's current status. */
  statusGet(): Promise<{ status: string; message: string }>;
  /** `juju-log --log-level LEVEL -- <message>`; long messages are split. */
  log(level: LogLevel, message: string): Promise<void>;
  isLeader(): Promise<boolean>;
  /** `resource-get <name>`: the local path, or null when no file is attached (exit 1, "could not download resource"). */
  resourceGet(name: string): Promise<string | null>;
  applicationVersionSet(version: string): Promise<void>;
  /** Action tools: only valid while running an action. */
  actionGet(): Promise<Record<string, unknown>>;
  actionSet(results: Record<string, string>): Promise<void>;
  actionFail(message: string): Promise<void>;
  actionLog(message: string): Promise<void>;
  relationIds(endpoint: string): Promise<string[]>;
  relationList(relationId: string): Promise<string[]>;
  /** `relation-list --app`: the remote application of the relation. */
  relationApp(relationId: string): Promise<string>;
  relationGet(relationId: string, unitOrApp: string, app?: boolean): Promise<Record<string, string>>;
  relationSet(relationId: string, data: Record<string, string>, app?: boolean): Promise<void>;
  stateGet(): Promise<Record<string, string>>;
  stateSet(data: Record<string, string>): Promise<void>;
  stateDelete(key: string): Promise<void>;
  /** `network-get <binding> --bind-address --format=json`: the address this unit serves `binding` on. */
  networkGet(binding: string, relationId?: string): Promise<string>;
  /**
   * `secret-get <id> --format=json [--refresh]`: the secret's content. A secret the unit cannot
   * read (unknown id, not granted) throws HookToolError, whose stderr says why.
   */
  secretGet(id: string, refresh?: boolean): Promise<Record<string, string>>;
}

/** A hook tool exited non-zero; `stderr` is what it printed (Juju's `ERROR <message>`). */
export class HookToolError extends Error {
  constructor(
    readonly tool: string,
    readonly exitCode: number | undefined,
    readonly stderr: string,
  ) {
    super(`${tool} failed (exit ${exitCode ?? 'unknown'}): ${stderr.trim()}`);
    this.name = 'HookToolError';
  }
}
