import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Paths that may carry personal data or secrets. Redaction is by key, wherever the key sits, so a phone
 * number or a message body never reaches a log line even when a whole object is logged.
 */
export const REDACTED_PATHS = [
  'password',
  'newPassword',
  'token',
  'secret',
  'key',
  'apiKey',
  'totpCode',
  'text',
  'body',
  'to',
  'from',
  'phone',
  'email',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.newPassword',
  '*.token',
  '*.secret',
  '*.key',
  '*.apiKey',
  '*.totpCode',
  '*.text',
  '*.body',
  '*.to',
  '*.from',
  '*.phone',
  '*.email',
];

export interface LoggerOptions {
  level: string;
  destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { service: 'smsgate' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}
