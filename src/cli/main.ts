import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config';
import { systemClock } from '../kernel/clock';
import { createIdGenerator } from '../kernel/ids';
import { createSystem } from '../main';
import { STAFF_ROLES, type StaffRole } from '../modules/accounts';
import { createAuditLog } from '../modules/compliance';
import { openStorage } from '../storage/database';

const USAGE = `smsgate — self-hostable business SMS platform

Usage:
  smsgate serve                         run the roles in ROLES (default: all) in this process
  smsgate worker                        run only the background workers (dispatch, receipts, webhooks);
                                        pair with WORKERS=false on the API processes
  smsgate migrate                       apply database migrations and exit
  smsgate admin create --email E --password P [--name N] [--role superadmin|operator|support|auditor]
                                        create an operator (staff) user
  smsgate audit verify [--account ID]   re-compute the audit hash chains (all, or one account's;
                                        --account platform for the platform's own) and report breaks
  smsgate retention sweep               run one retention sweep now and print what each rule purged
  smsgate help                          this text

Configuration is read from the environment; see the README.`;

async function serve() {
  const config = loadConfig();
  const system = await createSystem(config, { role: 'serve' });
  const log = system.logger;
  const app = await system.http();
  await app.listen({ port: config.PORT, host: config.HOST });
  if (config.WORKERS) system.startWorkers();
  const local = ['0.0.0.0', '127.0.0.1', '::', '::1'].includes(config.HOST);
  const where = `http://${local ? 'localhost' : config.HOST}:${config.PORT}`;
  const staffCount = await system.storage.db
    .selectFrom('staff_users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  process.stdout.write(
    [
      '',
      `smsgate is running at ${where}  (database: ${system.storage.label}, data: ${config.DATA_DIR})`,
      `  API docs:      ${where}/docs`,
      `  Sign up:       curl -i -X POST ${where}/v1/signup -H 'content-type: application/json' \\`,
      `                   -d '{"company":"Acme","name":"Ada","email":"ada@example.com","password":"a-long-secret-1","acceptPolicy":true}'`,
      `  Confirm:       open the link e-mailed at sign-up (free credits are spent only after that); e-mails ${config.SMTP_URL ? 'go through SMTP_URL' : `are written to ${config.DATA_DIR}/mail/`}`,
      `  Log in:        POST ${where}/v1/auth/login with {"email","password"}; e-mails land in ${config.SMTP_URL ? 'your SMTP server' : `${config.DATA_DIR}/mail/`}`,
      Number(staffCount.n) === 0
        ? '  Operator:      none yet — create one with: npx smsgate admin create --email you@example.com --password <password>'
        : `  Operator:      back office at ${where}/v1/admin (log in with POST /v1/admin/auth/login)`,
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
  const config = loadConfig();
  const system = await createSystem(config, { role: 'worker' });
  system.startWorkers();
  process.stdout.write(
    `smsgate worker running (database: ${system.storage.label}, data: ${config.DATA_DIR})\n`,
  );
  const shutdown = async () => {
    await system.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

async function auditVerify(args: string[]) {
  const { values } = parseArgs({ args, options: { account: { type: 'string' } }, strict: true });
  const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  const storage = openStorage(config.DATABASE_URL);
  try {
    await storage.migrate();
    const audit = createAuditLog({ clock: systemClock, ids: createIdGenerator(systemClock) });
    const chains =
      values.account !== undefined
        ? [values.account === 'platform' ? null : values.account]
        : (await storage.db.selectFrom('audit_chain_heads').select('chain').orderBy('chain').execute()).map(
            (r) => (r.chain === 'platform' ? null : r.chain),
          );
    let broken = 0;
    for (const accountId of chains) {
      const result = await audit.verify(storage.db, accountId);
      const name = accountId ?? 'platform';
      if (result.brokenAt === null) process.stdout.write(`ok      ${name}: ${result.events} events\n`);
      else {
        broken++;
        process.stdout.write(
          `BROKEN  ${name}: event #${result.brokenAt} does not match the chain (${result.events} verified before it)\n`,
        );
      }
    }
    process.stdout.write(
      broken === 0
        ? `All ${chains.length} chains intact.\n`
        : `${broken} of ${chains.length} chains are broken.\n`,
    );
    return broken === 0 ? 0 : 2;
  } finally {
    await storage.close();
  }
}

async function retentionSweep() {
  const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  const system = await createSystem(config);
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
  const config = loadConfig();
  const storage = openStorage(config.DATABASE_URL);
  await storage.migrate();
  await storage.close();
  process.stdout.write(`Migrations applied (${storage.label}).\n`);
}

async function adminCreate(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      email: { type: 'string' },
      password: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string', default: 'superadmin' },
    },
    strict: true,
  });
  if (!values.email || !values.password) throw new UsageError('admin create needs --email and --password');
  if (!(STAFF_ROLES as readonly string[]).includes(values.role ?? '')) {
    throw new UsageError(`--role must be one of ${STAFF_ROLES.join(', ')}`);
  }
  const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  const system = await createSystem(config);
  try {
    const staff = await system.services.staff.create(null, {
      email: values.email,
      password: values.password,
      role: values.role as StaffRole,
      ...(values.name ? { name: values.name } : {}),
    });
    process.stdout.write(
      `Created ${staff.role} ${staff.email} (${staff.id}). Log in with POST /v1/admin/auth/login.\n`,
    );
  } finally {
    await system.stop();
  }
}

class UsageError extends Error {}

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
      case 'migrate':
        await migrate();
        return 0;
      case 'admin':
        if (sub === 'create') {
          await adminCreate(rest);
          return 0;
        }
        throw new UsageError(`unknown admin command "${sub ?? ''}"`);
      case 'retention':
        if (sub === 'sweep') return await retentionSweep();
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
      process.stderr.write(`${error.message}\n${error instanceof UsageError ? `\n${USAGE}\n` : ''}`);
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
