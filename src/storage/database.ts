import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Transaction } from 'kysely';
import pg from 'pg';
import { migrationProvider } from './migrations';
import type { Database } from './schema';

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** Either the database or an open transaction: module functions accept both. */
export type DbOrTx = Db | Tx;

/**
 * What the engine can do. Code branches on these, never on the engine's name, so that a third dialect
 * only has to describe itself.
 */
export interface Capabilities {
  /** `SELECT … FOR UPDATE SKIP LOCKED` for claiming work without blocking other workers. */
  skipLocked: boolean;
  /** Several connections may write at once (otherwise writes are serialised by the engine). */
  multipleWriters: boolean;
  /** Largest number of bound parameters in one statement. */
  maxParameters: number;
}

export interface Storage {
  db: Db;
  capabilities: Capabilities;
  /** A short label for logs and benchmark output ("sqlite", "postgres"). */
  label: string;
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export interface StorageOptions {
  /** SQLite `synchronous` pragma: FULL survives power loss; NORMAL survives process crashes. */
  sqliteSynchronous?: 'FULL' | 'NORMAL';
  /** PostgreSQL: schema to use (tests isolate suites this way). */
  pgSchema?: string;
  pgPoolSize?: number;
}

// int8 and numeric come back from pg as strings by default; every such column here holds values that
// fit a double exactly (milliseconds, micro-credits), so read them as numbers on both dialects.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

/** Opens the database named by a `sqlite:` or `postgres://` URL. */
export function openStorage(url: string, options: StorageOptions = {}): Storage {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return openPostgres(url, options);
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length), options);
  throw new Error(`Unsupported DATABASE_URL: ${url.split(':')[0]}`);
}

function openSqlite(file: string, options: StorageOptions): Storage {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${options.sqliteSynchronous ?? 'FULL'}`);
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return finish(db, { skipLocked: false, multipleWriters: false, maxParameters: 32766 }, 'sqlite');
}

/**
 * Reuses prepared statements by SQL text. Compiling a statement costs SQLite more than running a small
 * one, and the same few dozen statements carry all the traffic. Statements with IN lists of varying
 * length make the set open-ended, hence two bounded generations (a used statement survives a rotation).
 * Multi-row inserts compile to programs of hundreds of kilobytes, so those live in their own, much
 * smaller generations: a few hundred of them would hold more memory than the rest of the process.
 * Kysely runs one statement at a time on this connection, so a cached statement is never busy twice.
 */
function withStatementCache(sqlite: SqliteDatabase.Database) {
  const small = generations(400);
  const big = generations(16);
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      const cache = sql.length > BIG_STATEMENT_CHARS ? big : small;
      return cache.get(sql) ?? cache.set(sql, sqlite.prepare(sql));
    },
  };
}

/** SQL longer than this (a multi-row insert, a long IN list) is cached among the big statements. */
const BIG_STATEMENT_CHARS = 4096;

function generations(size: number) {
  let young = new Map<string, SqliteDatabase.Statement>();
  let old = new Map<string, SqliteDatabase.Statement>();
  return {
    get(sql: string): SqliteDatabase.Statement | undefined {
      const recent = young.get(sql);
      if (recent) return recent;
      // Used again: it moves to the young generation and survives the next rotation.
      const older = old.get(sql);
      if (older) this.set(sql, older);
      return older;
    },
    set(sql: string, statement: SqliteDatabase.Statement): SqliteDatabase.Statement {
      if (young.size >= size) {
        old = young;
        young = new Map();
      }
      young.set(sql, statement);
      return statement;
    },
  };
}

function openPostgres(url: string, options: StorageOptions): Storage {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.pgPoolSize ?? 10,
    ...(options.pgSchema ? { options: `-c search_path=${options.pgSchema}` } : {}),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return finish(
    db,
    { skipLocked: true, multipleWriters: true, maxParameters: 65535 },
    'postgres',
    options.pgSchema,
  );
}

function finish(db: Db, capabilities: Capabilities, label: string, schema?: string): Storage {
  return {
    db,
    capabilities,
    label,
    async migrate() {
      // Name the schema of the migration tables when one is set: otherwise the migrator may find another
      // schema's tables of the same name and skip creating its own.
      const migrator = new Migrator({
        db,
        provider: migrationProvider,
        ...(schema ? { migrationTableSchema: schema } : {}),
      });
      const { error, results } = await migrator.migrateToLatest();
      const failed = results?.find((r) => r.status === 'Error');
      if (error || failed) {
        throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${String(error)}`, {
          cause: error,
        });
      }
    },
    close: () => db.destroy(),
  };
}
