import { type Compilable, CompiledQuery, type QueryResult } from 'kysely';
import type { DbOrTx } from './database';
import { directRunner } from './direct';

const MARK = '\u0000slot:';

/** A stand-in for a value of a prepared query, replaced by `params[name]` at each run. */
export function slot<T>(name: string): T {
  return `${MARK}${name}` as unknown as T;
}

/**
 * A query built and compiled by Kysely once per dialect, then run with new values: for the few
 * single-row statements every request runs, building Kysely's tree and compiling it cost more than
 * SQLite's work. `build` must use each `slot(name)` as a plain value (not inside an expression that
 * changes it); every other value it writes stays fixed. On SQLite, inside the storage's own transactions
 * the statement runs straight on the connection, and a read sent to the database handle runs on the
 * read-only connection (see `direct.ts`).
 */
export function prepared<P extends object, R = unknown>(
  build: (db: DbOrTx) => Compilable<R>,
): (executor: DbOrTx, params: P) => Promise<QueryResult<R>> {
  const byDialect = new Map<
    unknown,
    { sql: string; isRead: boolean; values: Array<{ slot: string } | { fixed: unknown }> }
  >();
  return (executor, params) => {
    const dialect = executor.getExecutor().adapter.constructor;
    let compiled = byDialect.get(dialect);
    if (!compiled) {
      const query = build(executor).compile();
      compiled = {
        sql: query.sql,
        // Kysely writes its keywords in lower case (an `update … returning` is a write: not a read).
        isRead: query.sql.startsWith('select '),
        values: query.parameters.map((v) =>
          typeof v === 'string' && v.startsWith(MARK) ? { slot: v.slice(MARK.length) } : { fixed: v },
        ),
      };
      byDialect.set(dialect, compiled);
    }
    const named = params as Record<string, unknown>;
    const values = compiled.values.map((v) => ('slot' in v ? named[v.slot] : v.fixed));
    const direct = directRunner(executor, compiled.isRead);
    if (direct) {
      try {
        return Promise.resolve(direct(compiled.sql, values) as QueryResult<R>);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return executor.executeQuery(CompiledQuery.raw(compiled.sql, values) as CompiledQuery<R>);
  };
}
