// A real Temporal dev server (the Temporal CLI from `npm run setup`) for
// integration tests: free ports on 127.0.0.1, a persistent SQLite file so the
// server can be stopped and started again with its history, and a Client.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { freePort } from '../../workflows/tests/harness/ports';
import { temporalBinary } from '../../workflows/tests/harness/tools';

export interface TemporalDevServerOptions {
  namespace?: string;
}

export class TemporalDevServer {
  readonly namespace: string;
  private process: ChildProcess | undefined;
  private output = '';
  private readonly connections: Connection[] = [];

  private constructor(
    private readonly binary: string,
    readonly port: number,
    private readonly extraPorts: { ui: number; http: number; metrics: number },
    private readonly dataDir: string,
    namespace: string,
  ) {
    this.namespace = namespace;
  }

  /** Starts a dev server and waits until its namespace answers. */
  static async start(options: TemporalDevServerOptions = {}): Promise<TemporalDevServer> {
    const binary = temporalBinary();
    // A free port can be taken by another process before the server binds it: try fresh ones.
    for (let attempt = 1; ; attempt++) {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'temporal-dev-'));
      const server = new TemporalDevServer(
        binary,
        await freePort(),
        { ui: await freePort(), http: await freePort(), metrics: await freePort() },
        dataDir,
        options.namespace ?? 'default',
      );
      try {
        await server.resume();
        return server;
      } catch (error) {
        await server.shutdown();
        if (attempt >= 3 || !/address already in use/.test(String(error))) throw error;
      }
    }
  }

  /** `127.0.0.1:<port>`: what TWC_HOST holds for a worker talking to this server. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Server output so far, for failure messages. */
  get log(): string {
    return this.output;
  }

  /** Starts the server process again (same port and database) after `stop()`. */
  async resume(): Promise<void> {
    if (this.process) throw new Error('the Temporal dev server is already running');
    const args = [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(this.port),
      '--ui-port',
      String(this.extraPorts.ui),
      '--http-port',
      String(this.extraPorts.http),
      '--metrics-port',
      String(this.extraPorts.metrics),
      '--headless',
      '--db-filename',
      path.join(this.dataDir, 'temporal.db'),
      '--namespace',
      this.namespace,
      '--log-level',
      'warn',
    ];
    const child = spawn(this.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.process = child;
    const append = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20000);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    child.once('exit', () => {
      if (this.process === child) this.process = undefined;
    });
    await this.waitUntilReady(child);
  }

  private async waitUntilReady(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + 60_000;
    let lastError: unknown;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        throw new Error(`the Temporal dev server exited with ${child.exitCode}:\n${this.output}`);
      }
      try {
        const connection = await Connection.connect({ address: this.address, connectTimeout: 2000 });
        try {
          await connection.workflowService.describeNamespace({ namespace: this.namespace });
          return;
        } finally {
          await connection.close();
        }
      } catch (error) {
        lastError = error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    throw new Error(`the Temporal dev server did not become ready: ${String(lastError)}\n${this.output}`);
  }

  /** A client on this server; closed by `shutdown()`. */
  async client(
    options: Omit<ConnectionOptions, 'address'> & Partial<Pick<ConnectionOptions, 'address'>> = {},
  ) {
    const connection = await Connection.connect({ address: this.address, ...options });
    this.connections.push(connection);
    return new Client({ connection, namespace: this.namespace });
  }

  /** Stops the server process (SIGTERM, then SIGKILL) but keeps its database. */
  async stop(): Promise<void> {
    const child = this.process;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    this.process = undefined;
  }

  /** Stops the server, closes the clients and removes its data. */
  async shutdown(): Promise<void> {
    await Promise.allSettled(this.connections.splice(0).map((connection) => connection.close()));
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
