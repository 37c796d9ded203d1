import type { Db } from '../../storage/database';

/** Retention: removes up to `limit` inbound messages of accounts closed before `cutoff`; returns how many. */
export async function removeInboundOfClosedAccounts(db: Db, cutoff: number, limit: number): Promise<number> {
  return db.transaction().execute(async (tx) => {
    const closed = tx
      .selectFrom('accounts')
      .select('id')
      .where('status', '=', 'closed')
      .where('closed_at', '<', cutoff);
    const inbound = await tx
      .selectFrom('inbound_messages')
      .select('id')
      .where('account_id', 'in', closed)
      .limit(limit)
      .execute();
    if (inbound.length > 0) {
      await tx
        .deleteFrom('inbound_messages')
        .where(
          'id',
          'in',
          inbound.map((r) => r.id),
        )
        .execute();
    }
    return inbound.length;
  });
}
