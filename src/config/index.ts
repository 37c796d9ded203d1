import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number) => z.coerce.number().int().min(min);

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const TRUST_PROXY_HELP =
  "write the number of proxy hops in front of the server (e.g. 1), or the proxies' addresses or CIDRs separated by commas (e.g. 10.0.0.0/8,127.0.0.1)";

/** An IP address, a CIDR block, or one of the named ranges proxy-addr knows. */
function isProxyAddress(entry: string): boolean {
  if (PROXY_NAMES.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * Which peers may speak for the client in `X-Forwarded-For`: none, the nearest N hops, or listed proxies.
 * `true` (every hop) is refused: any client could then name its own IP by sending the header itself.
 */
const trustProxy = z
  .string()
  .default('false')
  .transform((raw, ctx): false | number | string[] => {
    const value = raw.trim().toLowerCase();
    if (value === 'false' || value === 'no' || value === '0') return false;
    if (/^\d+$/.test(value)) return Number(value);
    if (value === 'true' || value === 'yes') {
      ctx.addIssue({
        code: 'custom',
        message: `\`true\` would trust every hop, so clients could choose their own IP; ${TRUST_PROXY_HELP}`,
      });
      return z.NEVER;
    }
    const entries = raw
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e !== '');
    const bad = entries.filter((e) => !isProxyAddress(e));
    if (entries.length === 0 || bad.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `not a hop count or list of addresses/CIDRs (${bad.join(', ')}); ${TRUST_PROXY_HELP}`,
      });
      return z.NEVER;
    }
    return entries;
  });

/**
 * Every environment variable the program reads, with its default. The README's configuration table is
 * kept in sync with this schema by a test.
 */
