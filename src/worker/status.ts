// The worker's state as the charm sees it: STATUS_FILE rewritten on every change,
// and a Pebble custom notice so that Juju runs the charm (pebble-custom-notice).
import { renameSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { Logger } from 'pino';
import { STATUS_NOTICE_KEY, type WorkerState, type WorkerStatus } from '../workload/contract';

export class StatusReporter {
  private current: WorkerStatus;
  private published = false;

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

  private notifyPebble(): Promise<void> {
    const socketPath = this.options.pebbleSocket;
    if (!socketPath) return Promise.resolve();
    const body = JSON.stringify({ action: 'add', type: 'custom', key: STATUS_NOTICE_KEY });
    return new Promise((resolve) => {
      const request = http.request(
        {
          socketPath,
          path: '/v1/notices',
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
          timeout: 2000,
        },
        (response) => {
          response.resume();
          if (response.statusCode !== 200) {
            this.options.logger.debug(`Pebble refused the status notice: HTTP ${response.statusCode}`);
          }
          response.on('end', () => resolve());
        },
      );
      request.on('timeout', () => request.destroy(new Error('timed out')));
      request.on('error', (error) => {
        this.options.logger.debug({ err: error }, 'cannot record the status notice with Pebble');
        resolve();
      });
      request.end(body);
    });
  }
}
