import pino from 'pino';
import { AppConfig } from '../config/app-config';
import { pinoOptions } from '../common/logging/logger.options';

/**
 * The logger for the lines a process writes before Nest's logger exists: the same JSON, level
 * and redaction as every other log line.
 */
export function startUpLogger(config: AppConfig, name: string): pino.Logger {
  const log = pino(pinoOptions(config)).child({ context: name });
  if (config.auth.jwtSecretIsEphemeral && config.env === 'development') {
    log.warn(
      'JWT_SECRET is not set: signing tokens with a random secret made for this process; ' +
        'they stop working when it exits and other instances reject them',
    );
  }
  return log;
}
