// The worker's own output, as Pebble logs it (`<time> [temporal-worker] <line>`), for
// error messages that say why the worker is not up.
import { readFileSync } from 'node:fs';
import { SERVICE_NAME } from '../src/workload/contract';

const MAX_LINE = 300;

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
    .map((line) => line.slice(line.indexOf(marker) + marker.length))
    .filter((line) => line.trim() !== '')
    .slice(-count)
    .map((line) => (line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line));
}
