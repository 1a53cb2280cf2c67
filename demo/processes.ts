// Which processes the demo started, from /proc (Linux): its descendants, each with its
// start time so that a reused PID is never mistaken for ours. The ledger is written to a
// pid file as processes appear, so that whoever runs the demo can check afterwards that
// nothing it started is left running, and so that the demo can stop, by PID, anything a
// component left behind (a worker whose Pebble died, say).
import { readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';

export interface ProcessRecord {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: clock ticks since boot; with the pid, identifies the process. */
  startTime: string;
  command: string;
}

export interface PidFile {
  demo: ProcessRecord;
  processes: ProcessRecord[];
}

interface Stat {
  state: string;
  ppid: number;
  startTime: string;
}

function readStat(pid: number): Stat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', ppid: Number(fields[1]), startTime: fields[19] ?? '' };
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 300);
  } catch {
    return '';
  }
}

export function processRecord(pid: number): ProcessRecord | null {
  const stat = readStat(pid);
  return stat ? { pid, startTime: stat.startTime, command: commandOf(pid) } : null;
}

/** Whether the very process of the record still runs (a zombie has exited: it only waits to be reaped). */
export function isRunning(record: Pick<ProcessRecord, 'pid' | 'startTime'>): boolean {
  const stat = readStat(record.pid);
  return stat !== null && stat.startTime === record.startTime && stat.state !== 'Z';
}

/** Every live descendant of `root`. */
export function descendantsOf(root: number): ProcessRecord[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (!stat || stat.state === 'Z') continue;
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  }
  const found: ProcessRecord[] = [];
  const queue = [...(children.get(root) ?? [])];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    const record = processRecord(pid);
    if (record) found.push(record);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/**
 * Not listed: short-lived helpers (a hook, openssl, npm scripts), and tsx's esbuild service,
 * which belongs to the TypeScript loader running the demo and ends with it.
 */
const NOT_LISTED =
  /(^|\/)(openssl|sh|dispatch|npm)( |$)|dist\/charm\.js|hook-tool\.js|\/fake-juju-[^/]+\/bin\/|esbuild --service/;

export class ProcessLedger {
  private readonly known = new Map<string, ProcessRecord>();
  private readonly demo: ProcessRecord;

  constructor(private readonly pidFile: string) {
    this.demo = processRecord(process.pid) ?? { pid: process.pid, startTime: '', command: 'demo' };
    this.write();
  }

  /** Adds the demo's current long-lived descendants to the ledger and rewrites the pid file. */
  snapshot(): ProcessRecord[] {
    for (const record of descendantsOf(process.pid)) {
      if (NOT_LISTED.test(record.command)) continue;
      this.known.set(`${record.pid}:${record.startTime}`, record);
    }
    this.write();
    return [...this.known.values()];
  }

  /** Processes of the ledger that still run. */
  stillRunning(): ProcessRecord[] {
    return [...this.known.values()].filter(isRunning);
  }

  /** SIGTERM, then SIGKILL after a grace period, to every process of the ledger still running. */
  async stopLeftovers(graceMs = 5000): Promise<ProcessRecord[]> {
    this.snapshot();
    const leftovers = this.stillRunning();
    for (const record of leftovers) signal(record, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (this.stillRunning().length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const record of this.stillRunning()) signal(record, 'SIGKILL');
    return leftovers;
  }

  private write(): void {
    const content: PidFile = { demo: this.demo, processes: [...this.known.values()] };
    const tmp = `${this.pidFile}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(content, null, 2)}\n`);
    renameSync(tmp, this.pidFile);
  }
}

function signal(record: ProcessRecord, name: NodeJS.Signals): void {
  if (!isRunning(record)) return;
  try {
    process.kill(record.pid, name);
  } catch {
    // It exited between the check and the signal.
  }
}
