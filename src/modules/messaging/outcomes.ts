import type { Clock } from '../../kernel/clock';
import type { IdGenerator } from '../../kernel/ids';
import type { JobQueue } from '../../queue/job-queue';
import { caseById } from '../../storage/case-update';
import type { DbOrTx } from '../../storage/database';
import type { MessageStatus, MessagesTable } from '../../storage/schema';
import type { Ledger, SettleEntry } from '../billing';
import { carrierRefVariants } from '../dispatch/carrier-ref';
import type { DeliveryReport } from '../dispatch/route-port';
import { DISPATCH_JOB } from './jobs';
import type { ClientEvent, ClientEventSink } from './ports';
import { statusEventData } from './send';
import { parseMessagingSettings } from './settings';
import { canTransition } from './status';

/** What became of one attempt to hand a message to a route. */
export type SendOutcome =
  | { kind: 'sent'; routeId: string; carrierRef: string; partRefs?: string[] }
  | { kind: 'retry'; routeId: string | null; error: string; retryAt: number }
  | { kind: 'failed'; routeId: string | null; code: string; detail: string }
  | { kind: 'expired' };

export interface OutcomeDeps {
  clock: Clock;
  ids: IdGenerator;
  ledger: Ledger;
  queue: JobQueue;
  events: ClientEventSink;
}

const CHUNK = 400;
// Rows per CASE update. Each row of the UPDATE scans the CASE list, so the cost grows with the square of
// the chunk: small chunks are cheaper in total.
const CASE_CHUNK = 50;

/**
 * Applies what routes and carriers say about messages: send results and delivery reports. Everything
 * for one batch happens in the caller's transaction: status, events, credits, webhooks.
 */
