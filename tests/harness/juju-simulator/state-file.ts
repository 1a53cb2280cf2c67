// The unit's state as a JSON file: the stand-in for the unit agent that the hook-tool
// executables and the harness share. A lock directory serialises every change, as Juju
// runs one tool at a time per context even when the charm calls several at once.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { runHookTool, type ToolRequest, type ToolResult } from './hook-tools';
import type { UnitState } from './unit-state';

const LOCK_TIMEOUT_MS = 10_000;

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function withLock<T>(statePath: string, fn: () => T): T {
  const lockPath = `${statePath}.lock`;
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  for (;;) {
    try {
      mkdirSync(lockPath);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (Date.now() > deadline) {
        // A tool killed while holding the lock: take it over.
        rmSync(lockPath, { recursive: true, force: true });
        continue;
      }
      sleep(5);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lockPath, { recursive: true, force: true });
  }
}

export function readStateFile(statePath: string): UnitState {
  return JSON.parse(readFileSync(statePath, 'utf8')) as UnitState;
}

export function writeStateFile(statePath: string, state: UnitState): void {
  const tmp = `${statePath}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, statePath);
}

/** Reads, changes and writes the state under the lock; returns what `change` returned. */
export function updateStateFile<T>(statePath: string, change: (state: UnitState) => T): T {
  return withLock(statePath, () => {
    const state = readStateFile(statePath);
    const result = change(state);
    writeStateFile(statePath, state);
    return result;
  });
}

/** One tool call against the state file. Nothing is written when the call throws (e.g. for stdin). */
export function runHookToolOnStateFile(statePath: string, request: ToolRequest): ToolResult {
  return updateStateFile(statePath, (state) => runHookTool(state, request));
}
