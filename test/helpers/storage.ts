import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStorage, type Storage } from '../../src/storage/database';

export type DialectName = 'sqlite' | 'postgres';

/** Every dialect a storage test runs on: SQLite always, PostgreSQL when TEST_DATABASE_URL is set. */
export const DIALECTS: DialectName[] = process.env.TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestStorage {
  storage: Storage;
  url: string;
  pgSchema?: string;
  dispose(): Promise<void>;
}

/** Where a test database lives, when not in the default places. */
export interface TestStorageOptions {
  /** SQLite: the folder for the database file (a small file system, say); a temp folder by default. */
  sqliteDir?: string;
  /** PostgreSQL: the database URL (a proxy in front of the server, say); TEST_DATABASE_URL by default. */
  pgUrl?: string;
  /** SQLite: NORMAL by default (tests need no power-cut safety); FULL to test what it does. */
  sqliteSynchronous?: 'FULL' | 'NORMAL';
  /** Leave the database empty (a test applies migrations itself); migrated to the latest by default. */
  migrate?: boolean;
}

/**
 * A throw-away, migrated database: a SQLite file in a temp folder, or a fresh PostgreSQL schema (so
 * test files can run in parallel against one database).
 */
export async function openTestStorage(
  dialect: DialectName,
  options: TestStorageOptions = {},
): Promise<TestStorage> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(options.sqliteDir ?? tmpdir(), 'smsgate-test-'));
    const url = `sqlite:${join(dir, 'test.db')}`;
    const storage = openStorage(url, { sqliteSynchronous: options.sqliteSynchronous ?? 'NORMAL' });
    if (options.migrate !== false) await storage.migrate();
    return {
      storage,
      url,
      async dispose() {
        await storage.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const url = options.pgUrl ?? process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const storage = openStorage(url, { pgSchema: schema, pgPoolSize: 5 });
  if (options.migrate !== false) await storage.migrate();
  return {
    storage,
    url,
    pgSchema: schema,
    async dispose() {
      await storage.close();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    },
  };
}
