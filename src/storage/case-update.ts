import { type RawBuilder, sql } from 'kysely';

/**
 * `CASE id WHEN … THEN … END` over many rows, so that one UPDATE gives each row its own value (one
 * statement per batch instead of one per row, on both dialects). Values are cast to the column's type
 * because PostgreSQL cannot infer the type of a bare parameter inside CASE.
 */
export function caseById<T>(pairs: Array<[id: string, value: T]>, type: 'text' | 'bigint'): RawBuilder<T> {
  const whens = pairs.map(([id, value]) => sql`WHEN ${id} THEN CAST(${value} AS ${sql.raw(type)})`);
  return sql<T>`CASE id ${sql.join(whens, sql` `)} END`;
}
