// The simulated unit agent for the fast hook-tool client (hook-tool-client.sh): it reads
// calls from a FIFO and runs each with runHookToolOnStateFile, in this process, then
// writes the answer into the call's own reply FIFO. It answers while this process's event
// loop runs, so a harness using it must not block (no spawnSync of a hook) while a hook runs.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import * as net from 'node:net';
import { runHookToolOnStateFile } from './state-file';
import type { ToolResult } from './hook-tools';

/** The call brought no stdin and the tool reads it: the client is asked to send it. */
class StdinWanted extends Error {}

const WRITE_TIMEOUT_MS = 10_000;

/** `<line count> <ends with a newline: 1|0>` and the lines, as the client reads them. */
function framed(text: string): { header: string; body: string } {
  if (text === '') return { header: '0 1', body: '' };
  const endsWithNewline = text.endsWith('\n');
  const body = endsWithNewline ? text : `${text}\n`;
  return { header: `${body.split('\n').length - 1} ${endsWithNewline ? 1 : 0}`, body };
}

export function encodeAnswer(result: ToolResult): string {
  const stdout = framed(result.stdout);
  const stderr = framed(result.stderr);
  return `${result.exitCode} ${stdout.header} ${stderr.header}\n${stdout.body}${stderr.body}`;
}

/** Writes all of `data` to a non-blocking FIFO the client is reading; false if the client is gone. */
function writeAll(fd: number, data: Buffer): boolean {
  const deadline = Date.now() + WRITE_TIMEOUT_MS;
  for (let offset = 0; offset < data.length;) {
    try {
      offset += writeSync(fd, data, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || Date.now() > deadline) return false;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
  return true;
}

export class HookToolAgent {
  private readonly requests: net.Socket;
  private buffered = '';

  /** Serves calls to the FIFO at `fifoPath` (created here) on the state file at `statePath`. */
  constructor(
    readonly fifoPath: string,
    private readonly statePath: string,
  ) {
    execFileSync('mkfifo', ['-m', '600', fifoPath]);
    // Read-write, so the FIFO never reports end-of-file between clients.
    const fd = openSync(fifoPath, constants.O_RDWR | constants.O_NONBLOCK);
    this.requests = new net.Socket({ fd, readable: true, writable: false });
    this.requests.setEncoding('utf8');
    this.requests.on('data', (chunk: string) => this.receive(chunk));
    // Never what keeps the harness alive.
    this.requests.unref();
  }

  stop(): void {
    this.requests.destroy();
    rmSync(this.fifoPath, { force: true });
  }

  private receive(chunk: string): void {
    this.buffered += chunk;
    for (let end = this.buffered.indexOf('\n'); end >= 0; end = this.buffered.indexOf('\n')) {
      const call = this.buffered.slice(0, end);
      this.buffered = this.buffered.slice(end + 1);
      this.serve(call);
    }
  }

  /** `call` is the client's reply FIFO; its request (and stdin, when sent) lie beside it. */
  private serve(call: string): void {
    let answer: string;
    let done = true;
    try {
      const fields = readFileSync(`${call}.request`, 'utf8').split('\0').slice(0, -1);
      const [tool = '', contextId, remoteUnit, cwd = '/', ...args] = fields;
      const result = runHookToolOnStateFile(this.statePath, {
        tool,
        args,
        contextId: contextId || undefined,
        remoteUnit: remoteUnit || undefined,
        cwd,
        readStdin: () => {
          if (!existsSync(`${call}.stdin`)) throw new StdinWanted();
          return readFileSync(`${call}.stdin`, 'utf8');
        },
      });
      answer = encodeAnswer(result);
    } catch (error) {
      done = !(error instanceof StdinWanted);
      answer = done
        ? encodeAnswer({ exitCode: 1, stdout: '', stderr: `ERROR fake unit agent: ${String(error)}\n` })
        : 'stdin\n';
    }
    try {
      const fd = openSync(call, constants.O_WRONLY | constants.O_NONBLOCK);
      try {
        writeAll(fd, Buffer.from(answer));
      } finally {
        closeSync(fd);
      }
    } catch {
      // The client is gone (killed with its hook): nobody to answer.
    }
    // The client holds the FIFO open and has what it needs: its files can go.
    if (done) for (const file of [call, `${call}.request`, `${call}.stdin`]) rmSync(file, { force: true });
  }
}
