import { closeSync, fsync, mkdirSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  type AccessMode,
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseMetadataOptions,
  type IsolationLevel,
  Kysely,
  Migrator,
  PostgresDialect,
  type PostgresDialectConfig,
  PostgresDriver,
  PostgresIntrospector,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  sql,
  type TableMetadata,
  type Transaction,
  type TransactionBuilder,
  type TransactionSettings,
} from 'kysely';
import type PgModule from 'pg';
import { pause } from '../kernel/timing';
import { type DirectRunner, setDirectReader, withDirectRunner } from './direct';
import { setDurability } from './durability';
import { createStorageHealth, type StorageHealth } from './health';
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
  /** Whether writes find room (see {@link StorageHealth}); fed by every statement run here. */
  health: StorageHealth;
  /**
   * Runs `work` in a transaction and settles once it is committed, with `onDisk`: settles once the
   * commit is on disk. Answer only after `onDisk`; other work may go on meanwhile. On SQLite the commit
   * only writes the log (synchronous = NORMAL for this one transaction) and the log is then fsynced on
   * the thread pool, one fsync shared by every commit waiting for it, so this thread keeps serving while
   * the disk works. On PostgreSQL a plain transaction, on disk when committed.
   */
  stagedTransaction<T>(work: (tx: Tx) => Promise<T>): Promise<{ value: T; onDisk: Promise<void> }>;
  /**
   * Runs `work` in a transaction whose commit does not wait for the disk at all: it reaches the disk
   * with the next commit that does. Only for work that is redone from its own checkpoint when a crash
   * loses it (an import batch and its checkpoint commit or vanish together).
   */
  lazyTransaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  migrate(): Promise<void>;
  /** The migrations `migrate` would apply, by name, oldest first (none applied). */
  pendingMigrations(): Promise<string[]>;
  close(): Promise<void>;
}

export interface StorageOptions {
  /** SQLite `synchronous` pragma: FULL survives power loss; NORMAL survives process crashes. */
  sqliteSynchronous?: 'FULL' | 'NORMAL';
  /** PostgreSQL: schema to use (tests isolate suites this way). */
  pgSchema?: string;
  pgPoolSize?: number;
  /** PostgreSQL: how long to wait for a new connection before the request fails (503). */
  pgConnectTimeoutMs?: number;
}

let pgModule: typeof PgModule | null = null;

/** The PostgreSQL client, loaded when a postgres URL is opened (≈ 14 MB a SQLite server never needs). */
function loadPg(): typeof PgModule {
  if (pgModule) return pgModule;
  const pg = createRequire(import.meta.url)('pg') as typeof PgModule;
  // int8 and numeric come back from pg as strings by default; every such column here holds values that
  // fit a double exactly (milliseconds, micro-credits), so read them as numbers on both dialects.
  pg.types.setTypeParser(20, (v) => Number(v));
  pg.types.setTypeParser(1700, (v) => Number(v));
  pgModule = pg;
  return pg;
}

/** Opens the database named by a `sqlite:` or `postgres://` URL. */
export function openStorage(url: string, options: StorageOptions = {}): Storage {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return openPostgres(url, options);
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length), options);
  throw new Error(`Unsupported DATABASE_URL: ${url.split(':')[0]}`);
}

