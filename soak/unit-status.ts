// The unit status as Juju shows it: update-status dispatched through the fake Juju (the
// charm reads Pebble and the worker's status file), then the status the charm set. One
// hook at a time, as a unit agent runs them. Once the soak is interrupted it reads no more:
// Ctrl-C reaches Pebble too, and a unit whose Pebble is going away says nothing of the worker.
import type { CharmUnitOnHost } from '../tests/harness/charm-unit';

export interface StatusReading {
  at: number;
  status: string;
  message: string;
  /** The hook's exit code: anything but 0 is a hook error in Juju. */
  exitCode: number;
  /** Why it was read: `periodic`, or the fault it was read during. */
  reason: string;
}

export class UnitStatusReader {
  readonly readings: StatusReading[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly unit: CharmUnitOnHost,
    private readonly signal: AbortSignal,
  ) {}

  read(reason: string): Promise<StatusReading | undefined> {
    const reading = this.queue.then(async () => {
      if (this.signal.aborted) return undefined;
      let exitCode: number;
      try {
        exitCode = (await this.unit.dispatch('update-status', {}, true)).exitCode;
      } catch {
        exitCode = -1;
      }
      const { status, message } = this.unit.model.status();
      const entry = { at: Date.now(), status, message, exitCode, reason };
      this.readings.push(entry);
      return entry;
    });
    this.queue = reading.catch(() => undefined);
    return reading;
  }

  /** Resolves once the hooks asked for so far have run. */
  async settled(): Promise<void> {
    await this.queue;
  }
}
