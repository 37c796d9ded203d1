/**
 * Writing short links: the multi-row insert the fan-out runs per batch, which gives a row whose code was
 * already taken a fresh code and inserts it again.
 */
import { CompiledQuery } from 'kysely';
import type { DbOrTx } from '../../storage/database';
import type { LinksTable } from '../../storage/schema-links';
import { newCodes } from './link-codes';

export type NewLink = Omit<LinksTable, 'deleted_at' | 'first_clicked_at'>;

// 9 columns × 2,000 rows stays under SQLite's and PostgreSQL's bound-parameter limits.
const INSERT_ROWS = 2000;
const LINK_COLUMNS = [
  'code',
  'account_id',
  'campaign_id',
  'message_id',
  'contact_id',
  'target_url',
  'attachment_id',
  'created_at',
  'expires_at',
] as const satisfies ReadonlyArray<keyof NewLink>;
const insertSql = new Map<string, string>();

/**
 * The multi-row INSERT … ON CONFLICT DO NOTHING text for `count` rows, in the placeholder style of the
 * connection's dialect (`?` or `$n`). Written by hand and cached: building a 2,000-row insert through
 * the query builder costs more than SQLite takes to run it; the same text also reuses SQLite's
 * prepared statement.
 */
function linkInsertSql(tx: DbOrTx, count: number): string {
  const numbered = tx.selectFrom('links').select('code').where('code', '=', '').compile().sql.includes('$1');
  const key = `${numbered ? '$' : '?'}${count}`;
  let text = insertSql.get(key);
  if (!text) {
    const width = LINK_COLUMNS.length;
    const tuples: string[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const marks = LINK_COLUMNS.map((_, j) => (numbered ? `$${i * width + j + 1}` : '?'));
      tuples[i] = `(${marks.join(', ')})`;
    }
    text = `insert into "links" (${LINK_COLUMNS.map((c) => `"${c}"`).join(', ')}) values ${tuples.join(', ')} on conflict ("code") do nothing`;
    // Batches are usually full; keep only a few odd sizes.
    if (insertSql.size > 64) insertSql.clear();
    insertSql.set(key, text);
  }
  return text;
}

/**
 * Inserts the rows, replacing the code of any row whose code was already taken (by an earlier batch)
 * and inserting that row again. ON CONFLICT DO NOTHING, not a caught error: on PostgreSQL a failed
 * statement would abort the caller's whole transaction.
 */
export async function insertLinks(tx: DbOrTx, rows: NewLink[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_ROWS) {
    let pending = rows.slice(i, i + INSERT_ROWS);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt === 5) throw new Error('could not find free short-link codes');
      const params: unknown[] = [];
      for (const row of pending) for (const column of LINK_COLUMNS) params.push(row[column]);
      const result = await tx.executeQuery(CompiledQuery.raw(linkInsertSql(tx, pending.length), params));
      if (Number(result.numAffectedRows ?? 0) === pending.length) break;
      const stored = await tx
        .selectFrom('links')
        .select(['code', 'message_id', 'target_url', 'attachment_id', 'created_at'])
        .where(
          'code',
          'in',
          pending.map((r) => r.code),
        )
        .execute();
      const byCode = new Map(stored.map((s) => [s.code, s]));
      pending = pending.filter((r) => {
        const s = byCode.get(r.code);
        return !(
          s &&
          s.message_id === r.message_id &&
          s.target_url === r.target_url &&
          s.attachment_id === r.attachment_id &&
          Number(s.created_at) === r.created_at
        );
      });
      const fresh = newCodes(pending.length);
      pending.forEach((r, j) => {
        r.code = fresh[j]!;
      });
    }
  }
}
