// pino JSON logs at `log-level`, and the adapter that lets the Temporal runtime
// (including Rust core logs it forwards) write into the same logger.
import type { LogLevel as TemporalLogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import pino, { type Logger } from 'pino';
import type { LogLevel } from '../contract/setting-rules';

const PINO_LEVELS: Record<LogLevel, pino.Level> = {
  debug: 'debug',
  info: 'info',
  warning: 'warn',
  error: 'error',
  critical: 'fatal',
};

/** What Rust core forwards: no more verbose than the worker's own level. */
const CORE_LEVELS: Record<LogLevel, TemporalLogLevel> = {
  debug: 'DEBUG',
  info: 'INFO',
  warning: 'WARN',
  error: 'ERROR',
  critical: 'ERROR',
};

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino({ level: PINO_LEVELS[level], base: { pid: process.pid } }, destination ?? pino.destination(1));
}

export function coreLogLevel(level: LogLevel): TemporalLogLevel {
  return CORE_LEVELS[level];
}

/** `tap` sees every record (Sentry picks workflow failures from them). */
export function temporalLogger(
  logger: Logger,
  tap?: (message: string, meta: LogMetadata | undefined) => void,
): TemporalLogger {
  const write = (level: TemporalLogLevel, message: string, meta?: LogMetadata) => {
    tap?.(message, meta);
    const fields = meta ?? {};
    switch (level) {
      case 'TRACE':
        return logger.trace(fields, message);
      case 'DEBUG':
        return logger.debug(fields, message);
      case 'INFO':
        return logger.info(fields, message);
      case 'WARN':
        return logger.warn(fields, message);
      case 'ERROR':
        return logger.error(fields, message);
    }
  };
  return {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
}
