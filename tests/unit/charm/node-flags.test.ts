// The worker's Node flags bound V8's young generation: without them V8 sizes it from the host's
// memory and keeps what it grew (the soak's RSS climb, docs/performance.md).
import { execFileSync } from 'node:child_process';
import { NODE_FLAGS } from '../../../src/charm/layer';

/** Keeps a few batches of young objects alive at a time: what makes V8 grow its new space. */
const YOUNG_GENERATION_LOAD = `
const v8 = require('node:v8');
const kept = [];
let largest = 0;
for (let round = 0; round < 300; round++) {
  const batch = [];
  for (let i = 0; i < 20000; i++) batch.push({ round, i, text: 'x'.repeat(16) + i });
  kept.push(batch);
  if (kept.length > 8) kept.shift();
  const newSpace = v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  largest = Math.max(largest, newSpace.space_size);
}
process.stdout.write(String(largest / 1048576));
`;

function largestNewSpaceMiB(flags: readonly string[]): number {
  return Number(
    execFileSync(process.execPath, [...flags, '-e', YOUNG_GENERATION_LOAD], { encoding: 'utf8' }),
  );
}

test('the worker runs with a young generation of at most 48 MiB, however much memory the host has', () => {
  const capped = largestNewSpaceMiB(NODE_FLAGS);
  const uncapped = largestNewSpaceMiB([]);
  console.log(`new space under load: ${capped} MiB with ${NODE_FLAGS.join(' ')}, ${uncapped} MiB without`);
  expect(capped).toBeGreaterThan(0);
  // V8 reports the new space with pages it has not released yet: 29 to 36 MiB measured with
  // 8 MiB semi-spaces, against 128 MiB without the flag on this host.
  expect(capped).toBeLessThanOrEqual(48);
}, 60_000);
