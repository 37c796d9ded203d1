import { sql } from 'kysely';
import type { DialectName } from './storage';
import type { TestSystem } from './system';

/** Every table of the current schema that has an `account_id` column. */
async function accountTables(ts: TestSystem, dialect: DialectName): Promise<string[]> {
  const db = ts.system.storage.db;
  if (dialect === 'postgres') {
    const { rows } = await sql<{ table_name: string }>`
      SELECT table_name FROM information_schema.columns
      WHERE column_name = 'account_id' AND table_schema = current_schema()
      ORDER BY table_name`.execute(db);
    return rows.map((r) => r.table_name);
  }
  const { rows } = await sql<{ name: string }>`
    SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c
    WHERE m.type = 'table' AND c.name = 'account_id'
    ORDER BY m.name`.execute(db);
  return rows.map((r) => r.name);
}

/**
 * The account's row and every row of every table that names the account, as sorted JSON lines per table: two snapshots are
 * equal exactly when nothing of the account was added, changed or removed.
 */
export async function snapshotAccount(
  ts: TestSystem,
  dialect: DialectName,
  accountId: string,
): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of ['accounts', ...(await accountTables(ts, dialect))]) {
    const column = table === 'accounts' ? 'id' : 'account_id';
    const { rows } = await sql<Record<string, unknown>>`
      SELECT * FROM ${sql.table(table)} WHERE ${sql.ref(column)} = ${accountId}`.execute(
      ts.system.storage.db,
    );
    out[table] = rows
      .map((row) =>
        JSON.stringify(row, (_key, value) =>
          typeof value === 'bigint'
            ? value.toString()
            : value instanceof Uint8Array
              ? Buffer.from(value).toString('base64')
              : value,
        ),
      )
      .sort();
  }
  return out;
}
