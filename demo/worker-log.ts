// The worker's own output, as Pebble logs it (`<time> [temporal-worker] <line>`), for
// error messages that say why the worker is not up or the pipeline does not finish.
// The worker logs JSON (pino): a line is shown as its level, message and telling fields.
import { readFileSync } from 'node:fs';
import { SERVICE_NAME } from '../src/contract/container';

const MAX_LINE = 300;
const PINO_LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
const TELLING_FIELDS = ['activityType', 'attempt', 'state', 'reason', 'image', 'release', 'err', 'error'];

function errorText(value: unknown): string {
  if (value && typeof value === 'object') {
    const message = (value as { message?: unknown }).message;
    return typeof message === 'string' ? message : JSON.stringify(value);
  }
  return String(value);
}

/** A pino JSON line as `LEVEL message (field=value …)`; any other line as it is. */
export function readableLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof entry !== 'object' || entry === null || typeof entry.msg !== 'string') return line;
  const fields = TELLING_FIELDS.filter((name) => entry[name] !== undefined)
    .map((name) => `${name}=${errorText(entry[name])}`)
    .filter((field) => !field.endsWith('={}'));
  const level = PINO_LEVELS[Number(entry.level)] ?? String(entry.level);
  return `${level} ${entry.msg}${fields.length > 0 ? ` (${fields.join(', ')})` : ''}`;
}

export function workerOutputTail(pebbleLogFile: string, count = 12): string[] {
  let text: string;
  try {
    text = readFileSync(pebbleLogFile, 'utf8');
  } catch {
    return [];
  }
  const marker = ` [${SERVICE_NAME}] `;
  return text
    .split('\n')
    .filter((line) => line.includes(marker))
    .map((line) => readableLine(line.slice(line.indexOf(marker) + marker.length)))
    .filter((line) => line.trim() !== '')
    .slice(-count)
    .map((line) => (line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line));
}
