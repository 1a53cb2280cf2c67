// kafkajs' negative request-queue delay is dropped from the process's warnings; the rest pass on.
import { ignoreKafkajsNegativeTimeouts } from '../../../src/activities/consume/kafkajs-warning';

function warning(name: string, stack: string): Error {
  const error = new Error('-1796580743544 is a negative number.');
  error.name = name;
  error.stack = `${name}: ${error.message}\n${stack}`;
  return error;
}

test('drops the TimeoutNegativeWarning of kafkajs only', () => {
  const before = process.listeners('warning');
  const seen: string[] = [];
  process.removeAllListeners('warning');
  process.on('warning', (w) => seen.push(`${w.name} ${w.stack?.includes('kafkajs') ? 'kafkajs' : 'other'}`));
  try {
    ignoreKafkajsNegativeTimeouts();
    ignoreKafkajsNegativeTimeouts(); // once per process, however often the consumer starts

    const kafkajs =
      '    at RequestQueue.scheduleCheckPendingRequests (/app/node_modules/kafkajs/src/network/requestQueue/index.js:317:37)';
    process.emit('warning', warning('TimeoutNegativeWarning', kafkajs));
    process.emit(
      'warning',
      warning('TimeoutNegativeWarning', '    at Object.<anonymous> (/app/worker.js:1:1)'),
    );
    process.emit('warning', warning('DeprecationWarning', kafkajs));

    expect(seen).toEqual(['TimeoutNegativeWarning other', 'DeprecationWarning kafkajs']);
  } finally {
    process.removeAllListeners('warning');
    for (const listener of before) process.on('warning', listener);
  }
});