export const CONFIG_SCHEMA = {
  PORT: { schema: int(0).max(65535).default(3000), doc: 'HTTP port.' },
  HOST: {
    schema: z.string().min(1).default('127.0.0.1'),
    doc: 'Interface to listen on (`0.0.0.0` for all).',
  },
  PUBLIC_URL: {
    schema: z.url().optional(),
    doc: 'Public base URL used in e-mails and links (default `http://localhost:PORT`). An `https` URL makes cookies `Secure`.',
  },
  DATA_DIR: {
    schema: z.string().min(1).default('./data'),
    doc: 'Folder for the SQLite file, mail and files.',
  },
  DATABASE_URL: {
    schema: z.string().optional(),
    doc: '`postgres://…` for PostgreSQL; default: SQLite at `DATA_DIR/smsgate.db`.',
  },
  LOG_LEVEL: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    doc: 'pino log level.',
  },
  TRUST_PROXY: {
    schema: trustProxy,
    doc: "Behind reverse proxies: the number of proxy hops to trust in `X-Forwarded-*` (e.g. `1`), or the proxies' addresses/CIDRs, comma-separated (e.g. `10.0.0.0/8,127.0.0.1`). `true` is refused: it would let clients choose their own IP.",
  },
  BODY_LIMIT_BYTES: { schema: int(1024).default(2 * 1024 * 1024), doc: 'Largest JSON body accepted.' },
  RATE_LIMIT_MAX: {
    schema: int(0).default(6000),
    doc: 'Requests per minute per API key, signed-in user, or IP for unauthenticated requests and bad credentials (0 = off).',
  },
  SIGNUP_PER_IP_PER_HOUR: {
    schema: int(0).default(5),
    doc: 'Successful sign-ups per client IP in any hour (0 = off); more answer 429.',
  },
  LOGIN_MAX_FAILURES: {
    schema: int(1).default(10),
    doc: 'Failed logins per e-mail from one IP in 15 minutes before that IP is refused for it (one IP over all e-mails: 5×).',
  },
  LOGIN_LOCK_EMAIL_FAILURES: {
    schema: int(1).default(100),
    doc: 'Failed logins per e-mail in 15 minutes, from all IPs together, before the e-mail is locked everywhere (one IP alone stops at `LOGIN_MAX_FAILURES`).',
  },
  PASSWORD_RESET_MAX_PER_EMAIL: {
    schema: int(1).default(3),
    doc: 'Password-reset requests per e-mail per hour that send a mail; more answer alike but send nothing.',
  },
  PASSWORD_RESET_MAX_PER_IP: {
    schema: int(1).default(20),
    doc: 'Password-reset requests per IP per hour that send a mail; more answer alike but send nothing.',
  },
  STAFF_REQUIRE_2FA: {
    schema: bool.optional(),
    doc: 'Staff without 2FA may only enrol (every other staff endpoint answers 403 `two_factor_enrolment_required`). Default: on when `NODE_ENV=production`.',
  },
  SESSION_TTL_HOURS: { schema: int(1).default(168), doc: 'Idle session lifetime.' },
  FREE_CREDITS: { schema: z.coerce.number().min(0).default(10), doc: 'Credits granted at sign-up.' },
  POLICY_VERSION: {
    schema: z.string().min(1).default('2026-11-01'),
    doc: 'Current privacy policy version recorded at sign-up.',
  },
  SUBPROCESSOR_OBJECTION_DAYS: {
    schema: int(1).max(365).default(30),
    doc: 'Days a client has to object after a sub-processor is added or replaced.',
  },
  OPERATOR_NAME: {
    schema: z.string().min(1).max(200).default('smsgate operator'),
    doc: 'Name of the operator (the processor), shown in the register of processing.',
  },
  SMTP_URL: {
    schema: z.string().optional(),
    doc: 'SMTP server for e-mail; unset: mails are written to `DATA_DIR/mail/`.',
  },
  REDIS_URL: {
    schema: z
      .string()
      .regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL')
      .optional(),
    doc: 'Redis for the job queue (BullMQ), to spread dispatch over several worker processes; unset: the database queue.',
  },
  REDIS_PREFIX: {
    schema: z
      .string()
      .regex(/^[a-zA-Z0-9_-]{1,40}$/)
      .default('smsgate'),
    doc: 'Key prefix in Redis; give each deployment sharing one Redis its own.',
  },
  MAIL_FROM: { schema: z.string().default('smsgate <no-reply@localhost>'), doc: 'Sender of e-mails.' },
  SQLITE_SYNCHRONOUS: {
    schema: z.enum(['FULL', 'NORMAL']).default('FULL'),
    doc: 'SQLite durability: `FULL` survives power loss, `NORMAL` (faster) survives process crashes only.',
  },
  WORKERS: {
    schema: bool.default(true),
    doc: 'Run the background workers (dispatch, receipts, webhooks) in this process.',
  },
  SIMULATOR_DELIVERY_DELAY_MS: {
    schema: int(0).default(1500),
    doc: 'Simulated carrier: delay before the delivery receipt.',
  },
  SIMULATOR_UNDELIVERED_RATE: {
    schema: z.coerce.number().min(0).max(1).default(0),
    doc: 'Simulated carrier: share of messages reported undelivered (0–1).',
  },
  SIMULATOR_UNDELIVERED_PATTERN: {
    schema: z.string().optional(),
    doc: 'Simulated carrier: regular expression on the E.164 number; matches are reported undelivered (e.g. `0000$`).',
  },
  SIMULATOR_REJECT_PATTERN: {
    schema: z.string().optional(),
    doc: 'Simulated carrier: regular expression on the E.164 number; matches are refused at submit (message `failed`).',
  },
  IMPORT_MAX_BYTES: {
    schema: int(1024).default(100 * 1024 * 1024),
    doc: 'Largest contact import file (CSV or XLSX) accepted; larger uploads answer 413.',
  },
  IMPORT_MAX_ROWS: {
    schema: int(1).default(2_000_000),
    doc: 'Most data rows one import may hold; the import fails at the row past it (rows before it stay).',
  },
  IMPORT_THREAD_MIN_BYTES: {
    schema: int(0).default(4 * 1024 * 1024),
    doc: 'CSV imports of at least this size are parsed and checked on a worker thread while the batch before is written.',
  },
  IMPORT_MAX_UNCOMPRESSED_BYTES: {
    schema: int(1024).default(128 * 1024 * 1024),
    doc: 'Largest total an XLSX file may declare, and the parts an import reads may really inflate to, once unzipped (zip-bomb defence).',
  },
  RETENTION_SWEEP_MINUTES: {
    schema: int(1).default(5),
    doc: 'Minutes between two retention sweeps (deleted contacts and messages, logs, old audit events).',
  },
  RETENTION_ALLOW_LONGER: {
    schema: bool.default(false),
    doc: 'Allow the operator to set retention periods longer than the promised maximums.',
  },
  WEBHOOK_ALLOW_PRIVATE: {
    schema: bool.default(false),
    doc: 'Allow webhook URLs on private/loopback addresses (tests, local receivers).',
  },
  ATTACHMENT_MAX_BYTES: {
    schema: int(1024).default(5 * 1024 * 1024),
    doc: 'Largest campaign attachment (image or PDF) accepted; larger uploads answer 413.',
  },
  ATTACHMENT_RETENTION_DAYS: {
    schema: int(1).default(60),
    doc: 'Days an attachment is kept before its file is deleted and its links answer 410 (at most 60 unless `ATTACHMENT_RETENTION_ALLOW_LONGER`).',
  },
  ATTACHMENT_RETENTION_ALLOW_LONGER: {
    schema: bool.default(false),
    doc: 'Allow `ATTACHMENT_RETENTION_DAYS` above the promised maximum of 60.',
  },
  FILES_ORIGIN: {
    schema: z.url().optional(),
    doc: 'A separate origin (e.g. `https://files.example-usercontent.com`) pointing at this server: attachment links use it and files are shown inline there; unset, files are served as downloads from `PUBLIC_URL`.',
  },
  WORKER_ID: {
    schema: z
      .string()
      .regex(/^[a-zA-Z0-9_.:-]{1,100}$/)
      .optional(),
    doc: 'Stable name of this process across restarts (default: host name and role); a restarted process takes back the jobs its previous run held at once.',
  },
} as const;

