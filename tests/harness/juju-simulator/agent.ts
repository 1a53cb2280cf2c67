// The simulated unit agent for the fast hook-tool client (hook-tool-client.sh): it reads
// call folders from a FIFO and runs each call with runHookToolOnStateFile, in this
// process. It answers while this process's event loop runs, so a harness using it must
// not block (no spawnSync of a hook) while a hook runs.
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  constants,
  existsSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { runHookToolOnStateFile } from './state-file';

/** The call brought no stdin and the tool reads it: the client is asked to send it. */
class StdinWanted extends Error {}

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
      const callDir = this.buffered.slice(0, end);
      this.buffered = this.buffered.slice(end + 1);
      this.serve(callDir);
    }
  }

  private serve(callDir: string): void {
    let reply: string;
    try {
      const fields = readFileSync(path.join(callDir, 'request'), 'utf8').split('\0').slice(0, -1);
      const [tool = '', contextId, remoteUnit, cwd = '/', ...args] = fields;
      const stdinFile = path.join(callDir, 'stdin');
      const result = runHookToolOnStateFile(this.statePath, {
        tool,
        args,
        contextId: contextId || undefined,
        remoteUnit: remoteUnit || undefined,
        cwd,
        readStdin: () => {
          if (!existsSync(stdinFile)) throw new StdinWanted();
          return readFileSync(stdinFile, 'utf8');
        },
      });
      writeFileSync(path.join(callDir, 'stdout'), result.stdout);
      writeFileSync(path.join(callDir, 'stderr'), result.stderr);
      reply = String(result.exitCode);
    } catch (error) {
      if (error instanceof StdinWanted) {
        reply = 'stdin';
      } else {
        try {
          writeFileSync(path.join(callDir, 'stderr'), `ERROR fake unit agent: ${String(error)}\n`);
        } catch {
          // The client is gone.
        }
        reply = '1';
      }
    }
    try {
      const fd = openSync(path.join(callDir, 'reply'), constants.O_WRONLY | constants.O_NONBLOCK);
      writeSync(fd, `${reply}\n`);
      closeSync(fd);
    } catch {
      // The client is gone (killed with its hook): nobody to answer.
    }
  }
}
