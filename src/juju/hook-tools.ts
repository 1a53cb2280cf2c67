// Juju hook tools as functions, in the goops way: each method builds the argument list
// of one tool, runs it through the single runner, and parses its output. Invocation
// forms follow docs/juju-pebble-contract.md §2.2; data goes through stdin (`--file -`)
// whenever the tool accepts it, so large or secret values never reach argv.
import execa from 'execa';
import { HookToolError, type ConfigValue, type Juju, type LogLevel, type StatusName } from './types';

export interface HookToolResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

/** Runs one hook tool. The child inherits process.env, so JUJU_* context variables reach it. */
export type HookToolRunner = (tool: string, args: string[], input?: string) => Promise<HookToolResult>;

export const runWithExeca: HookToolRunner = async (tool, args, input) => {
  const result = await execa(tool, args, { input, reject: false });
  // A tool that could not be started (not on PATH) has no exit code; say why on stderr.
  const startError = (result as Partial<execa.ExecaError>).shortMessage;
  const stderr =
    result.exitCode === undefined && !result.stderr ? (startError ?? 'could not start') : result.stderr;
  return { exitCode: result.exitCode, stdout: result.stdout, stderr };
};

/** The longest string ops passes to a subshell (MAX_ARG_STRLEN minus the terminating NUL). */
export const MAX_LOG_LINE_LENGTH = 131071;

const ACTION_RESULT_KEY = /^[a-z0-9](([a-z0-9-.]+)?[a-z0-9])?$/;
const RESERVED_ACTION_RESULT_KEYS = new Set(['stdout', 'stdout-encoding', 'stderr', 'stderr-encoding']);

export class HookTools implements Juju {
  /** Hook-tool processes started so far (the benchmark reports it per hook). */
  callCount = 0;

  constructor(private readonly runner: HookToolRunner = runWithExeca) {}

  async configGet(): Promise<Record<string, ConfigValue | null>> {
    return (
      (await this.runJson<Record<string, ConfigValue | null> | null>('config-get', [
        '--all',
        '--format=json',
      ])) ?? {}
    );
  }

  async statusSet(status: StatusName, message: string): Promise<void> {
    await this.run('status-set', [status, '--', message]);
  }

  async statusGet(): Promise<{ status: string; message: string }> {
    const unit = await this.runJson<{ status: string; message?: string }>('status-get', [
      '--include-data',
      '--format=json',
    ]);
    return { status: unit.status, message: unit.message ?? '' };
  }

  async log(level: LogLevel, message: string): Promise<void> {
    if (message.length <= MAX_LOG_LINE_LENGTH) {
      await this.run('juju-log', ['--log-level', level, '--', message]);
      return;
    }
    const chunks: string[] = [];
    for (let start = 0; start < message.length; start += MAX_LOG_LINE_LENGTH) {
      chunks.push(message.slice(start, start + MAX_LOG_LINE_LENGTH));
    }
    await this.run('juju-log', [
      '--log-level',
      level,
      '--',
      `Log message of ${message.length} characters is longer than ${MAX_LOG_LINE_LENGTH}: splitting it into ${chunks.length} chunks`,
    ]);
    for (const chunk of chunks) await this.run('juju-log', ['--log-level', level, '--', chunk]);
  }

  async isLeader(): Promise<boolean> {
    return (await this.runJson<boolean>('is-leader', ['--format=json'])) === true;
  }

  async resourceGet(name: string): Promise<string | null> {
    const result = await this.invoke('resource-get', [name]);
    if (result.exitCode === 1 && result.stderr.includes('could not download resource')) return null;
    this.check('resource-get', result);
    return result.stdout.trim();
  }

  async applicationVersionSet(version: string): Promise<void> {
    await this.run('application-version-set', ['--', version]);
  }

  async actionGet(): Promise<Record<string, unknown>> {
    return (await this.runJson<Record<string, unknown> | null>('action-get', ['--format=json'])) ?? {};
  }

