// The smsgate command: its subcommands' dispatch and start-up messages; each subcommand's work is elsewhere.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type Config,
  ConfigError,
  describeDatabase,
  ensureWritableDir,
  loadConfig,
  readEnvironment,
  sqliteFileOf,
} from '../config';
import { createLogger } from '../kernel/logger';
import { createSystem } from '../main';
import { countStaff, STAFF_ROLES, type StaffRole } from '../modules/accounts';
import { openStorage } from '../storage/database';
import { SecretsKeyMismatch } from '../storage/secrets-key-check';
import { verifyAuditChains } from './audit-chains';
import { backupCommand, migrationsPending, restoreCommand } from './backup';

const USAGE = `smsgate — self-hostable business SMS platform

Usage:
  smsgate serve                         run the server: the API, the web app and (unless WORKERS=false)
                                        the background workers
  smsgate worker                        run only the background workers (every kind of background work);
                                        pair with WORKERS=false on the API processes
  smsgate migrate                       apply database migrations (creating the database) and exit
  smsgate admin create --email E --password P [--name N] [--role superadmin|operator|support|auditor]
                       [--create]       create an operator (staff) user
  smsgate audit verify [--account ID]   re-compute the audit hash chains (all, or one account's;
                                        --account platform for the platform's own) and report breaks
  smsgate migrate --dry-run             list the migrations \`migrate\` would apply, applying none
  smsgate retention sweep               run one retention sweep now and print what each rule purged
  smsgate backup --out FILE             copy the SQLite database to FILE while the server runs
                                        (PostgreSQL: prints the pg_dump command)
  smsgate restore FILE [--force]        put a backup in place of the SQLite database (server stopped),
                                        migrate it and verify its audit chains
  smsgate help                          this text

Configuration is read from the environment and from a .env file in the current folder (KEY=VALUE
lines; variables already set win), the same for every command; see the README. Commands other than
serve, worker and migrate work on an existing database only: run them where the server runs (or
with its DATA_DIR / DATABASE_URL), or add --create to start a new one.`;

/** The configuration every command runs with: the environment over ./.env, parsed once. */
let current: Readonly<Config> | null = null;
/** The .env file the configuration was read from, if any. */
let envFile: string | null = null;

function configure(defaults: Record<string, string> = {}): Readonly<Config> {
  const { env, file } = readEnvironment();
  envFile = file;
  const withDefaults: Record<string, string | undefined> = { ...defaults };
  for (const [key, value] of Object.entries(env)) if (value !== undefined) withDefaults[key] = value;
  current = loadConfig(withDefaults);
  return current;
}

/** Quiet commands: a one-off command prints its result, not the server's info lines. */
const QUIET = { LOG_LEVEL: 'warn' };

/** Log lines: short and readable on a terminal, JSON for collectors (see LOG_FORMAT). */
function loggerFor(config: Readonly<Config>) {
  const pretty =
    config.LOG_FORMAT === 'pretty' || (config.LOG_FORMAT === 'auto' && process.stdout.isTTY === true);
  return createLogger({ level: config.LOG_LEVEL, pretty });
}

/**
 * Prepares the folders the configuration names. A command that may create the database makes them;
 * one that works on an existing database refuses when its SQLite file is missing, rather than quietly
 * starting a second, empty database (usually because it ran without the server's DATA_DIR).
 */
function prepare(config: Readonly<Config>, mayCreate: boolean, command: string, usesDataDir = true) {
  const file = sqliteFileOf(config);
  if (file && !existsSync(file) && !mayCreate) {
    throw new UsageError(
      [
        `No database at ${file}: \`smsgate ${command}\` works on an existing database and created none.`,
        `  (Settings read from ${envFile ?? 'the environment only: there is no .env in this folder'}.)`,
        `  Run it in the folder where the server runs (it reads the same .env), or point it at the server's`,
        `  database: DATA_DIR=/path/to/data npx smsgate ${command} … (or DATABASE_URL=…).`,
        `  To start a new database there, add --create (or run \`smsgate migrate\` first).`,
      ].join('\n'),
      false,
    );
  }
  // Mail and files live in DATA_DIR: commands that only touch the database leave it alone.
  if (usesDataDir) ensureWritableDir(config.DATA_DIR);
  if (file) ensureWritableDir(dirname(file), dirname(file) === config.DATA_DIR ? 'DATA_DIR' : 'DATABASE_URL');
}