export function createOutcomes(deps: OutcomeDeps) {
  const { clock, ids } = deps;

  /** What applying a batch produces besides the message rows: events, credit movements, webhooks. */
  function newEffects() {
    return {
      events: [] as Array<{
        id: string;
        message_id: string;
        status: string;
        detail: string | null;
        at: number;
      }>,
      published: [] as ClientEvent[],
      settle: [] as SettleEntry[],
    };
  }

  async function commitEffects(tx: DbOrTx, effects: ReturnType<typeof newEffects>, note: string) {
    for (let i = 0; i < effects.events.length; i += CHUNK) {
      await tx
        .insertInto('message_events')
        .values(effects.events.slice(i, i + CHUNK))
        .execute();
    }
    await deps.ledger.settle(tx, effects.settle, note);
    await deps.events.publish(tx, effects.published);
  }

  async function refundPolicies(tx: DbOrTx, accountIds: string[]) {
    const rows = await tx
      .selectFrom('accounts')
      .select(['id', 'settings'])
      .where('id', 'in', accountIds)
      .execute();
    return new Map(rows.map((r) => [r.id, parseMessagingSettings(r.settings).refundPolicy]));
  }

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
            const error =
              outcome.kind === 'failed'
                ? { code: outcome.code, detail: outcome.detail }
                : { code: 'expired', detail: 'The validity period ended before the message could be sent.' };
            const changed = await tx
              .updateTable('messages')
              .set({
                status,
                route_id: outcome.kind === 'failed' ? outcome.routeId : m.route_id,
                error_code: error.code,
                error_detail: error.detail.slice(0, 500),
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
            effects.published.push({
              accountId: m.account_id,
              type: 'message.status',
              data: statusEventData(m, status, now, error),
            });
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
          effects.published.push({
            accountId: m.account_id,
            type: 'message.status',
            data: statusEventData(m, 'sent', now),
          });
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
      await commitEffects(tx, effects, 'messages settled');
      if (retries.length > 0) await deps.queue.enqueue(tx, retries);
      // A receipt can overtake the answer to the submit: apply the ones that were waiting for these refs.
      if (sentRefs.length > 0) await this.applyWaitingReports(tx, sentRefs);
    },

    /** Stores reports as received, then applies each one that matches a message. */
    async applyReports(tx: DbOrTx, reports: DeliveryReport[]): Promise<void> {
      const now = clock.now();
      const rows = reports.map((r) => ({
        id: ids('dlr'),
        route_id: r.routeId,
        carrier_ref: r.carrierRef,
        status: r.status,
        error_code: r.errorCode,
        raw: r.raw.slice(0, 2000),
        received_at: r.at || now,
        message_id: null,
        applied_at: null,
      }));
      for (let i = 0; i < rows.length; i += CHUNK)
        await tx
          .insertInto('delivery_reports')
          .values(rows.slice(i, i + CHUNK))
          .execute();
      await applyStored(tx, rows);
    },

    /**
     * Applies reports still waiting for their message. With several writers (PostgreSQL), a receipt
     * and the submit answer it overtook can commit side by side, each unseen by the other; this sweep
     * finds such pairs once both are committed. Only recent reports are looked at: the rest are for
     * ids no message ever had.
     */
    async rematchWaitingReports(tx: DbOrTx, options: { lookBackMs: number; limit: number }): Promise<number> {
      const waiting = await tx
        .selectFrom('delivery_reports')
        .selectAll()
        .where('applied_at', 'is', null)
        .where('received_at', '>', clock.now() - options.lookBackMs)
        .orderBy('received_at')
        .limit(options.limit)
        .execute();
      if (waiting.length === 0) return 0;
      // All of them were waiting, so the ones that matched now are the ones applied.
      return applyStored(tx, waiting);
    },

    async applyWaitingReports(
      tx: DbOrTx,
      refs: Array<{ routeId: string; carrierRef: string }>,
    ): Promise<void> {
      const waiting = [];
      for (let i = 0; i < refs.length; i += CHUNK) {
        const chunk = refs.slice(i, i + CHUNK);
        const found = await tx
          .selectFrom('delivery_reports')
          .selectAll()
          .where('applied_at', 'is', null)
          .where('carrier_ref', 'in', [...new Set(chunk.flatMap((r) => carrierRefVariants(r.carrierRef)))])
          .execute();
        waiting.push(...found);
      }
      if (waiting.length > 0) await applyStored(tx, waiting);
    },
  };

  /**
   * The messages the reports speak of, keyed by route and carrier id. A receipt may write the id in
   * another base or case than the submit answer did, and a multipart message has one id per part.
   */
  async function messagesForRefs(tx: DbOrTx, reports: Array<{ route_id: string; carrier_ref: string }>) {
    const messages = new Map<string, MessagesTable>();
    // Almost every receipt carries the id exactly as the submit answer did: look those up first, and
    // only the rest under every spelling.
    await lookUp(tx, [...new Set(reports.map((r) => r.carrier_ref))], messages);
    const missing = reports.filter((r) => !messages.has(`${r.route_id}\u0000${r.carrier_ref}`));
    if (missing.length > 0) {
      const variants = [...new Set(missing.flatMap((r) => carrierRefVariants(r.carrier_ref)))].filter(
        (ref) => !missing.some((r) => r.carrier_ref === ref),
      );
      if (variants.length > 0) await lookUp(tx, variants, messages);
    }
    return messages;
  }

  async function lookUp(tx: DbOrTx, refs: string[], messages: Map<string, MessagesTable>) {
    for (let i = 0; i < refs.length; i += CHUNK) {
      const chunk = refs.slice(i, i + CHUNK);
      for (const m of await tx
        .selectFrom('messages')
        .selectAll()
        .where('carrier_ref', 'in', chunk)
        .execute()) {
        messages.set(`${m.route_id}\u0000${m.carrier_ref}`, m);
      }
      const parts = await tx.selectFrom('message_refs').selectAll().where('ref', 'in', chunk).execute();
      if (parts.length > 0) {
        const byId = new Map(
          (
            await tx
              .selectFrom('messages')
              .selectAll()
              .where('id', 'in', [...new Set(parts.map((p) => p.message_id))])
              .execute()
          ).map((m) => [m.id, m]),
        );
        for (const p of parts) {
          const m = byId.get(p.message_id);
          if (m)
            messages.set(
              `${p.route_id}\u0000${p.ref}`,
              messages.get(`${m.route_id}\u0000${m.carrier_ref}`) ?? m,
            );
        }
      }
    }
  }

  async function applyStored(
    tx: DbOrTx,
    reports: Array<{
      id: string;
      route_id: string;
      carrier_ref: string;
      status: string;
      error_code: string | null;
      received_at: number;
    }>,
  ): Promise<number> {
    const now = clock.now();
    const messages = await messagesForRefs(tx, reports);
    const policies =
      messages.size > 0
        ? await refundPolicies(tx, [...new Set([...messages.values()].map((m) => m.account_id))])
        : new Map();
    const effects = newEffects();
    const matched: Array<{ id: string; messageId: string }> = [];
    // A message's last change in this batch wins (the state machine already ordered them).
    const changes: Array<{
      id: string;
      status: MessageStatus;
      doneAt: number;
      errorCode: string | null;
      errorDetail: string | null;
    }> = [];
    const refunded: string[] = [];

    for (const report of reports) {
      const m = carrierRefVariants(report.carrier_ref)
        .map((ref) => messages.get(`${report.route_id}\u0000${ref}`))
        .find((found) => found !== undefined);
      if (!m) continue; // stays waiting: its submit answer may not be stored yet
      matched.push({ id: report.id, messageId: m.id });
      const next = report.status as MessageStatus;
      if (
        !['delivered', 'undelivered', 'expired', 'rejected'].includes(next) ||
        !canTransition(m.status, next)
      )
        continue;
      const error =
        next === 'delivered'
          ? null
          : {
              code: report.error_code ? `carrier_${report.error_code}` : `carrier_${next}`,
              detail: `The carrier reported ${next}.`,
            };
      changes.push({
        id: m.id,
        status: next,
        doneAt: Number(report.received_at),
        errorCode: error?.code ?? null,
        errorDetail: error?.detail ?? null,
      });
      m.status = next;
      effects.events.push({
        id: ids('evt'),
        message_id: m.id,
        status: next,
        detail: report.error_code ? `carrier error ${report.error_code}` : null,
        at: report.received_at,
      });
      effects.published.push({
        accountId: m.account_id,
        type: 'message.status',
        data: statusEventData(m, next, report.received_at, error ?? undefined),
      });
      const policy = policies.get(m.account_id);
      const refundable =
        next === 'undelivered' || next === 'rejected'
          ? policy !== 'none'
          : next === 'expired' && policy === 'undelivered_and_expired';
      if (refundable && Number(m.charged) === 1 && Number(m.price) > 0) {
        effects.settle.push({ accountId: m.account_id, kind: 'refund', amountMicro: Number(m.price) });
        refunded.push(m.id);
      }
    }
    // One UPDATE per chunk instead of one per report: receipts arrive by the thousand.
    for (let i = 0; i < changes.length; i += CASE_CHUNK) {
      const chunk = changes.slice(i, i + CASE_CHUNK);
      await tx
        .updateTable('messages')
        .set({
          status: caseById(
            chunk.map((c) => [c.id, c.status]),
            'text',
          ),
          done_at: caseById(
            chunk.map((c) => [c.id, c.doneAt]),
            'bigint',
          ),
          error_code: caseById(
            chunk.map((c) => [c.id, c.errorCode]),
            'text',
          ),
          error_detail: caseById(
            chunk.map((c) => [c.id, c.errorDetail]),
            'text',
          ),
          updated_at: now,
        })
        .where(
          'id',
          'in',
          chunk.map((c) => c.id),
        )
        .execute();
    }
    for (let i = 0; i < refunded.length; i += CHUNK) {
      await tx
        .updateTable('messages')
        .set({ charged: 0 })
        .where('id', 'in', refunded.slice(i, i + CHUNK))
        .execute();
    }
    for (let i = 0; i < matched.length; i += CASE_CHUNK) {
      const chunk = matched.slice(i, i + CASE_CHUNK);
      await tx
        .updateTable('delivery_reports')
        .set({
          message_id: caseById(
            chunk.map((r) => [r.id, r.messageId]),
            'text',
          ),
          applied_at: now,
        })
        .where(
          'id',
          'in',
          chunk.map((r) => r.id),
        )
        .execute();
    }
    await commitEffects(tx, effects, 'refunds for undelivered messages');
    return matched.length;
  }
}

export type Outcomes = ReturnType<typeof createOutcomes>;
