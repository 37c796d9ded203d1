// Every setting in one zod schema, the only place that reads the environment (DESIGN.md): it grows by one
// entry per setting, each with its documentation, and is long for that reason.
import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { senderIdProblem } from '../modules/phone';

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
  TOP_UP_CURRENCIES: {
    schema: z
      .string()
      .regex(/^[A-Za-z]{3}(,[A-Za-z]{3})*$/, 'ISO 4217 codes separated by commas, e.g. EUR,USD')
      .default('EUR')
      .transform((v) => v.toUpperCase().split(',')),
    doc: 'Currencies clients may buy credits in (ISO 4217, comma-separated); the first is the default.',
  },
  CREDIT_PRICES: {
    schema: z
      .string()
      .regex(/^[A-Za-z]{3}:\d+(\.\d+)?(,[A-Za-z]{3}:\d+(\.\d+)?)*$/, 'CODE:price pairs, e.g. EUR:0.05')
      .default('EUR:0.05')
      .transform((v) =>
        Object.fromEntries(
          v.split(',').map((pair) => {
            const [code, price] = pair.split(':');
            // Two-decimal currencies: one major unit is 100 minor units.
            return [code!.toUpperCase(), Number(price) * 100];
          }),
        ),
      ),
    doc: 'The price of one credit per currency, in major units (`EUR:0.05,USD:0.06`).',
  },
  TOP_UP_MINIMUM_MINOR: {
    schema: int(1).default(500),
    doc: 'The smallest top-up, in minor units of the chosen currency (500 = 5.00 EUR).',
  },
  TOP_UP_PACKAGES: {
    schema: z
      .string()
      .regex(/^[a-z0-9-]+:\d+(,[a-z0-9-]+:\d+)*$/, 'id:credits pairs, e.g. starter:200,business:1000')
      .default('starter:200,business:1000,volume:10000')
      .transform((v) =>
        v.split(',').map((pair) => {
          const [id, credits] = pair.split(':');
          return { id: id!, credits: Number(credits) };
        }),
      ),
    doc: 'Credit packages offered for purchase, as `id:credits` pairs; their price follows from `CREDIT_PRICES`.',
  },
  PAYSERA_PROJECT_ID: {
    schema: z
      .string()
      .regex(/^\d{1,11}$/, 'the numeric project id')
      .optional(),
    doc: 'Paysera Checkout project id; with `PAYSERA_PASSWORD` it enables buying credits through Paysera.',
  },
  PAYSERA_PASSWORD: {
    schema: z.string().min(1).optional(),
    doc: "The Paysera project's password: signs checkout requests and checks callbacks' `ss1`.",
  },
  PAYSERA_PAY_URL: {
    schema: z.string().url().default('https://www.paysera.com/pay/'),
    doc: "Paysera's payment page (a fake one in tests and the walk-through).",
  },
  PAYSERA_PUBLIC_KEY_FILE: {
    schema: z.string().min(1).optional(),
    doc: "Paysera's public key (PEM file): when set, callbacks' `ss2` RSA signature is checked too.",
  },
  PAYSERA_TEST_MODE: {
    schema: bool.default(false),
    doc: 'Sends checkouts with `test=1` and accepts test callbacks (which credit the account): never in production.',
  },
  POLICY_VERSION: {
    schema: z.string().min(1).default('2026-11-01'),
    doc: 'Current privacy policy version recorded at sign-up.',
  },
  SUBPROCESSOR_OBJECTION_DAYS: {
    schema: int(1).max(365).default(30),
    doc: 'Days a client has to object after a sub-processor is added or replaced.',
  },
  DEFAULT_SENDER: {
    schema: z
      .string()
      .optional()
      .superRefine((sender, ctx) => {
        const problem = sender === undefined ? null : senderIdProblem(sender);
        if (problem) ctx.addIssue({ code: 'custom', message: `a sender id ${problem}` });
      }),
    doc: "Shared sender (e.g. a numeric one, `+37120000000`) for accounts that have not chosen their own and requests that name none; unset: the platform's name, `smsgate`.",
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
    doc: 'Run the background workers (every kind in the Background work table of the README: dispatch, receipts, webhooks, imports, campaign fan-out, sweeps) in this process.',
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
  ROUTE_CALLBACKS_PER_SECOND: {
    schema: int(0).default(5000),
    doc: 'Carrier callbacks (delivery reports, inbound) accepted a second per route and process, with a burst of twice that; more answer 429 with Retry-After (0 = no limit).',
  },
  SMPP_PORT: {
    schema: int(0).max(65535).optional(),
    doc: 'Port of the SMPP server clients bind to (e.g. `2775`); unset: no SMPP server.',
  },
  SMPP_HOST: {
    schema: z.string().min(1).optional(),
    doc: 'Interface the SMPP server listens on (default: `HOST`).',
  },
  SMPP_TLS_PORT: {
    schema: int(0).max(65535).optional(),
    doc: 'Port of the SMPP server over TLS (e.g. `3550`); needs `SMPP_TLS_CERT` and `SMPP_TLS_KEY`; unset: no TLS listener.',
  },
  SMPP_TLS_CERT: {
    schema: z.string().min(1).optional(),
    doc: "PEM file of the SMPP TLS listener's certificate (with its chain), read at start.",
  },
  SMPP_TLS_KEY: {
    schema: z.string().min(1).optional(),
    doc: "PEM file of the SMPP TLS listener's private key, read at start.",
  },
  SMPP_MAX_BINDS: {
    schema: int(1).default(4),
    doc: 'Binds one SMPP credential may hold at once, unless set on the credential; more are refused with `ESME_RBINDFAIL`.',
  },
  SMPP_SUBMITS_PER_SECOND: {
    schema: int(1).default(1000),
    doc: 'submit_sm PDUs accepted a second per account and SMPP process; more answer `ESME_RTHROTTLED`.',
  },
  SMPP_WINDOW: {
    schema: int(1).default(100),
    doc: 'submit_sm PDUs one bind may have in processing at once (more answer `ESME_RTHROTTLED`); also the unanswered deliver_sm PDUs sent to a bind.',
  },
  SMPP_RESPONSE_TIMEOUT_SECONDS: {
    schema: int(1).default(30),
    doc: 'Seconds a deliver_sm (receipt, reply) waits for its response before it is sent again.',
  },
  SMPP_CONCAT_WAIT_SECONDS: {
    schema: int(1).default(60),
    doc: 'Seconds the parts of a concatenated submit wait for the rest; an incomplete message is then dropped (nothing charged).',
  },
  SMPP_LOCK_MINUTES: {
    schema: int(1).default(15),
    doc: 'Minutes an SMPP credential stays locked after 10 wrong passwords in a row.',
  },
  RETENTION_SWEEP_MINUTES: {
    schema: int(1).default(5),
    doc: 'Minutes between two retention sweeps (deleted contacts and messages, logs, old audit events).',
  },
  RETENTION_ALLOW_LONGER: {
    schema: bool.default(false),
    doc: 'Allow the operator to set retention periods longer than the promised maximums.',
  },
  SECRETS_KEY: {
    schema: z.string().optional(),
    doc: 'Key (32 bytes: 64 hex digits or base64) sealing the stored credentials (route credentials, 2FA secrets, Twilio-compatible signing keys); unset: `DATA_DIR/secrets.key`, made on first use. Every machine of one deployment needs the same.',
  },
  METRICS: {
    schema: bool.default(true),
    doc: 'Keep metrics and answer `GET /metrics` (Prometheus text format); `false`: none are kept and the path answers 404.',
  },
  METRICS_TOKEN: {
    schema: z.string().min(16).optional(),
    doc: 'When set, `GET /metrics` answers only to `Authorization: Bearer <token>`; unset, it answers anyone who can reach the port (keep it off the public internet, or set the token).',
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
  LOG_FORMAT: {
    schema: z.enum(['auto', 'pretty', 'json']).default('auto'),
    doc: 'Log lines: `json` (one object a line, for collectors), `pretty` (short lines for people), `auto`: pretty on a terminal, JSON otherwise.',
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
  if (
    result.success &&
    parsed.SMPP_TLS_PORT !== undefined &&
    !(parsed.SMPP_TLS_CERT && parsed.SMPP_TLS_KEY)
  ) {
    problems.push(
      'SMPP_TLS_PORT: needs SMPP_TLS_CERT and SMPP_TLS_KEY (PEM files of the certificate and its key)',
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

/** The configuration file read from the working directory by `npm start` and every CLI command. */
export const ENV_FILE = '.env';

/**
 * The KEY=VALUE lines of a `.env` file: `#` starts a comment line, `export ` before a key is allowed,
 * a value may be in single or double quotes (kept as written inside them; a double-quoted `\n` is a
 * line break), and an unquoted value ends at ` #`. Lines that are not assignments are reported.
 */
export function parseEnvFile(text: string, file = ENV_FILE): Record<string, string> {
  const values: Record<string, string> = {};
  const problems: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) {
      problems.push(`${file} line ${index + 1}: not a KEY=VALUE line`);
      return;
    }
    const [, key, rest] = match as unknown as [string, string, string];
    const quote = rest[0];
    if ((quote === '"' || quote === "'") && rest.length > 1) {
      const end = rest.indexOf(quote, 1);
      if (end === -1) {
        problems.push(`${file} line ${index + 1}: the ${quote} quote of ${key} is not closed`);
        return;
      }
      const inner = rest.slice(1, end);
      values[key] = quote === '"' ? inner.replace(/\\n/g, '\n').replace(/\\"/g, '"') : inner;
    } else {
      values[key] = rest.replace(/\s+#.*$/, '').trim();
    }
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return values;
}

/**
 * The environment the program runs with: the variables of `./.env` (when there is one) under those
 * already set, which always win. Returns the file read too, so that a command can say where its
 * settings came from.
 */
export function readEnvironment(
  env: Record<string, string | undefined> = process.env,
  file = resolve(ENV_FILE),
): { env: Record<string, string | undefined>; file: string | null } {
  if (!existsSync(file)) return { env, file: null };
  const fromFile = parseEnvFile(readFileSync(file, 'utf8'), file);
  const merged: Record<string, string | undefined> = { ...fromFile };
  for (const [key, value] of Object.entries(env)) if (value !== undefined) merged[key] = value;
  return { env: merged, file };
}

/** The SQLite file a configuration names, or null for PostgreSQL. */
export function sqliteFileOf(config: Pick<Config, 'DATABASE_URL'>): string | null {
  if (!config.DATABASE_URL.startsWith('sqlite:')) return null;
  const file = config.DATABASE_URL.slice('sqlite:'.length);
  return file === ':memory:' ? null : resolve(file);
}

/** The database in words, for people: the SQLite file, or the PostgreSQL server and database (no password). */
export function describeDatabase(config: Pick<Config, 'DATABASE_URL'>): string {
  const file = sqliteFileOf(config);
  if (file) return `SQLite ${file}`;
  if (config.DATABASE_URL === 'sqlite::memory:') return 'SQLite in memory';
  try {
    const url = new URL(config.DATABASE_URL);
    return `PostgreSQL ${url.hostname}:${url.port || '5432'}${url.pathname}`;
  } catch {
    return 'PostgreSQL';
  }
}

/**
 * Makes sure a folder exists and is writable, creating the missing part one level at a time. Each
 * problem names the folder: a file in the way, a folder the user may not write, or a place no folder
 * can be made (under /proc, where creating the whole path at once never returns).
 */
export function ensureWritableDir(dir: string, setting = 'DATA_DIR'): void {
  const missing: string[] = [];
  let existing = resolve(dir);
  while (!existsSync(existing)) {
    missing.unshift(existing);
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  if (!statSync(existing).isDirectory()) {
    throw new ConfigError([
      `${setting}: ${existing} is a file, not a folder (the folder is ${resolve(dir)})`,
    ]);
  }
  for (const path of missing) {
    try {
      mkdirSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new ConfigError([
        `${setting}: cannot create the folder ${resolve(dir)} (${code} at ${path}); choose a folder this user may write, e.g. ${setting}=./data`,
      ]);
    }
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new ConfigError([
      `${setting}: the folder ${resolve(dir)} is not writable by this user; fix its permissions or choose another folder`,
    ]);
  }
}