async function serve() {
  const config = configure();
  prepare(config, true, 'serve');
  // Without workers this process only answers: the worker processes hold the carrier binds.
  const system = await createSystem(config, {
    role: config.WORKERS ? 'serve' : 'api',
    logger: loggerFor(config),
  });
  const log = system.logger;
  const app = await system.http();
  await app.listen({ port: config.PORT, host: config.HOST });
  const smpp =
    config.SMPP_PORT === undefined && config.SMPP_TLS_PORT === undefined ? null : await system.startSmpp();
  if (config.WORKERS) system.startWorkers();
  const local = ['0.0.0.0', '127.0.0.1', '::', '::1'].includes(config.HOST);
  const where = `http://${local ? 'localhost' : config.HOST}:${config.PORT}`;
  const staffCount = await countStaff(system.storage.db);
  process.stdout.write(
    [
      '',
      `smsgate is running at ${where}  (database: ${describeDatabase(config)}, data: ${config.DATA_DIR}${envFile ? `, settings: ${envFile}` : ''})`,
      `  API docs:      ${where}/docs`,
      ...(smpp
        ? [
            `  SMPP server:   ${config.SMPP_HOST ?? config.HOST}:${smpp.port} (credentials: POST ${where}/v1/smpp/credentials)`,
          ]
        : []),
      `  Sign up:       curl -i -X POST ${where}/v1/signup -H 'content-type: application/json' \\`,
      `                   -d '{"company":"Acme","name":"Ada","email":"ada@example.com","password":"a-long-secret-1","acceptPolicy":true}'`,
      `  Confirm:       open the link e-mailed at sign-up (free credits are spent only after that); e-mails ${config.SMTP_URL ? 'go through SMTP_URL' : `are written to ${config.DATA_DIR}/mail/`}`,
      `  Log in:        POST ${where}/v1/auth/login with {"email","password"}; e-mails land in ${config.SMTP_URL ? 'your SMTP server' : `${config.DATA_DIR}/mail/`}`,
      staffCount === 0
        ? "  Operator:      none yet — create one (in this folder, or with the same DATA_DIR) with:\n                   npx smsgate admin create --email you@example.com --password 'choose-a-long-password'"
        : `  Operator:      back office at ${where}/admin (API: POST ${where}/v1/admin/auth/login)`,
      '',
    ].join('\n'),
  );
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await system.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

async function worker() {
  const config = configure();
  prepare(config, true, 'worker');
  const system = await createSystem(config, { role: 'worker', logger: loggerFor(config) });
  system.startWorkers();
  process.stdout.write(
    `smsgate worker running (database: ${describeDatabase(config)}, data: ${config.DATA_DIR})\n`,
  );
  const shutdown = async () => {
    await system.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

async function auditVerify(args: string[]) {
  const { values } = parseArgs({
    args,
    options: { account: { type: 'string' }, create: { type: 'boolean', default: false } },
    strict: true,
  });
  const config = configure(QUIET);
  prepare(config, values.create === true, 'audit verify', false);
  process.stdout.write(`Database: ${describeDatabase(config)}\n`);
  const storage = openStorage(config.DATABASE_URL);
  try {
    await storage.migrate();
    const account =
      values.account === undefined ? undefined : values.account === 'platform' ? null : values.account;
    return (await verifyAuditChains(storage, account)) === 0 ? 0 : 2;
  } finally {
    await storage.close();
  }
}

async function retentionSweep(args: string[]) {
  const { values } = parseArgs({
    args,
    options: { create: { type: 'boolean', default: false } },
    strict: true,
  });
  const config = configure(QUIET);
  prepare(config, values.create === true, 'retention sweep');
  const system = await createSystem(config, { logger: loggerFor(config) });
  process.stdout.write(`Database: ${describeDatabase(config)}\n`);
  try {
    const result = await system.services.retention.sweepOnce();
    if (!result.ran) {
      process.stdout.write('Another worker is sweeping right now; nothing done.\n');
      return 0;
    }
    for (const [rule, n] of Object.entries(result.counts))
      process.stdout.write(`${String(n).padStart(9)}  ${rule}\n`);
    process.stdout.write(`Purged ${result.total} records in ${(result.ms / 1000).toFixed(1)} s.\n`);
    return 0;
  } finally {
    await system.stop();
  }
}

async function migrate() {
  const config = configure();
  prepare(config, true, 'migrate', false);
  const storage = openStorage(config.DATABASE_URL);
  try {
    await storage.migrate();
  } finally {
    await storage.close();
  }
  process.stdout.write(`Migrations applied to ${describeDatabase(config)}.\n`);
}

async function adminCreate(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      email: { type: 'string' },
      password: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string', default: 'superadmin' },
      create: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (!values.email || !values.password) throw new UsageError('admin create needs --email and --password');
  if (!(STAFF_ROLES as readonly string[]).includes(values.role ?? '')) {
    throw new UsageError(`--role must be one of ${STAFF_ROLES.join(', ')}`);
  }
  const config = configure(QUIET);
  prepare(config, values.create === true, 'admin create');
  const system = await createSystem(config, { logger: loggerFor(config) });
  try {
    const staff = await system.services.staff.create(null, {
      email: values.email,
      password: values.password,
      role: values.role as StaffRole,
      ...(values.name ? { name: values.name } : {}),
    });
    process.stdout.write(
      `Created ${staff.role} ${staff.email} (${staff.id}) in ${describeDatabase(config)}.\n` +
        `Log in at ${config.PUBLIC_URL}/admin/login (API: POST /v1/admin/auth/login).\n`,
    );
  } finally {
    await system.stop();
  }
}

class UsageError extends Error {
  /** Whether the usage text helps (a wrong command or argument), or only the message does. */
  constructor(
    message: string,
    readonly showUsage = true,
  ) {
    super(message);
  }
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** The error and its causes, outermost first (the storage layer wraps the driver's error). */
function causes(error: unknown): Array<{ code?: unknown; message?: unknown }> {
  const chain: Array<{ code?: unknown; message?: unknown }> = [];
  for (
    let e = error;
    typeof e === 'object' && e !== null && chain.length < 10;
    e = (e as { cause?: unknown }).cause
  ) {
    chain.push(e as { code?: unknown; message?: unknown });
  }
  return chain;
}

/**
 * A failure at start-up in one sentence naming what to fix (the database server, the file), or null
 * when it is not one of those; the trace then goes to stderr as before.
 */
function startupProblem(error: unknown, config: Readonly<Config> | null): string | null {
  if (error instanceof SecretsKeyMismatch) return error.message;
  if (!config) return null;
  const chain = causes(error);
  const codes = chain.map((e) => (typeof e.code === 'string' ? e.code : ''));
  const file = sqliteFileOf(config);
  if (!file) {
    let where = 'the configured server';
    try {
      const url = new URL(config.DATABASE_URL);
      where = `${url.hostname}:${url.port || '5432'}`;
    } catch {
      // described generically
    }
    const connection = codes.find((c) => CONNECTION_CODES.has(c));
    if (connection) {
      return `Cannot connect to PostgreSQL at ${where} (${connection}). Check DATABASE_URL and that the database server is running.`;
    }
    // PostgreSQL's own refusals: wrong password (28P01/28000), no such database (3D000).
    const refusal = chain.find((e) => typeof e.code === 'string' && /^(28P01|28000|3D000)$/.test(e.code));
    if (refusal) {
      return `PostgreSQL at ${where} refused the connection: ${String(refusal.message)} (${String(refusal.code)}). Check DATABASE_URL.`;
    }
    return null;
  }
  const sqlite = codes.find((c) => c.startsWith('SQLITE_CANTOPEN') || c.startsWith('SQLITE_READONLY'));
  if (sqlite)
    return `Cannot open the SQLite database ${file} (${sqlite}). Check that its folder exists and is writable.`;
  const fsCode = codes.find((c) => c === 'EACCES' || c === 'EPERM' || c === 'EROFS');
  if (fsCode) {
    const path = chain.map((e) => (e as { path?: unknown }).path).find((p) => typeof p === 'string');
    return `Cannot write ${typeof path === 'string' ? path : config.DATA_DIR} (${fsCode}). Check DATA_DIR and its permissions.`;
  }
  return null;
}

export async function main(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
      case undefined:
        await serve();
        return -1; // keeps running
      case 'worker':
        await worker();
        return -1; // keeps running
      case 'migrate': {
        const { values } = parseArgs({
          args: argv.slice(1),
          options: { 'dry-run': { type: 'boolean', default: false } },
          strict: true,
        });
        if (!values['dry-run']) {
          await migrate();
          return 0;
        }
        const config = configure(QUIET);
        prepare(config, false, 'migrate --dry-run', false);
        return await migrationsPending(config);
      }
      case 'backup': {
        const { values } = parseArgs({
          args: argv.slice(1),
          options: { out: { type: 'string' } },
          strict: true,
        });
        if (!values.out) throw new UsageError('backup needs --out FILE');
        const config = configure(QUIET);
        prepare(config, false, 'backup', false);
        return await backupCommand(config, values.out);
      }
      case 'restore': {
        const { values, positionals } = parseArgs({
          args: argv.slice(1),
          options: { force: { type: 'boolean', default: false } },
          allowPositionals: true,
          strict: true,
        });
        if (positionals.length !== 1) throw new UsageError('restore needs the backup FILE');
        const config = configure(QUIET);
        prepare(config, true, 'restore', false);
        return await restoreCommand(config, positionals[0]!, { force: values.force === true });
      }
      case 'admin':
        if (sub === 'create') {
          await adminCreate(rest);
          return 0;
        }
        throw new UsageError(`unknown admin command "${sub ?? ''}"`);
      case 'retention':
        if (sub === 'sweep') return await retentionSweep(rest);
        throw new UsageError(`unknown retention command "${sub ?? ''}"`);
      case 'audit':
        if (sub === 'verify') return await auditVerify(rest);
        throw new UsageError(`unknown audit command "${sub ?? ''}"`);
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        return 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof ConfigError || error instanceof UsageError) {
      const usage = error instanceof UsageError && error.showUsage;
      process.stderr.write(`${error.message}\n${usage ? `\n${USAGE}\n` : ''}`);
      return 1;
    }
    const problem = startupProblem(error, current);
    if (problem) {
      process.stderr.write(`${problem}\n`);
      return 1;
    }
    const code = (error as { code?: string }).code;
    if (code) {
      process.stderr.write(`Error (${code}): ${(error as Error).message}\n`);
      return 1;
    }
    throw error;
  }
}
