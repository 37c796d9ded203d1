/**
 * The safety net for receipts still waiting for their message: each is tried again on a schedule that
 * thins out, and marked unmatched (kept, out of the sweep's way) after the last try.
 */
import type { DbOrTx } from '../../storage/database';
import { CHUNK, type OutcomeDeps } from './outcome-context';
import type { ReceiptApply } from './receipt-apply';

/**
 * When the safety-net sweep tries a waiting receipt again, counted from each try: the first soon after
 * it arrived (a submit answer committed side by side with it), then less and less often. After the
 * last, the receipt is marked unmatched: kept, but out of the sweep's way.
 */
export const MATCH_RETRY_MS: readonly number[] = [
  5_000,
  30_000,
  2 * 60_000,
  10 * 60_000,
  3600_000,
  6 * 3600_000,
];
/** A receipt older than this is marked unmatched at its next try, whatever its count. */
export const MATCH_MAX_AGE_MS = 2 * 24 * 3600_000;

export function createReceiptRematch(deps: OutcomeDeps, receipts: Pick<ReceiptApply, 'applyStored'>) {
  const { clock } = deps;
  return {
    /**
     * The safety net for receipts still waiting for their message. A receipt is normally matched when it
     * arrives (its message already has the carrier reference) or when the reference is written (the
     * outcome looks up the receipts that overtook it). With several writers (PostgreSQL) a receipt and
     * the submit answer it overtook can commit side by side, each unseen by the other: this sweep finds
     * such pairs. It takes the receipts whose next try is due, oldest due first, and moves each one it
     * cannot match further back (MATCH_RETRY_MS), so the ones that never match cannot hold the place of
     * the others; after the last try (or MATCH_MAX_AGE_MS) a receipt is marked unmatched and no longer
     * swept. Returns the number of receipts looked at.
     */
    async rematchWaitingReports(tx: DbOrTx, options: { limit: number }): Promise<number> {
      const now = clock.now();
      const due = await tx
        .selectFrom('delivery_reports')
        .select(['id', 'route_id', 'carrier_ref', 'status', 'error_code', 'received_at', 'match_attempts'])
        .where('applied_at', 'is', null)
        .where('unmatched_at', 'is', null)
        .where('next_match_at', '<=', now)
        .orderBy('next_match_at')
        .limit(options.limit)
        .execute();
      if (due.length === 0) return 0;
      const matched = await receipts.applyStored(tx, due);
      // Rows with the same try count get the same next try: one UPDATE per count.
      const byTries = new Map<number, string[]>();
      const giveUp: string[] = [];
      for (const r of due) {
        if (matched.has(r.id)) continue;
        const tries = Number(r.match_attempts ?? 0) + 1;
        if (tries >= MATCH_RETRY_MS.length || Number(r.received_at) < now - MATCH_MAX_AGE_MS)
          giveUp.push(r.id);
        else byTries.set(tries, [...(byTries.get(tries) ?? []), r.id]);
      }
      for (const [tries, idList] of byTries) {
        for (let i = 0; i < idList.length; i += CHUNK) {
          await tx
            .updateTable('delivery_reports')
            .set({ match_attempts: tries, next_match_at: now + MATCH_RETRY_MS[tries]! })
            .where('id', 'in', idList.slice(i, i + CHUNK))
            .execute();
        }
      }
      for (let i = 0; i < giveUp.length; i += CHUNK) {
        await tx
          .updateTable('delivery_reports')
          .set((eb) => ({ match_attempts: eb('match_attempts', '+', 1), unmatched_at: now }))
          .where('id', 'in', giveUp.slice(i, i + CHUNK))
          .execute();
      }
      return due.length;
    },
  };
}
