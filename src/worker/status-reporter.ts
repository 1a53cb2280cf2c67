// The worker's state as the charm sees it: the status file rewritten on every change, and
// a Pebble custom notice so that Juju runs the charm (pebble-custom-notice).
import { renameSync, writeFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { STATUS_NOTICE_KEY } from '../contract/container';
import type { WorkerState, WorkerStatus } from '../contract/worker-status';
import { PebbleClient } from '../pebble/client';

export class StatusReporter {
  private current: WorkerStatus;
  private published = false;
  private readonly pebble: PebbleClient | undefined;

  constructor(
    private readonly options: {
      namespace: string;
      queue: string;
      statusFile?: string;
      pebbleSocket?: string;
      logger: Logger;
    },
  ) {
    this.current = this.status('starting', 'worker starting');
    this.pebble = options.pebbleSocket ? new PebbleClient(options.pebbleSocket) : undefined;
  }

  get snapshot(): WorkerStatus {
    return this.current;
  }

  get state(): WorkerState {
    return this.current.state;
  }

  get message(): string {
    return this.current.message;
  }

  /** Records a new state; does nothing when neither state nor message changed. */
  async set(state: WorkerState, message: string): Promise<void> {
    if (this.published && state === this.current.state && message === this.current.message) return;
    this.published = true;
    this.current = this.status(state, message);
    this.options.logger.info({ state, reason: message }, `worker ${state}: ${message}`);
    this.writeFile();
    await this.notifyPebble();
  }

  private status(state: WorkerState, message: string): WorkerStatus {
    return {
      state,
      message,
      namespace: this.options.namespace,
      queue: this.options.queue,
      pid: process.pid,
      updatedAt: new Date().toISOString(),
    };
  }

  private writeFile(): void {
    const file = this.options.statusFile;
    if (!file) return;
    try {
      writeFileSync(`${file}.tmp`, JSON.stringify(this.current) + '\n');
      renameSync(`${file}.tmp`, file);
    } catch (error) {
      this.options.logger.warn({ err: error }, `cannot write the status file ${file}`);
    }
  }

  private async notifyPebble(): Promise<void> {
    try {
      await this.pebble?.addCustomNotice(STATUS_NOTICE_KEY);
    } catch (error) {
      this.options.logger.debug({ err: error }, 'cannot record the status notice with Pebble');
    }
  }
}
