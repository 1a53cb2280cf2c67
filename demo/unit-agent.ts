// The part of Juju's unit agent the demo plays: runs the charm's hooks one at a time
// through the fake Juju model, turns Pebble's custom notices into pebble-custom-notice
// hooks, runs update-status when nothing else happens, and keeps a debug log.
import { appendFileSync } from 'node:fs';
import type { DispatchOptions, DispatchResult, FakeJujuModel } from '../tests/harness/fake-juju';
import { CONTAINER_NAME, STATUS_NOTICE_KEY } from '../src/contract/container';
import { customNotices } from './pebble-notices';
import { StepError, type Say } from './progress';
import { workerOutputTail } from './worker-log';

export const APPLICATION = 'temporal-worker-k8s';

export interface UnitAgentOptions {
  model: FakeJujuModel;
  /** The charm's test seams: where the Pebble socket and the worker's home are. */
  env: Record<string, string>;
  pebbleSocket: string;
  /** Pebble's log, with the worker's output: quoted when the unit does not come up. */
  pebbleLogFile: string;
  /** Where hook output and juju-log lines are appended, like `juju debug-log`. */
  debugLog: string;
  say: Say;
  /** Throws when the demo was interrupted; called between hooks. */
  checkInterrupted: () => void;
}

export interface WaitForActiveOptions {
  timeoutMs: number;
  /** Blocked means an operator must act: after this long blocked, waiting longer is pointless. */
  blockedGraceMs: number;
  /** Juju's update-status-hook-interval (5 minutes by default; shorter here). */
  updateStatusEveryMs: number;
}

function firstLines(text: string, count: number): string {
  return text.trim().split('\n').slice(0, count).join('\n');
}

export class UnitAgent {
  private loggedEntries = 0;
  private lastShown = '';
  private noticesAfter: string | undefined;
  private readonly unitTag: string;

  constructor(private readonly options: UnitAgentOptions) {
    this.unitTag = `unit-${options.model.unit.replace('/', '-')}`;
  }

  get say(): Say {
    return this.options.say;
  }

  /**
   * Runs one hook (as `hooks/<name>`); a hook that fails is an error naming it. With
   * `quiet`, the hook is shown only when the unit status changed.
   */
  async run(hook: string, extra: Omit<DispatchOptions, 'env'> & { quiet?: boolean } = {}): Promise<void> {
    this.options.checkInterrupted();
    const { model } = this.options;
    let result: DispatchResult;
    try {
      const { quiet: _quiet, ...dispatchOptions } = extra;
      result = await model.dispatch(hook, { ...dispatchOptions, env: this.options.env });
    } catch (error) {
      this.appendDebugLog(hook, { exitCode: 1 });
      throw new StepError(`Juju could not run hook ${hook}: ${(error as Error).message}`);
    }
    this.appendDebugLog(hook, result);
    const { status, message } = model.status();
    const shown = `unit ${status}${message ? `: ${message}` : ''}`;
    if (!extra.quiet || shown !== this.lastShown || result.exitCode !== 0) {
      this.say(`${`hook ${hook}`.padEnd(44)} ${shown}`);
    }
    this.lastShown = shown;
    if (result.exitCode !== 0) {
      const errors = model
        .logs()
        .filter((entry) => entry.level === 'ERROR')
        .map((entry) => entry.message);
      const detail = firstLines(errors.at(-1) ?? result.stderr ?? '', 6);
      throw new StepError(
        `the charm failed in hook ${hook} (exit code ${result.exitCode})${detail ? `:\n${detail}` : ''}`,
        [`the charm's log: ${this.options.debugLog}`],
      );
    }
  }

  /** Dispatches pebble-custom-notice for each worker notice that is new or repeated; returns how many. */
  async deliverNotices(waitSeconds: number): Promise<number> {
    const notices = await customNotices(
      this.options.pebbleSocket,
      STATUS_NOTICE_KEY,
      this.noticesAfter,
      waitSeconds,
    );
    for (const notice of notices) {
      this.noticesAfter = notice['last-repeated'];
      await this.run(`${CONTAINER_NAME}-pebble-custom-notice`, {
        notice: { id: notice.id, key: notice.key, type: notice.type },
        quiet: true,
      });
    }
    return notices.length;
  }

