import { firstIdAt } from '../../kernel/ids';
import type { DbOrTx } from '../../storage/database';

/**
 * An account's messages created since `since` (ms), counted by status. Message ids sort by creation time,
 * so the count reads one range of the (account_id, id) index.
 */
export async function messageVolume(db: DbOrTx, accountId: string, since: number) {
  const rows = await db
    .selectFrom('messages')
    .select(['status', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('account_id', '=', accountId)
    .where('id', '>=', firstIdAt('msg', since))
    .groupBy('status')
    .execute();
  const byStatus: Record<string, number> = {};
  let total = 0;
  for (const r of rows) {
    byStatus[r.status] = Number(r.n);
    total += Number(r.n);
  }
  return { since: new Date(since).toISOString(), total, byStatus };
}
