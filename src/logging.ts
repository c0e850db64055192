import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Paths whose values never reach a log line. Nextcloud access tokens are full-power app passwords
 * and Matrix access tokens grant a whole account, so both are censored wherever they might appear.
 */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.access_token',
  '*.accessToken',
  '*.refresh_token',
  '*.password',
  '*.client_secret',
  '*.token',
  '*.loginToken',
];

export interface LoggerOptions {
  level?: string;
  /** Human-readable output; defaults to on when standard output is a terminal. */
  pretty?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LATTICE_LOG_LEVEL ?? 'info';
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  return pino({
    level,
    base: { service: 'lattice' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } }
      : {}),
  });
}
