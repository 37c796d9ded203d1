import type { Clock } from '../../kernel/clock';
import type { DbOrTx } from '../../storage/database';
import type { AuditLog } from '../audit';

/** A reply that asked to stop: the number joins the account's suppression list. */
export interface StopReply {
  accountId: string;
  phone: string;
  /** The inbound message, named in the audit event instead of the number. */
  inboundId: string;
  keyword: string;
}

/**
 * Records STOP replies in the suppression list (scope `marketing`, source `stop_reply`) in the caller's
 * transaction. A number already suppressed keeps its entry (and so its possibly wider scope).
 * Returns how many numbers were added.
 */
export function createStopReplyRecorder(deps: { clock: Clock; audit: AuditLog }) {
  return async function record(tx: DbOrTx, replies: StopReply[]): Promise<number> {
    let added = 0;
    const now = deps.clock.now();
    for (const r of replies) {
      const inserted = await tx
        .insertInto('suppressions')
        .values({
          account_id: r.accountId,
          phone: r.phone,
          scope: 'marketing',
          reason: `replied ${r.keyword}`.slice(0, 200),
          source: 'stop_reply',
          created_at: now,
        })
        .onConflict((oc) => oc.columns(['account_id', 'phone']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) continue;
      added++;
      await deps.audit.record(tx, {
        accountId: r.accountId,
        actor: { type: 'system', id: null, ip: null },
        action: 'suppression.stop_reply',
        target: { type: 'inbound_message', id: r.inboundId },
      });
    }
    return added;
  };
}

export type StopReplyRecorder = ReturnType<typeof createStopReplyRecorder>;

/**
 * Records START replies: the person asks to receive messages again, so the suppression their own STOP
 * reply created goes (suppressions the client added by hand or by import stay: those are the client's
 * decision). Returns how many numbers were released.
 */
export function createStartReplyRecorder(deps: { audit: AuditLog }) {
  return async function record(tx: DbOrTx, replies: StopReply[]): Promise<number> {
    let removed = 0;
    for (const r of replies) {
      const deleted = await tx
        .deleteFrom('suppressions')
        .where('account_id', '=', r.accountId)
        .where('phone', '=', r.phone)
        .where('source', '=', 'stop_reply')
        .executeTakeFirst();
      if (Number(deleted.numDeletedRows) === 0) continue;
      removed++;
      await deps.audit.record(tx, {
        accountId: r.accountId,
        actor: { type: 'system', id: null, ip: null },
        action: 'suppression.start_reply',
        target: { type: 'inbound_message', id: r.inboundId },
      });
    }
    return removed;
  };
}
