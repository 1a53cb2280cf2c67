// What the soak reads of the worker without changing it: the process Pebble runs (found
// among Pebble's descendants), its memory and file descriptors from /proc, V8's heap from the
// workflows' metrics endpoint when the worker serves Node's default heap metrics there, and what
// Pebble says of the service: its state (API) and its restarts (its log, which has a line
// per start; the API has no restart count).
import { closeSync, openSync, readFileSync, readSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { SERVICE_NAME } from '../src/contract/container';
import { PebbleClient } from '../src/pebble/client';
import { descendantsOf, type ProcessRecord } from '../demo/processes';
import type { CharmUnitOnHost } from '../tests/harness/charm-unit';

const MIB = 1024 * 1024;

export interface HeapSample {
  usedMiB: number;
  heldMiB: number | null;
  /** By space (`new`, `old`, `code`, …): used and held. */
  spacesMiB: Record<string, [used: number, held: number]>;
}

export interface ProcessSample {
  rssMiB: number;
  fds: number;
  sockets: number;
}

/** RSS, open file descriptors and how many of them are sockets; undefined once the process is gone. */
export function processSample(pid: number): ProcessSample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    let fds = 0;
    let sockets = 0;
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      fds++;
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) sockets++;
      } catch {
        // closed since the listing
      }
    }
    return { rssMiB: rssKib / 1024, fds, sockets };
  } catch {
    return undefined;
  }
}

export class WorkerProbe {
  private readonly pebble: PebbleClient;
  private logOffset = 0;
  private starts = 0;
  private startsAtBaseline = 0;
  /** The worker processes seen, in order (a new one is a restart). */
  readonly processes: ProcessRecord[] = [];

  constructor(private readonly unit: CharmUnitOnHost) {
    this.pebble = new PebbleClient(unit.pebble.socketPath);
  }

  /** The worker process now (`node …/worker.js` under Pebble), if it runs. */
  worker(): ProcessRecord | undefined {
    const found = descendantsOf(this.unit.pebble.pid).find((record) => /\/worker\.js\b/.test(record.command));
    const last = this.processes.at(-1);
    if (found && (found.pid !== last?.pid || found.startTime !== last.startTime)) this.processes.push(found);
    return found;
  }

  /**
   * The main isolate's V8 heap in MiB, used and held, in all and by space (prom-client's default
   * names), or null when the metrics endpoint has none.
   */
  async heap(): Promise<HeapSample | null> {
    const port = this.unit.seams.CHARM_WORKFLOWS_METRICS_PORT;
    try {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`, {
        signal: AbortSignal.timeout(2_000),
      });
      const text = await response.text();
      const gauge = (name: string) => {
        const value = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1];
        return value === undefined ? null : Number(value) / MIB;
      };
      const usedMiB = gauge('nodejs_heap_size_used_bytes');
      if (usedMiB === null) return null;
      const spacesMiB: Record<string, [used: number, held: number]> = {};
      for (const match of text.matchAll(
        /^nodejs_heap_space_size_(used|total)_bytes\{space="([^"]+)"\} (\S+)$/gm,
      )) {
        const pair = (spacesMiB[match[2]!] ??= [0, 0]);
        pair[match[1] === 'used' ? 0 : 1] = Number(match[3]) / MIB;
      }
      return { usedMiB, heldMiB: gauge('nodejs_heap_size_total_bytes'), spacesMiB };
    } catch {
      return null;
    }
  }

  async serviceState(): Promise<string> {
    try {
      const [service] = await this.pebble.getServices([SERVICE_NAME]);
      return service?.current ?? 'missing';
    } catch {
      return 'unknown';
    }
  }

  /** From here on, a start of the service in Pebble's log counts as a restart. */
  baseline(): void {
    this.readPebbleLog();
    this.startsAtBaseline = this.starts;
  }

  /** Starts of the service since the baseline. */
  restarts(): number {
    this.readPebbleLog();
    return this.starts - this.startsAtBaseline;
  }

  /** Reads what Pebble appended to its log since last time (whole lines only). */
  private readPebbleLog(): void {
    const file = this.unit.pebble.logFile;
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      return;
    }
    if (size <= this.logOffset) return;
    const fd = openSync(file, 'r');
    try {
      const chunk = Buffer.alloc(size - this.logOffset);
      readSync(fd, chunk, 0, chunk.length, this.logOffset);
      const text = chunk.toString('utf8');
      const complete = text.lastIndexOf('\n') + 1;
      this.logOffset += Buffer.byteLength(text.slice(0, complete));
      const starting = `Service "${SERVICE_NAME}" starting:`;
      for (const line of text.slice(0, complete).split('\n')) if (line.includes(starting)) this.starts++;
    } finally {
      closeSync(fd);
    }
  }
}
