import pino, { type Logger } from 'pino';
import type { Config } from './config';

export type { Logger };

/**
 * The one logger. Areas take a child (`logger.child({ area: 'ingest' })`).
 * Fields that could carry secrets are redacted wherever they appear.
 */
export function createLogger(config: Pick<Config, 'log'>, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: config.log.level,
    base: { app: 'patchscope' },
    redact: {
      paths: ['key', 'privateKey', 'password', '*.key', '*.privateKey', '*.password', 'req.headers.cookie'],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
