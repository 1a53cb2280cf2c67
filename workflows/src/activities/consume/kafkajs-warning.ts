// kafkajs 2.2.4, its last release, schedules its request queue's next check at
// `throttledUntil - now` even when the broker never throttled it (throttledUntil is -1): a
// negative delay, which Node clamps to 1 ms, as kafkajs means, and since Node 24 also reports
// on stderr as a TimeoutNegativeWarning. That one warning is dropped; every other passes on to
// the listeners that were there (Node's own printer).
let installed = false;

export function ignoreKafkajsNegativeTimeouts(): void {
  if (installed) return;
  installed = true;
  const listeners = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'TimeoutNegativeWarning' && warning.stack?.includes('kafkajs')) return;
    for (const listener of listeners) listener(warning);
  });
}