type Schemas = { [K in keyof typeof CONFIG_SCHEMA]: (typeof CONFIG_SCHEMA)[K]['schema'] };
type Parsed = { [K in keyof Schemas]: z.output<Schemas[K]> };

export interface Config extends Omit<Parsed, 'PUBLIC_URL' | 'DATABASE_URL' | 'STAFF_REQUIRE_2FA'> {
  PUBLIC_URL: string;
  DATABASE_URL: string;
  STAFF_REQUIRE_2FA: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once, reporting every problem together, and returns a frozen config. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  const shape = Object.fromEntries(Object.entries(CONFIG_SCHEMA).map(([k, v]) => [k, v.schema]));
  const input = Object.fromEntries(
    Object.keys(CONFIG_SCHEMA).map((k) => [k, env[k] === '' ? undefined : env[k]]),
  );
  const result = z.object(shape).safeParse(input);
  const problems: string[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(`${issue.path.join('.')}: ${issue.message}`);
  }
  const parsed = (result.success ? result.data : {}) as Parsed;
  for (const name of ['SIMULATOR_UNDELIVERED_PATTERN', 'SIMULATOR_REJECT_PATTERN']) {
    const pattern = input[name];
    if (typeof pattern === 'string') {
      try {
        new RegExp(pattern);
      } catch {
        problems.push(`${name}: not a valid regular expression`);
      }
    }
  }
  // Read from the raw input so that this problem is reported even when the schema failed.
  const dbUrl = input.DATABASE_URL as string | undefined;
  if (dbUrl && !/^(postgres|postgresql|sqlite):/.test(dbUrl)) {
    problems.push('DATABASE_URL: must start with postgres://, postgresql:// or sqlite:');
  }
  if (result.success && parsed.ATTACHMENT_RETENTION_DAYS > 60 && !parsed.ATTACHMENT_RETENTION_ALLOW_LONGER) {
    problems.push(
      'ATTACHMENT_RETENTION_DAYS: at most 60 (set ATTACHMENT_RETENTION_ALLOW_LONGER=true to allow more)',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir = resolve(parsed.DATA_DIR);
  return Object.freeze({
    ...parsed,
    DATA_DIR: dataDir,
    PUBLIC_URL: (parsed.PUBLIC_URL ?? `http://localhost:${parsed.PORT}`).replace(/\/$/, ''),
    DATABASE_URL: dbUrl ?? `sqlite:${resolve(dataDir, 'smsgate.db')}`,
    // Operators reach every tenant: a production server asks them for a second factor unless told not to.
    STAFF_REQUIRE_2FA: parsed.STAFF_REQUIRE_2FA ?? env.NODE_ENV === 'production',
  });
}
