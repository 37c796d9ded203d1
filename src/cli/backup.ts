/** `smsgate backup`, `smsgate restore` and `smsgate migrate --dry-run`. */
import { resolve } from 'node:path';
import { type Config, describeDatabase, sqliteFileOf } from '../config';
import { BackupError, backupSqlite, restoreSqlite } from '../storage/backup';
import { openStorage } from '../storage/database';
import { verifyAuditChains } from './audit-chains';

/** What `pg_dump` and `pg_restore` commands back up and restore a PostgreSQL database, for people to run. */
function postgresAdvice(config: Readonly<Config>, out: string): string {
  return [
    `The database is PostgreSQL (${describeDatabase(config)}): back it up with PostgreSQL's own tools,`,
    'which take a consistent snapshot while the server runs:',
    `  pg_dump --format=custom --file=${out} "$DATABASE_URL"`,
    'and restore it into an empty database with:',
    `  pg_restore --no-owner --dbname="$DATABASE_URL" ${out}`,
    'then run `smsgate audit verify` there.',
  ].join('\n');
}

/** Copies the SQLite database to `out` while the server may be running. Exit code. */
export async function backupCommand(config: Readonly<Config>, out: string): Promise<number> {
  const file = sqliteFileOf(config);
  if (!file) {
    process.stderr.write(`${postgresAdvice(config, out)}\n`);
    return 2;
  }
  const target = resolve(out);
  try {
    const started = performance.now();
    const { bytes } = await backupSqlite(file, target);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stdout.write(
      `Backed up ${describeDatabase(config)} to ${target} (${(bytes / 1e6).toFixed(1)} MB, ${seconds} s, integrity ok).\n` +
        `Files (attachments, avatars, import originals) are kept apart, in ${config.DATA_DIR}/files: copy that folder too.\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof BackupError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/**
 * Puts a backup in place of the SQLite database (the server stopped), brings it to this version's
 * schema, and verifies its audit chains. Exit code: 2 when a chain is broken.
 */
export async function restoreCommand(
  config: Readonly<Config>,
  from: string,
  options: { force: boolean },
): Promise<number> {
  const file = sqliteFileOf(config);
  if (!file) {
    process.stderr.write(`${postgresAdvice(config, from)}\n`);
    return 2;
  }
  try {
    const { replaced } = restoreSqlite(resolve(from), file, { force: options.force, now: new Date() });
    process.stdout.write(
      `Restored ${resolve(from)} to ${file}${replaced ? ` (the database it replaced is kept as ${replaced})` : ''}.\n`,
    );
  } catch (error) {
    if (error instanceof BackupError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const storage = openStorage(config.DATABASE_URL);
  try {
    const pending = await storage.pendingMigrations();
    await storage.migrate();
    if (pending.length > 0) process.stdout.write(`Migrations applied: ${pending.join(', ')}.\n`);
    return (await verifyAuditChains(storage)) === 0 ? 0 : 2;
  } finally {
    await storage.close();
  }
}

/** Lists the migrations `smsgate migrate` would apply, applying none. */
export async function migrationsPending(config: Readonly<Config>): Promise<number> {
  const storage = openStorage(config.DATABASE_URL);
  try {
    const pending = await storage.pendingMigrations();
    process.stdout.write(
      pending.length === 0
        ? `${describeDatabase(config)} is up to date: no migration to apply.\n`
        : `${pending.length} migration(s) to apply to ${describeDatabase(config)}:\n${pending.map((m) => `  ${m}\n`).join('')}`,
    );
    return 0;
  } finally {
    await storage.close();
  }
}
