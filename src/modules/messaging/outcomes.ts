import { sql } from 'kysely';
import type { Clock } from '../../kernel/clock';
import type { IdGenerator } from '../../kernel/ids';
import type { JobQueue } from '../../queue/job-queue';
import { caseById } from '../../storage/case-update';
import type { DbOrTx } from '../../storage/database';
import { preparedInsert } from '../../storage/prepared-insert';
import type { DeliveryReportsTable, MessageStatus, MessagesTable } from '../../storage/schema';
import { parseMessagingSettings } from '../accounts';
import type { Ledger, SettleEntry } from '../billing';
import { carrierRefVariants, type DeliveryReport, receiptFailureCode } from '../route-port';
import { DISPATCH_JOB } from './jobs';
import type { ClientEvent, ClientEventSink } from './ports';
import { statusEventData } from './send';
import { canTransition, FINAL_STATUSES } from './status';

/** What became of one attempt to hand a message to a route. */
export type SendOutcome =
  | { kind: 'sent'; routeId: string; carrierRef: string; partRefs?: string[] }
  | { kind: 'retry'; routeId: string | null; error: string; retryAt: number }
  | {
      kind: 'failed';
      routeId: string | null;
      /** A normalised failure code (see dispatch's FAILURE_CODES) or a platform one (`account_closed`). */
      code: string;
      detail: string;
      /** The carrier's own code behind `code`, when a carrier gave one. */
      carrierCode?: string | null;
    }
  | { kind: 'expired' };

export interface OutcomeDeps {
  clock: Clock;
  ids: IdGenerator;
  ledger: Ledger;
  queue: JobQueue;
  events: ClientEventSink;
}

const CHUNK = 400;
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
/** How long a `sent` message waits for its receipt unless its route says otherwise. */
export const DEFAULT_RECEIPT_TIMEOUT_MS = 48 * 3600_000;
/** A carrier may still report until the validity period ends: a little more is allowed on top. */
export const RECEIPT_VALIDITY_GRACE_MS = 3600_000;
// Rows per CASE update. Each row of the UPDATE scans the CASE list, so the cost grows with the square of
// the chunk: small chunks are cheaper in total.
const CASE_CHUNK = 50;

/** A batch's status events: compiled once per batch size. */
const insertEvents = preparedInsert('message_events', ['id', 'message_id', 'status', 'detail', 'at']);

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
    await insertEvents(tx, effects.events, CHUNK);
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
        match_attempts: 0,
        next_match_at: now + MATCH_RETRY_MS[0]!,
        unmatched_at: null,
      }));
      // Stored by applyStored once matched: a receipt whose message is known is written once, as applied.
      await applyStored(tx, rows, rows);
    },

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
      const matched = await applyStored(tx, due);
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
          effects.published.push({
            accountId: m.account_id,
            type: 'message.status',
            data: statusEventData(m, 'expired', now, error),
          });
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
      await commitEffects(tx, effects, 'refunds for messages without a receipt');
      return expired;
    },

    /**
     * Applies the stored receipts that overtook these carrier references (found through the index of
     * waiting receipts). Call it in the transaction that writes the references. Receipts the sweep gave
     * up on are included: a late submit answer still finds them.
     */
    async applyWaitingReports(
      tx: DbOrTx,
      refs: Array<{ routeId: string; carrierRef: string }>,
    ): Promise<void> {
      const waiting = [];
      for (let i = 0; i < refs.length; i += CHUNK) {
        const chunk = refs.slice(i, i + CHUNK);
        const found = await tx
          .selectFrom('delivery_reports')
          .select(['id', 'route_id', 'carrier_ref', 'status', 'error_code', 'received_at'])
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
    /** The rows of `reports` when they are not stored yet: inserted here, the matched ones as applied. */
    toInsert?: DeliveryReportsTable[],
  ): Promise<Set<string>> {
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
      carrierCode: string | null;
    }> = [];
    const refunded: string[] = [];
    // Effects of each change, kept until its UPDATE says the change was made.
    const pending = new Map<
      string,
      { event: (typeof effects.events)[number]; published: ClientEvent; refund: SettleEntry | null }
    >();

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
      // The normalised code follows the final status; the carrier's own error code is kept beside it.
      const error: { code: string; detail: string; carrierCode?: string } | null =
        next === 'delivered'
          ? null
          : {
              code: receiptFailureCode(next as 'undelivered' | 'expired' | 'rejected'),
              detail: `The carrier reported ${next}.`,
            };
      if (error && report.error_code) error.carrierCode = report.error_code;
      changes.push({
        id: m.id,
        status: next,
        doneAt: Number(report.received_at),
        errorCode: error?.code ?? null,
        errorDetail: error?.detail ?? null,
        carrierCode: error ? report.error_code : null,
      });
      m.status = next;
      const policy = policies.get(m.account_id);
      const refundable =
        next === 'undelivered' || next === 'rejected'
          ? policy !== 'none'
          : next === 'expired' && policy === 'undelivered_and_expired';
      pending.set(m.id, {
        event: {
          id: ids('evt'),
          message_id: m.id,
          status: next,
          detail: report.error_code ? `carrier error ${report.error_code}` : null,
          at: report.received_at,
        },
        published: {
          accountId: m.account_id,
          type: 'message.status',
          data: statusEventData(m, next, report.received_at, error ?? undefined),
        },
        refund:
          refundable && Number(m.charged) === 1 && Number(m.price) > 0
            ? { accountId: m.account_id, kind: 'refund', amountMicro: Number(m.price) }
            : null,
      });
    }
    // One UPDATE per chunk instead of one per report: receipts arrive by the thousand. Only messages not
    // final yet change: another writer may have applied a copy of the same receipt (or the receipt
    // timeout) since they were read, and then its effects (event, webhook, refund) are already written.
    for (let i = 0; i < changes.length; i += CASE_CHUNK) {
      const chunk = changes.slice(i, i + CASE_CHUNK);
      const changed = await tx
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
          carrier_error_code: caseById(
            chunk.map((c) => [c.id, c.carrierCode]),
            'text',
          ),
          updated_at: now,
        })
        .where(
          'id',
          'in',
          chunk.map((c) => c.id),
        )
        .where('status', 'not in', [...FINAL_STATUSES])
        .returning('id')
        .execute();
      for (const { id } of changed) {
        const effect = pending.get(id)!;
        effects.events.push(effect.event);
        effects.published.push(effect.published);
        if (effect.refund) {
          effects.settle.push(effect.refund);
          refunded.push(id);
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
    if (toInsert) {
      const messageIds = new Map(matched.map((r) => [r.id, r.messageId]));
      const rows = toInsert.map((r) => {
        const messageId = messageIds.get(r.id);
        return messageId === undefined ? r : { ...r, message_id: messageId, applied_at: now };
      });
      for (let i = 0; i < rows.length; i += CHUNK)
        await tx
          .insertInto('delivery_reports')
          .values(rows.slice(i, i + CHUNK))
          .execute();
    }
    for (let i = 0; !toInsert && i < matched.length; i += CASE_CHUNK) {
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
    return new Set(matched.map((r) => r.id));
  }
}

export type Outcomes = ReturnType<typeof createOutcomes>;
