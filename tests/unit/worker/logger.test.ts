import { Writable } from 'node:stream';
import { coreLogLevel, createLogger, temporalLogger } from '../../../src/worker/logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { lines, stream };
}

describe('the worker logger', () => {
  it.each([
    ['debug', 20],
    ['info', 30],
    ['warning', 40],
    ['error', 50],
    ['critical', 60],
  ] as const)('maps log-level %s to pino level %d', (level, pinoLevel) => {
    expect(createLogger(level, capture().stream).levelVal).toBe(pinoLevel);
  });

  it('caps Rust core logs at the same level', () => {
    expect(coreLogLevel('debug')).toBe('DEBUG');
    expect(coreLogLevel('warning')).toBe('WARN');
    expect(coreLogLevel('critical')).toBe('ERROR');
  });

  it('writes Temporal SDK records as JSON with their metadata, and lets a tap see them', () => {
    const { lines, stream } = capture();
    const tapped: string[] = [];
    const logger = temporalLogger(createLogger('info', stream), (message) => tapped.push(message));
    logger.info('Worker state changed', { sdkComponent: 'worker', state: 'RUNNING' });
    logger.debug('hidden at info');
    logger.log('ERROR', 'boom', { taskQueue: 'q' });
    expect(lines).toMatchObject([
      { level: 30, msg: 'Worker state changed', sdkComponent: 'worker', state: 'RUNNING' },
      { level: 50, msg: 'boom', taskQueue: 'q' },
    ]);
    expect(tapped).toEqual(['Worker state changed', 'hidden at info', 'boom']);
  });
});