  /** Lets the unit settle: notices and update-status until it is active, or an error saying how it is. */
  async waitUntilActive({
    timeoutMs,
    blockedGraceMs,
    updateStatusEveryMs,
  }: WaitForActiveOptions): Promise<void> {
    const { model } = this.options;
    const deadline = Date.now() + timeoutMs;
    let lastUpdateStatus = Date.now();
    let blockedSince: number | undefined;
    for (;;) {
      const { status, message } = model.status();
      if (status === 'active') return;
      blockedSince = status === 'blocked' ? (blockedSince ?? Date.now()) : undefined;
      const stuck = blockedSince !== undefined && Date.now() - blockedSince >= blockedGraceMs;
      const remaining = deadline - Date.now();
      if (remaining <= 0 || stuck) {
        throw new StepError(
          (stuck
            ? `the unit stayed blocked for ${Math.round(blockedGraceMs / 1000)} s`
            : `the unit did not become active within ${Math.round(timeoutMs / 1000)} s: it is ${status}`) +
            (message ? ` ("${message}")` : ''),
          [
            `the charm's log: ${this.options.debugLog}`,
            "the worker's last output, from Pebble's log:",
            ...workerOutputTail(this.options.pebbleLogFile).map((line) => `  ${line}`),
          ],
        );
      }
      const delivered = await this.deliverNotices(Math.max(1, Math.min(5, Math.ceil(remaining / 1000))));
      this.options.checkInterrupted();
      if (delivered === 0 && Date.now() - lastUpdateStatus >= updateStatusEveryMs) {
        await this.run('update-status', { quiet: true });
        lastUpdateStatus = Date.now();
      }
    }
  }

  /** Appends what the hook logged (juju-log lines, the charm's output) like `juju debug-log` shows it. */
  private appendDebugLog(hook: string, result: Pick<DispatchResult, 'exitCode'>): void {
    const { model } = this.options;
    const entries = model.debugLog();
    const time = new Date().toISOString().slice(11, 19);
    const lines = entries
      .slice(this.loggedEntries)
      .map(
        (entry) =>
          `${this.unitTag}: ${time} ${entry.level} unit.${model.unit}.${entry.hook}: ${entry.message}`,
      );
    this.loggedEntries = entries.length;
    lines.push(
      result.exitCode === 0
        ? `${this.unitTag}: ${time} INFO juju.worker.uniter.operation ran "${hook}" hook (via hook dispatching script: dispatch)`
        : `${this.unitTag}: ${time} ERROR juju.worker.uniter.operation hook "${hook}" (via hook dispatching script: dispatch) failed: exit status ${result.exitCode}`,
    );
    appendFileSync(this.options.debugLog, `${lines.join('\n')}\n`);
  }
}

/** A `juju status` of the one-unit model. */
export function jujuStatusView(model: FakeJujuModel): string {
  const { status, message } = model.status();
  const version = model.applicationVersion() || '-';
  const table = (rows: string[][]) => {
    const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
    return rows.map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    );
  };
  return [
    ...table([
      ['Model', 'Controller', 'Cloud/Region', 'Version'],
      [model.modelName, 'fake-juju', 'local/demo', '3.6.4'],
    ]),
    '',
    ...table([
      ['App', 'Version', 'Status', 'Scale', 'Charm', 'Channel', 'Rev'],
      [APPLICATION, version, status, '1', APPLICATION, 'local', '0'],
    ]),
    '',
    ...table([
      ['Unit', 'Workload', 'Agent', 'Message'],
      [`${model.unit}*`, status, model.hookError() ? 'error' : 'idle', message],
    ]),
  ].join('\n');
}
