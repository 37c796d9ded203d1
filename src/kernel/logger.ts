import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Keys whose values may carry personal data or secrets. Redaction is by key, wherever the key sits (at
 * any depth of plain objects and arrays), so a phone number or a message body never reaches a log line
 * even when a whole object is logged.
 */
export const REDACTED_KEYS: ReadonlySet<string> = new Set([
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
  'authorization',
  'cookie',
  'x-csrf-token',
  'set-cookie',
]);

const CENSOR = '[redacted]';
/** Deeper than this nothing is logged at all (and a cycle ends here). */
const MAX_DEPTH = 8;

/**
 * `value` with every redacted key censored; `value` itself, not a copy, when nothing is (the common
 * case: a log line's few fields). Only plain objects and arrays are entered: errors, dates and buffers
 * have their own serializers. Done when a line is written, not when a child logger is made, so a request's
 * logger costs nothing until it logs (pino's path redaction rebuilt its paths for every request).
 */
function redact(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const item = redact(value[i], depth + 1);
      if (item === value[i]) continue;
      copy ??= value.slice();
      copy[i] = item;
    }
    return copy ?? value;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  let copy: Record<string, unknown> | null = null;
  for (const [name, field] of Object.entries(value)) {
    const safe = REDACTED_KEYS.has(name) ? CENSOR : redact(field, depth + 1);
    if (safe === field) continue;
    copy ??= { ...value };
    copy[name] = safe;
  }
  return copy ?? value;
}

const redactRecord = (record: Record<string, unknown>) => redact(record, 0) as Record<string, unknown>;
/** Child loggers' bindings skip the formatters; pino's serializers reach them (top-level keys). */
const censorKeys = Object.fromEntries([...REDACTED_KEYS].map((name) => [name, () => CENSOR]));

export interface LoggerOptions {
  level: string;
  destination?: pino.DestinationStream;
  /** Short lines for a person at a terminal instead of JSON (written to `destination` or stdout). */
  pretty?: boolean;
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
/** Fields every line has, shown in the line's own columns (or not at all) rather than as key=value. */
const PRETTY_SKIP = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname']);

function prettyValue(value: unknown): string {
  if (typeof value === 'string')
    return /^[^\s"=]*$/.test(value) && value !== '' ? value : JSON.stringify(value);
  return JSON.stringify(value);
}

/**
 * One JSON log line as a short line a person reads: `12:04:31 INFO  request method=GET url=/v1/me
 * status=200 ms=3`, an error's stack below it. Lines that are not JSON pass through unchanged.
 */
export function prettyLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = typeof record.time === 'string' ? record.time.slice(11, 19) : '';
  const level = LEVEL_NAMES[Number(record.level)] ?? String(record.level);
  let line = `${time} ${level} ${String(record.msg ?? '')}`;
  let stack = '';
  for (const [key, value] of Object.entries(record)) {
    if (PRETTY_SKIP.has(key) || value === undefined) continue;
    if (key === 'err' && value && typeof value === 'object') {
      const err = value as { message?: string; stack?: string };
      line += ` err=${prettyValue(err.message ?? '')}`;
      if (err.stack) stack = `\n    ${err.stack.split('\n').slice(1).join('\n    ').trim()}`;
      continue;
    }
    line += ` ${key}=${prettyValue(value)}`;
  }
  return `${line}${stack}\n`;
}

/** A pino destination that writes each line through prettyLine. */
function prettyDestination(out: { write(text: string): unknown }): pino.DestinationStream {
  return { write: (json: string) => void out.write(prettyLine(json)) };
}

export function createLogger(options: LoggerOptions): Logger {
  const destination = options.pretty
    ? prettyDestination(options.destination ?? process.stdout)
    : options.destination;
  return pino(
    {
      level: options.level,
      formatters: { log: redactRecord, bindings: redactRecord },
      serializers: censorKeys,
      base: { service: 'smsgate' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
