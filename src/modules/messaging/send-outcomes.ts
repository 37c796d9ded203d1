/**
 * Send results: what became of each attempt to hand a message to a route (sent, to be retried with its
 * backoff, failed or expired), applied to the messages with their events, credits and webhooks.
 */
import { caseById } from '../../storage/case-update';
import type { DbOrTx } from '../../storage/database';
import type { MessageStatus, MessagesTable } from '../../storage/schema';
import { DISPATCH_JOB } from './jobs';
import { CASE_CHUNK, commitEffects, newEffects, type OutcomeDeps } from './outcome-context';
import type { ReceiptApply } from './receipt-apply';
import { statusEvent } from './send';

/** What became of one attempt to hand a message to a route. */
export type SendOutcome =
  | {
      kind: 'sent';
      routeId: string;
      carrierRef: string;
      partRefs?: string[];
      /** The route's carrier cost of the whole message, micro-credits; null when the route has none for it. */
      cost?: number | null;
      /** How the route was chosen: JSON `{ rule, strategy, reason }` (operators see it, clients do not). */
      routing?: string | null;
    }
  | { kind: 'retry'; routeId: string | null; error: string; retryAt: number }
  | {
      kind: 'failed';
      routeId: string | null;
      /** A normalised failure code (see dispatch's FAILURE_CODES) or a platform one (`account_closed`). */
      code: string;
      detail: string;
      /** The carrier's own code behind `code`, when a carrier gave one. */
      carrierCode?: string | null;
      routing?: string | null;
    }
  | { kind: 'expired' };

export function createSendOutcomes(deps: OutcomeDeps, receipts: Pick<ReceiptApply, 'applyWaitingReports'>) {
  const { clock, ids } = deps;
  return {
    async applySendOutcomes(
      tx: DbOrTx,
      results: Array<{ message: MessagesTable; outcome: SendOutcome }>,
    ): Promise<void> {
      const now = clock.now();
      const effects = newEffects();
      const retries: Array<{ kind: string; payload: unknown; runAt: number }> = [];
      const sentRefs: Array<{ routeId: string; carrierRef: string }> = [];

      const sent: Array<{ m: MessagesTable; outcome: Extract<SendOutcome, { kind: 'sent' }> }> = [];
      for (const { message: m, outcome } of results) {
        const price = Number(m.price);
        switch (outcome.kind) {
          case 'sent':
            // Effects wait for the status update below: a message cancelled meanwhile is not charged.
            sent.push({ m, outcome });
            break;
          case 'retry':
            // Back to `queued` while it waits for the next attempt: it has not left, so it can still be
            // cancelled (or held by a paused campaign). A message made final meanwhile stays final.
            await tx
              .updateTable('messages')
              .set({
                status: 'queued',
                attempts: Number(m.attempts) + 1,
                route_id: outcome.routeId,
                error_detail: outcome.error.slice(0, 500),
                updated_at: now,
              })
              .where('id', '=', m.id)
              .where('status', 'in', ['queued', 'scheduled', 'sending'])
              .execute();
            retries.push({ kind: DISPATCH_JOB, payload: { messageIds: [m.id] }, runAt: outcome.retryAt });
            break;
          case 'failed':
          case 'expired': {
            const status: MessageStatus = outcome.kind;
            const error: { code: string; detail: string; carrierCode?: string } =
              outcome.kind === 'failed'
                ? { code: outcome.code, detail: outcome.detail }
                : { code: 'expired', detail: 'The validity period ended before the message could be sent.' };
            const carrierCode = outcome.kind === 'failed' ? (outcome.carrierCode ?? null) : null;
            if (carrierCode) error.carrierCode = carrierCode;
            const changed = await tx
              .updateTable('messages')
              .set({
                status,
                route_id: outcome.kind === 'failed' ? outcome.routeId : m.route_id,
                error_code: error.code,
                error_detail: error.detail.slice(0, 500),
                carrier_error_code: carrierCode,
                routing:
                  outcome.kind === 'failed' ? (outcome.routing ?? m.routing ?? null) : (m.routing ?? null),
                done_at: now,
                updated_at: now,
                attempts: Number(m.attempts) + (outcome.kind === 'failed' ? 1 : 0),
              })
              .where('id', '=', m.id)
              .where('status', 'in', ['queued', 'scheduled', 'sending'])
              .executeTakeFirst();
            // Already final (cancelled, deleted): its credits were settled by whatever made it so.
            if (Number(changed.numUpdatedRows) === 0) break;
            effects.events.push({
              id: ids('evt'),
              message_id: m.id,
              status,
              detail: error.detail.slice(0, 500),
              at: now,
            });
            effects.published.push(statusEvent(m, status, now, error));
            effects.settle.push({ accountId: m.account_id, kind: 'release', amountMicro: price });
            break;
          }
        }
      }
      for (let i = 0; i < sent.length; i += CASE_CHUNK) {
        const chunk = sent.slice(i, i + CASE_CHUNK);
        const changed = await tx
          .updateTable('messages')
          .set((eb) => ({
            status: 'sent',
            route_id: caseById(
              chunk.map((c) => [c.m.id, c.outcome.routeId]),
              'text',
            ),
            carrier_ref: caseById(
              chunk.map((c) => [c.m.id, c.outcome.carrierRef]),
              'text',
            ),
            // Cost and routing decision ride on the same statement: no extra write per message.
            cost: caseById(
              chunk.map((c) => [c.m.id, c.outcome.cost ?? null]),
              'bigint',
            ),
            routing: caseById(
              chunk.map((c) => [c.m.id, c.outcome.routing ?? null]),
              'text',
            ),
            sent_at: now,
            updated_at: now,
            attempts: eb('attempts', '+', 1),
            charged: 1,
            error_code: null,
            error_detail: null,
          }))
          .where(
            'id',
            'in',
            chunk.map((c) => c.m.id),
          )
          .where('status', 'in', ['queued', 'scheduled', 'sending'])
          .returning('id')
          .execute();
        const updated = new Set(changed.map((r) => r.id));
        for (const { m, outcome } of chunk) {
          // Cancelled or deleted while on its way to the carrier: its credits were already released.
          if (!updated.has(m.id)) continue;
          effects.events.push({
            id: ids('evt'),
            message_id: m.id,
            status: 'sent',
            detail: `route ${outcome.routeId}`,
            at: now,
          });
          effects.published.push(statusEvent(m, 'sent', now));
          effects.settle.push({ accountId: m.account_id, kind: 'charge', amountMicro: Number(m.price) });
          sentRefs.push({ routeId: outcome.routeId, carrierRef: outcome.carrierRef });
          if (outcome.partRefs && outcome.partRefs.length > 1) {
            await tx
              .insertInto('message_refs')
              .values(outcome.partRefs.map((ref) => ({ route_id: outcome.routeId, ref, message_id: m.id })))
              .onConflict((oc) => oc.columns(['route_id', 'ref']).doNothing())
              .execute();
            for (const ref of outcome.partRefs) sentRefs.push({ routeId: outcome.routeId, carrierRef: ref });
          }
        }
      }
      await commitEffects(deps, tx, effects, 'messages settled');
      if (retries.length > 0) await deps.queue.enqueue(tx, retries);
      // A receipt can overtake the answer to the submit: apply the ones that were waiting for these refs.
      if (sentRefs.length > 0) await receipts.applyWaitingReports(tx, sentRefs);
    },
  };
}
