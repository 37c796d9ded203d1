/**
 * The end of the wait for receipts that never came: `sent` messages past their route's receipt timeout
 * (and their validity period) become `expired`, with the refund policy for `expired`.
 */
import { sql } from 'kysely';
import type { DbOrTx } from '../../storage/database';
import type { MessagesTable } from '../../storage/schema';
import { CHUNK, commitEffects, newEffects, type OutcomeDeps, refundPolicies } from './outcome-context';
import { statusEvent } from './send';

/** How long a `sent` message waits for its receipt unless its route says otherwise. */
export const DEFAULT_RECEIPT_TIMEOUT_MS = 48 * 3600_000;
/** A carrier may still report until the validity period ends: a little more is allowed on top. */
export const RECEIPT_VALIDITY_GRACE_MS = 3600_000;

export function createReceiptTimeout(deps: OutcomeDeps) {
  const { clock, ids } = deps;
  return {
    /**
     * Ends the wait for receipts that never came: a `sent` message becomes `expired` (error code
     * `receipt_timeout`) once its route's receipt timeout has passed since it was sent (`routeTimeoutsMs`;
     * routes not named there wait DEFAULT_RECEIPT_TIMEOUT_MS), and never before its validity period has
     * ended plus RECEIPT_VALIDITY_GRACE_MS, as the carrier may still deliver until then. The refund policy
     * for `expired` applies, and an event and a `message.status` webhook are written. A receipt that comes
     * later is stored and matched but changes nothing: a final status is final. Returns the number expired.
     */
    async expireUnreported(
      tx: DbOrTx,
      options: { routeTimeoutsMs: ReadonlyMap<string, number>; limit: number },
    ): Promise<number> {
      const now = clock.now();
      const validityCutoff = now - RECEIPT_VALIDITY_GRACE_MS;
      const overdue: MessagesTable[] = [];
      // `status = 'sent'` as a literal: that is how the partial index of waiting messages is defined.
      const waiting = () =>
        tx
          .selectFrom('messages')
          .selectAll()
          .where('status', '=', sql.lit('sent'))
          .where((eb) => eb.or([eb('valid_until', 'is', null), eb('valid_until', '<=', validityCutoff)]));
      for (const [routeId, timeoutMs] of options.routeTimeoutsMs) {
        if (overdue.length >= options.limit) break;
        overdue.push(
          ...(await waiting()
            .where('route_id', '=', routeId)
            .where('sent_at', '<=', now - timeoutMs)
            .orderBy('sent_at')
            .limit(options.limit - overdue.length)
            .execute()),
        );
      }
      if (overdue.length < options.limit) {
        let others = waiting().where('sent_at', '<=', now - DEFAULT_RECEIPT_TIMEOUT_MS);
        const named = [...options.routeTimeoutsMs.keys()];
        if (named.length > 0)
          others = others.where((eb) => eb.or([eb('route_id', 'is', null), eb('route_id', 'not in', named)]));
        overdue.push(
          ...(await others
            .orderBy('sent_at')
            .limit(options.limit - overdue.length)
            .execute()),
        );
      }
      if (overdue.length === 0) return 0;

      const policies = await refundPolicies(tx, [...new Set(overdue.map((m) => m.account_id))]);
      const error = {
        code: 'receipt_timeout',
        detail: 'No delivery receipt came within the receipt timeout.',
      };
      const effects = newEffects();
      const refunded: string[] = [];
      let expired = 0;
      for (let i = 0; i < overdue.length; i += CHUNK) {
        const chunk = overdue.slice(i, i + CHUNK);
        const changed = await tx
          .updateTable('messages')
          .set({
            status: 'expired',
            error_code: error.code,
            error_detail: error.detail,
            done_at: now,
            updated_at: now,
          })
          .where(
            'id',
            'in',
            chunk.map((m) => m.id),
          )
          .where('status', '=', 'sent')
          .returning('id')
          .execute();
        // A receipt applied meanwhile (another writer) wins: that message is left as it is.
        const updated = new Set(changed.map((r) => r.id));
        for (const m of chunk) {
          if (!updated.has(m.id)) continue;
          expired++;
          effects.events.push({
            id: ids('evt'),
            message_id: m.id,
            status: 'expired',
            detail: error.detail,
            at: now,
          });
          effects.published.push(statusEvent(m, 'expired', now, error));
          // The same rule as for an `expired` receipt from the carrier.
          if (
            policies.get(m.account_id) === 'undelivered_and_expired' &&
            Number(m.charged) === 1 &&
            Number(m.price) > 0
          ) {
            effects.settle.push({ accountId: m.account_id, kind: 'refund', amountMicro: Number(m.price) });
            refunded.push(m.id);
          }
        }
      }
      for (let i = 0; i < refunded.length; i += CHUNK) {
        await tx
          .updateTable('messages')
          .set({ charged: 0 })
          .where('id', 'in', refunded.slice(i, i + CHUNK))
          .execute();
      }
      await commitEffects(deps, tx, effects, 'refunds for messages without a receipt');
      return expired;
    },
  };
}