  async actionSet(results: Record<string, string>): Promise<void> {
    const entries = Object.entries(results);
    if (entries.length === 0) return;
    for (const [key] of entries) {
      if (!ACTION_RESULT_KEY.test(key)) {
        throw new Error(
          `cannot set action result "${key}": keys use lowercase letters, digits, '-' and '.', and start and end with a letter or digit`,
        );
      }
      if (RESERVED_ACTION_RESULT_KEYS.has(key.split('.')[0]!)) {
        throw new Error(`cannot set action result "${key}": the key is reserved by Juju`);
      }
    }
    await this.run(
      'action-set',
      entries.map(([key, value]) => `${key}=${value}`),
    );
  }

  async actionFail(message: string): Promise<void> {
    await this.run('action-fail', ['--', message]);
  }

  async actionLog(message: string): Promise<void> {
    await this.run('action-log', ['--', message]);
  }

  async relationIds(endpoint: string): Promise<string[]> {
    return (await this.runJson<string[] | null>('relation-ids', [endpoint, '--format=json'])) ?? [];
  }

  async relationList(relationId: string): Promise<string[]> {
    return (await this.runJson<string[] | null>('relation-list', ['-r', relationId, '--format=json'])) ?? [];
  }

  async relationApp(relationId: string): Promise<string> {
    return (
      (await this.runJson<string | null>('relation-list', ['-r', relationId, '--app', '--format=json'])) ?? ''
    );
  }

  async relationGet(relationId: string, unitOrApp: string, app = false): Promise<Record<string, string>> {
    const args = ['--format=json', '-r', relationId, ...(app ? ['--app'] : []), '-', unitOrApp];
    return (await this.runJson<Record<string, string> | null>('relation-get', args)) ?? {};
  }

  async relationSet(relationId: string, data: Record<string, string>, app = false): Promise<void> {
    const args = ['-r', relationId, ...(app ? ['--app'] : []), '--file', '-'];
    await this.run('relation-set', args, JSON.stringify(data));
  }

  async stateGet(): Promise<Record<string, string>> {
    // Juju 4 prints null for empty state, Juju 3 `{}` (docs/juju-pebble-contract.md §7.8).
    return (await this.runJson<Record<string, string> | null>('state-get', ['--format=json'])) ?? {};
  }

  async stateSet(data: Record<string, string>): Promise<void> {
    if (Object.keys(data).length === 0) return;
    await this.run('state-set', ['--file', '-'], JSON.stringify(data));
  }

  async stateDelete(key: string): Promise<void> {
    await this.run('state-delete', ['--', key]);
  }

  async networkGet(binding: string, relationId?: string): Promise<string> {
    const args = [binding, ...(relationId ? ['-r', relationId] : []), '--bind-address', '--format=json'];
    return String(await this.runJson<string>('network-get', args));
  }

  async secretGet(id: string, refresh = false): Promise<Record<string, string>> {
    // The id goes in argv (it is not secret); the content comes back on stdout only.
    const args = ['--format=json', ...(refresh ? ['--refresh'] : []), '--', id];
    return (await this.runJson<Record<string, string> | null>('secret-get', args)) ?? {};
  }

  private async invoke(tool: string, args: string[], input?: string): Promise<HookToolResult> {
    this.callCount += 1;
    return this.runner(tool, args, input);
  }

  private check(tool: string, result: HookToolResult): void {
    if (result.exitCode !== 0) throw new HookToolError(tool, result.exitCode, result.stderr);
  }

  private async run(tool: string, args: string[], input?: string): Promise<string> {
    const result = await this.invoke(tool, args, input);
    this.check(tool, result);
    return result.stdout;
  }

  private async runJson<T>(tool: string, args: string[]): Promise<T> {
    const stdout = await this.run(tool, args);
    try {
      return JSON.parse(stdout) as T;
    } catch {
      // Never the output itself: config-get, action-get, state-get and relation-get print
      // config values and secrets, and this message ends up in juju-log (SECURITY.md).
      throw new Error(`${tool} printed ${stdout.length} characters that are not JSON`);
    }
  }
}