function openSqlite(file: string, options: StorageOptions): Storage {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  const synchronous = options.sqliteSynchronous ?? 'FULL';
  // Only FULL promises that a commit survives a power cut; with NORMAL every commit already skips it.
  // FULL is kept by fsyncing the log on the thread pool after each commit (walSync below), not by SQLite
  // on this thread: the connection itself runs at NORMAL, and whoever acknowledges a write outside waits
  // for `onDisk` (durability.ts).
  const wal = file !== ':memory:' && synchronous === 'FULL' ? walSync(`${file}-wal`) : null;
  const connectionSynchronous = wal ? 'NORMAL' : synchronous;
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${connectionSynchronous}`);
  // Never wait for the write lock inside SQLite: that wait blocks the thread (this whole process) and so
  // the very transaction holding the lock, when it is ours. The driver waits asynchronously instead
  // (GuardedSqliteDriver, `whenUnlocked`).
  sqlite.pragma('busy_timeout = 0');
  sqlite.pragma('foreign_keys = ON');
  // Copy the log into the database every ≈ 40 MB instead of every 4 MB: a page changed by several
  // commits in between (index pages under bulk inserts) is copied once. Import of 1M contacts: −9 %.
  sqlite.pragma('wal_autocheckpoint = 10000');
  const statements = withStatementCache(sqlite);
  const health = createStorageHealth();
  // Commits that changed rows, and how many of them an fsync of the log is known to cover.
  let commits = 0;
  let synced = 0;
  // Inside a lazy transaction: its commit waits for the next fsync someone else asks for.
  let lazy = 0;
  const sync = (): Promise<void> => {
    if (!wal) return Promise.resolve();
    const target = commits;
    // flush() settles after an fsync that started after this call: every commit counted so far is in it.
    return wal.flush().then(
      () => {
        if (target > synced) synced = target;
      },
      (error: unknown) => {
        health.observe(error);
        throw error;
      },
    );
  };
  const track = connectionTracker(health, () => {
    commits++;
    if (wal && lazy === 0) void sync().catch(() => undefined);
  });
  const db = new Kysely<Database>({
    dialect: new GuardedSqliteDialect({ database: statements }, sqlite, track),
  });
  // Opened after the writer has put the file in WAL mode (a read-only connection cannot).
  const reader = file === ':memory:' ? null : new SqliteDatabase(file, { readonly: true });
  if (reader) {
    reader.pragma('busy_timeout = 5000');
    const readStatements = withStatementCache(reader);
    setDirectReader(db, (text, values) => ({ rows: readStatements.prepare(text).all(values) }));
  }
  // The same result shape as Kysely's SQLite driver (no plugins are installed to transform it).
  const runDirect: DirectRunner = (text, values) => {
    try {
      const statement = statements.prepare(text);
      if (statement.reader) return { rows: statement.all(values) };
      const { changes, lastInsertRowid } = statement.run(values);
      // Only ever called inside a transaction: the commit tells the health tracker.
      if (changes > 0) track.wroteOn(sqlite);
      return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
    } catch (error) {
      health.observe(error);
      throw error;
    }
  };
  // Every transaction on this database holds the one writing connection from BEGIN to COMMIT (Kysely's
  // SQLite driver takes it under its mutex), so the statements compiled once (`prepared`) that a module's
  // own transaction runs (the batch work: outcomes, claims, webhook results) may run straight on the handle
  // too, as those of the staged transactions do, instead of through Kysely's executor.
  const plainTransaction = db.transaction.bind(db);
  const direct = (builder: TransactionBuilder<Database>): TransactionBuilder<Database> =>
    Object.assign(Object.create(builder) as TransactionBuilder<Database>, {
      execute: <T>(work: (tx: Tx) => Promise<T>) =>
        builder.execute((tx) => withDirectRunner(tx, runDirect, () => work(tx))),
      setIsolationLevel: (level: IsolationLevel) => direct(builder.setIsolationLevel(level)),
      setAccessMode: (mode: AccessMode) => direct(builder.setAccessMode(mode)),
    });
  db.transaction = () => direct(plainTransaction());
  const setUnsynced = sqlite.prepare('pragma synchronous = NORMAL');
  const restoreSynchronous = sqlite.prepare(`pragma synchronous = ${connectionSynchronous}`);

  /**
   * `work` in a transaction committed with synchronous = NORMAL (the log is written, not fsynced) and no
   * fsync asked for: it reaches the disk with the next one.
   */
  const unsynced = <T>(work: (tx: Tx) => Promise<T>): Promise<T> =>
    // One connection for the three steps, so that no other transaction commits while NORMAL is set.
    db.connection().execute(async (connection) => {
      // Straight on the handle: this thread holds the connection, nothing else runs on it meanwhile.
      setUnsynced.run();
      lazy++;
      try {
        return await connection
          .transaction()
          .execute((tx) => withDirectRunner(tx, runDirect, () => work(tx)));
      } finally {
        lazy--;
        restoreSynchronous.run();
      }
    });
  setDurability(db, {
    onDisk: () => (synced >= commits ? Promise.resolve() : sync()),
    unsynced: () => commits - synced,
  });

  const storage = finish(
    db,
    { skipLocked: false, multipleWriters: false, maxParameters: 32766 },
    'sqlite',
    health,
  );
  // SQLite plans queries from statistics that only ANALYZE gathers; without them it guesses, and a
  // guess once made a 500-row claim walk 100,000 rows. `optimize` analyses what needs it (bounded work),
  // as SQLite advises for long-lived connections: when the schema is ready, then every hour.
  let optimizeTimer: NodeJS.Timeout | null = null;
  const optimize = (mask = '') => sql.raw(`pragma optimize${mask}`).execute(db);
  return {
    ...storage,
    async migrate() {
      await storage.migrate();
      await optimize('=0x10002');
      optimizeTimer ??= setInterval(() => void optimize().catch(() => undefined), OPTIMIZE_EVERY_MS);
      optimizeTimer.unref();
    },
    async stagedTransaction(work) {
      const value = await unsynced(work);
      // Everything in the log up to this commit, fsynced by a call that starts now.
      return { value, onDisk: sync() };
    },
    lazyTransaction: unsynced,
    async close() {
      if (optimizeTimer) clearInterval(optimizeTimer);
      await sync().catch(() => undefined);
      await storage.close();
      reader?.close();
      wal?.close();
    },
  };
}

/**
 * fsync of the SQLite write-ahead log on the thread pool. A commit in WAL mode appends its pages and
 * commit frame to the log; once the log is fsynced after that, the commit survives a power cut,
 * exactly as if SQLite had fsynced it itself (synchronous = FULL), but without blocking this thread.
 * `flush()` settles once an fsync that started after the call has finished: callers arriving while
 * one runs share the next one.
 */
function walSync(path: string) {
  let fd: number | null = null;
  let running: Promise<void> | null = null;
  let next: Promise<void> | null = null;
  const once = () =>
    new Promise<void>((resolve, reject) => {
      // Opened on first use: the log exists once something was written. SQLite keeps the same file
      // (it is reset in place, never replaced) while this process holds its connection.
      fd ??= openSync(path, 'r');
      fsync(fd, (error) => (error ? reject(error) : resolve()));
    });
  function flush(): Promise<void> {
    if (!running) {
      running = once().finally(() => {
        running = null;
      });
      return running;
    }
    next ??= running
      .catch(() => undefined)
      .then(() => {
        next = null;
        return flush();
      });
    return next;
  }
  return {
    flush,
    close() {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
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

const OPTIMIZE_EVERY_MS = 60 * 60_000;

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
  const pool = new (loadPg().Pool)({
    connectionString: url,
    max: options.pgPoolSize ?? 10,
    // A server that is away makes a request fail (503) after this long instead of wait for ever.
    connectionTimeoutMillis: options.pgConnectTimeoutMs ?? 5000,
    // TCP probes after 30 s of silence: a connection whose server vanished without a word (a host
    // gone, a network cut) is found dead and dropped, instead of failing the next query sent on it.
    keepAlive: true,
    keepAliveInitialDelayMillis: 30_000,
    ...(options.pgSchema ? { options: `-c search_path=${options.pgSchema}` } : {}),
  });
  // A connection ended by the server (a restart, pg_terminate_backend, a network cut) emits 'error',
  // which ends the process when nobody listens. Idle ones: the pool drops them and says so on the pool.
  // Checked-out ones: the query using it fails with the same error (and the request answers 503), and
  // the pool drops the connection when it is given back. So both only need a listener here.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  const health = createStorageHealth();
  const db = new Kysely<Database>({
    dialect: new GuardedPostgresDialect({ pool }, connectionTracker(health)),
  });
  return {
    ...finish(
      db,
      { skipLocked: true, multipleWriters: true, maxParameters: 65535 },
      'postgres',
      health,
      options.pgSchema,
    ),
    // The server's own form of it: the commit returns before the server has flushed its log.
    lazyTransaction: (work) =>
      db.transaction().execute(async (tx) => {
        await sql`set local synchronous_commit = off`.execute(tx);
        return work(tx);
      }),
  };
}

function finish(
  db: Db,
  capabilities: Capabilities,
  label: string,
  health: StorageHealth,
  schema?: string,
): Storage {
  // Name the schema of the migration tables when one is set: otherwise the migrator may find another
  // schema's tables of the same name and skip creating its own.
  const migrator = () =>
    new Migrator({ db, provider: migrationProvider, ...(schema ? { migrationTableSchema: schema } : {}) });
  return {
    db,
    capabilities,
    label,
    health,
    async pendingMigrations() {
      return (await migrator().getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name);
    },
    stagedTransaction: async (work) => ({
      value: await db.transaction().execute(work),
      onDisk: Promise.resolve(),
    }),
    lazyTransaction: (work) => db.transaction().execute(work),
    async migrate() {
      const { error, results } = await migrator().migrateToLatest();
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

type ConnectionTracker = ReturnType<typeof connectionTracker>;

/**
 * Feeds the health tracker from the connections: every failed statement is shown to it, and every commit
 * of a transaction that changed rows (or a change outside a transaction) tells it that writes go through,
 * and `onWriteCommitted` (SQLite fsyncs the log after it). State is kept per `key`: the connection on
 * PostgreSQL, the one handle on SQLite.
 */
function connectionTracker(health: StorageHealth, onWriteCommitted: () => void = () => undefined) {
  const states = new WeakMap<object, { inTransaction: boolean; wrote: boolean }>();
  const stateOf = (key: object) => {
    let state = states.get(key);
    if (!state) {
      state = { inTransaction: false, wrote: false };
      states.set(key, state);
    }
    return state;
  };
  const guarded = new WeakSet<DatabaseConnection>();
  return {
    guard(connection: DatabaseConnection, key: object): DatabaseConnection {
      if (guarded.has(connection)) return connection;
      guarded.add(connection);
      const state = stateOf(key);
      const execute = connection.executeQuery.bind(connection);
      connection.executeQuery = (async (query: CompiledQuery) => {
        try {
          const result = await execute(query);
          if (result.numAffectedRows !== undefined && result.numAffectedRows > 0n) {
            if (state.inTransaction) state.wrote = true;
            else {
              health.wrote();
              onWriteCommitted();
            }
          }
          return result;
        } catch (error) {
          health.observe(error);
          throw error;
        }
      }) as DatabaseConnection['executeQuery'];
      return connection;
    },
    wroteOn(key: object) {
      stateOf(key).wrote = true;
    },
    begun(key: object) {
      const state = stateOf(key);
      state.inTransaction = true;
      state.wrote = false;
    },
    ended(key: object, committed: boolean) {
      const state = stateOf(key);
      state.inTransaction = false;
      if (committed && state.wrote) {
        health.wrote();
        onWriteCommitted();
      }
      state.wrote = false;
    },
  };
}

/** Kysely's SQLite dialect with a driver that rolls back only what is still open (see below). */
class GuardedSqliteDialect extends SqliteDialect {
  constructor(
    private readonly config: SqliteDialectConfig,
    private readonly handle: SqliteDatabase.Database,
    private readonly track: ConnectionTracker,
  ) {
    super(config);
  }
  override createDriver() {
    return new GuardedSqliteDriver(this.config, this.handle, this.track);
  }
}

/** How long a statement or a transaction waits for another writer of the same SQLite file. */
const SQLITE_LOCK_WAIT_MS = 5_000;

/**
 * Runs `work` (a statement that may need the write lock) again while another connection to the file
 * holds that lock, with short asynchronous pauses, for up to SQLITE_LOCK_WAIT_MS.
 */
async function whenUnlocked<T>(work: () => Promise<T>): Promise<T> {
  const deadline = performance.now() + SQLITE_LOCK_WAIT_MS;
  for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
    try {
      return await work();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const busy = typeof code === 'string' && code.startsWith('SQLITE_BUSY');
      if (!busy || performance.now() > deadline) throw error;
      await pause(wait);
    }
  }
}

class GuardedSqliteDriver extends SqliteDriver {
  private readonly waiting = new WeakSet<DatabaseConnection>();
  constructor(
    config: SqliteDialectConfig,
    private readonly handle: SqliteDatabase.Database,
    private readonly track: ConnectionTracker,
  ) {
    super(config);
  }
  override async acquireConnection() {
    const connection = await super.acquireConnection();
    if (!this.waiting.has(connection)) {
      this.waiting.add(connection);
      // Outside a transaction a statement may meet another process's write lock: it waits. Inside one it
      // cannot, as the transaction took the lock when it began (below).
      const execute = connection.executeQuery.bind(connection);
      connection.executeQuery = ((query: CompiledQuery) =>
        this.handle.inTransaction ? execute(query) : whenUnlocked(() => execute(query))) as typeof execute;
    }
    return this.track.guard(connection, this.handle);
  }
  /**
   * `BEGIN IMMEDIATE`: the write lock is taken when the transaction starts (waiting for another process
   * that holds it, see `acquireConnection`). A plain (deferred) BEGIN takes it at the first write, and if
   * another process committed since this transaction first read, SQLite refuses at once ("database is
   * locked"): with a worker process beside the server (`smsgate worker` on the same file) that failed
   * about one receipt in eight. Within one process nothing changes: this connection is the only writer,
   * and its transactions already run one at a time.
   */
  override async beginTransaction(connection: DatabaseConnection) {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    this.track.begun(this.handle);
  }
  override async commitTransaction(connection: DatabaseConnection) {
    await super.commitTransaction(connection);
    this.track.ended(this.handle, true);
  }
  /**
   * Some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM…) make SQLite roll the transaction back by
   * itself. A ROLLBACK after that fails with "cannot rollback - no transaction is active", and Kysely
   * would throw that instead of the error that says what happened.
   */
  override async rollbackTransaction(connection: DatabaseConnection) {
    this.track.ended(this.handle, false);
    if (!this.handle.inTransaction) return;
    await super.rollbackTransaction(connection);
  }
}

/** Kysely's PostgreSQL dialect with a driver that keeps the error that ended a transaction. */
class GuardedPostgresDialect extends PostgresDialect {
  constructor(
    private readonly config: PostgresDialectConfig,
    private readonly track: ConnectionTracker,
  ) {
    super(config);
  }
  override createDriver() {
    return new GuardedPostgresDriver(this.config, this.track);
  }
  override createIntrospector(db: Kysely<unknown>) {
    return new SearchPathIntrospector(db);
  }
}

/**
 * The introspector the migrator asks whether its tables exist. Kysely's reads every column of every
 * schema and resolves each table by name (`pg_get_serial_sequence`), so a schema dropped by another
 * client meanwhile (another deployment sharing the database, or a parallel test) fails our migration
 * with "relation … does not exist". This one lists only the tables of the schemas on our search path,
 * by oid, and leaves their columns out: nothing here reads them.
 */
class SearchPathIntrospector extends PostgresIntrospector {
  constructor(private readonly kysely: Kysely<unknown>) {
    super(kysely);
  }
  override async getTables(_options?: DatabaseMetadataOptions): Promise<TableMetadata[]> {
    const { rows } = await sql<{ schema: string; name: string; kind: string }>`
      select n.nspname as schema, c.relname as name, c.relkind as kind
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'v', 'p') and n.nspname = any(current_schemas(false))
      order by n.nspname, c.relname`.execute(this.kysely);
    return rows.map((r) => ({ schema: r.schema, name: r.name, isView: r.kind === 'v', columns: [] }));
  }
}

type PgConnection = Parameters<PostgresDriver['rollbackTransaction']>[0];

class GuardedPostgresDriver extends PostgresDriver {
  constructor(
    config: PostgresDialectConfig,
    private readonly track: ConnectionTracker,
  ) {
    super(config);
  }
  override async acquireConnection() {
    const connection = await super.acquireConnection();
    return this.track.guard(connection, connection);
  }
  override async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
    await super.beginTransaction(connection, settings);
    this.track.begun(connection);
  }
  override async commitTransaction(connection: DatabaseConnection) {
    await super.commitTransaction(connection);
    this.track.ended(connection, true);
  }
  /**
   * When the connection itself is gone, so is its transaction (the server rolls back what a lost
   * connection left open), and the ROLLBACK fails too. Kysely's driver then marks the connection to be
   * discarded; the error that ended the transaction is the one worth reporting, not this one.
   */
  override async rollbackTransaction(connection: PgConnection) {
    this.track.ended(connection, false);
    await super.rollbackTransaction(connection).catch(() => undefined);
  }
}
