import type { Kysely, QueryResult } from 'kysely';
import type { DbOrTx } from './database';
import { prepared, slot } from './prepared';
import type { Database } from './schema';

type Run = (executor: DbOrTx, params: Record<string, unknown>) => Promise<QueryResult<unknown>>;

/**
 * A multi-row INSERT of a fixed list of columns, compiled once per row count (and dialect) and then run
 * with new values. Building Kysely's tree for a batch of rows costs more than SQLite's work for it (each
 * value is parsed and each node frozen); the hot path writes the same few tables in batches of varying
 * size, so each size is built once. A value left undefined is written as null (every column is listed).
 */
export function preparedInsert<T extends keyof Database & string>(
  table: T,
  columns: ReadonlyArray<keyof Database[T] & string>,
) {
  const bySize = new Map<number, Run>();
  const statementFor = (size: number): Run => {
    let run = bySize.get(size);
    if (!run) {
      run = prepared<Record<string, unknown>>((db) =>
        (db as unknown as Kysely<Record<string, Record<string, unknown>>>)
          .insertInto(table)
          .values(
            Array.from({ length: size }, (_, row) =>
              Object.fromEntries(columns.map((column) => [column, slot(`${row}:${column}`)])),
            ),
          ),
      );
      bySize.set(size, run);
    }
    return run;
  };
  /** Inserts `rows`, at most `chunk` per statement. */
  return async (executor: DbOrTx, rows: ReadonlyArray<Database[T]>, chunk: number): Promise<void> => {
    for (let i = 0; i < rows.length; i += chunk) {
      const part = rows.slice(i, i + chunk);
      const params: Record<string, unknown> = {};
      part.forEach((row, r) => {
        for (const column of columns) params[`${r}:${column}`] = row[column] ?? null;
      });
      await statementFor(part.length)(executor, params);
    }
  };
}
