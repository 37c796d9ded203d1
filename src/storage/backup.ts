/**
 * Backups of the SQLite database, and restoring one. A backup is taken with SQLite's online backup API
 * through a connection of its own, so it is safe while the server runs and writes: it copies a
 * consistent snapshot (writes committed meanwhile make the copy start over on the pages they touched).
 * PostgreSQL is backed up with its own tools (`pg_dump`), which do the same for it.
 */
import { copyFileSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';

export class BackupError extends Error {
  override name = 'BackupError';
}

/** The SQLite files of a database in WAL mode: the database, its log and the log's index. */
const companions = (file: string) => [`${file}-wal`, `${file}-shm`];

/** SQLite's own check of a database file: 'ok', or what is wrong (the first lines of its report). */
export function integrityOf(file: string): string {
  let db: Database.Database | null = null;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const rows = db.pragma('integrity_check', { simple: false }) as Array<{ integrity_check: string }>;
    const report = rows.map((r) => r.integrity_check);
    return report.length === 1 && report[0] === 'ok' ? 'ok' : report.slice(0, 5).join('; ');
  } catch (error) {
    return `not a readable SQLite database (${(error as Error).message})`;
  } finally {
    db?.close();
  }
}

/**
 * Copies the database at `file` into a new file `out` while it may be in use, then checks the copy.
 * Answers the copy's size. Refuses to overwrite `out`.
 */
export async function backupSqlite(file: string, out: string): Promise<{ bytes: number }> {
  if (!existsSync(file)) throw new BackupError(`No database at ${file}.`);
  if (existsSync(out)) throw new BackupError(`${out} exists already: name a new file.`);
  const partial = `${out}.partial`;
  rmSync(partial, { force: true });
  const source = new Database(file, { fileMustExist: true });
  try {
    // A server writing at that moment holds the lock for milliseconds: wait for it rather than fail.
    source.pragma('busy_timeout = 5000');
    await source.backup(partial);
  } finally {
    source.close();
  }
  const check = integrityOf(partial);
  if (check !== 'ok') {
    rmSync(partial, { force: true });
    throw new BackupError(`The copy failed SQLite's integrity check: ${check}`);
  }
  // Only a whole, checked copy ever carries the name asked for.
  renameSync(partial, out);
  return { bytes: statSync(out).size };
}

/**
 * Puts the backup `from` in place of the database file `file`. Refuses while a server may have the
 * database open (its write-ahead log is there) and, without `force`, when a database exists; with
 * `force`, the database it replaces is kept beside it as `<file>.before-restore-<time>`.
 */
export function restoreSqlite(
  from: string,
  file: string,
  options: { force: boolean; now: Date },
): { replaced: string | null } {
  if (!existsSync(from)) throw new BackupError(`No backup at ${from}.`);
  const check = integrityOf(from);
  if (check !== 'ok') throw new BackupError(`${from} failed SQLite's integrity check: ${check}`);
  const log = `${file}-wal`;
  if (existsSync(log) && statSync(log).size > 0 && !options.force)
    throw new BackupError(
      `${log} is there: a server has this database open, or stopped without closing it. Stop the server ` +
        '(if it crashed, start and stop it once so that its last writes are kept), then restore; ' +
        '--force restores anyway and keeps the current files beside it.',
    );
  let replaced: string | null = null;
  if (existsSync(file)) {
    if (!options.force)
      throw new BackupError(
        `A database exists at ${file}. Add --force to replace it (it is kept beside it, renamed).`,
      );
    replaced = `${file}.before-restore-${options.now.toISOString().replace(/[:.]/g, '-')}`;
    renameSync(file, replaced);
    for (const companion of companions(file))
      if (existsSync(companion)) renameSync(companion, `${replaced}${companion.slice(file.length)}`);
  }
  // Copied under another name and renamed: a restore cut short never leaves half a database in place.
  const partial = `${file}.restoring`;
  copyFileSync(from, partial);
  renameSync(partial, file);
  return { replaced };
}
