/**
 * Delivery receipts applied by the status state machine: each receipt is stored as received and matched to
 * its message by route and carrier reference (in any spelling, any part of a multipart message); a match
 * moves the message to its final status with its event, webhook and refund. A receipt that overtook its
 * submit answer waits, and is applied when the reference is written (applyWaitingReports) or by the sweep.
 */
import { caseById } from '../../storage/case-update';
import type { DbOrTx } from '../../storage/database';
import type { DeliveryReportsTable, MessageStatus, MessagesTable } from '../../storage/schema';
import type { SettleEntry } from '../billing';
import { carrierRefVariants, type DeliveryReport, receiptFailureCode } from '../route-port';
import {
  CASE_CHUNK,
  CHUNK,
  commitEffects,
  newEffects,
  type OutcomeDeps,
  type ReceiptSample,
  refundPolicies,
} from './outcome-context';
import type { ClientEvent } from './ports';
import { MATCH_RETRY_MS } from './receipt-rematch';
import { statusEvent } from './send';
import { canTransition, FINAL_STATUSES } from './status';

/** A stored receipt as matching reads it. */
export interface StoredReport {
  id: string;
  route_id: string;
  carrier_ref: string;
  status: string;
  error_code: string | null;
  received_at: number;
}

export function createReceiptApply(deps: OutcomeDeps) {
  const { clock, ids } = deps;

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
    reports: StoredReport[],
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
      {
        event: (typeof effects.events)[number];
        published: ClientEvent;
        refund: SettleEntry | null;
        sample: ReceiptSample | null;
      }
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
        published: statusEvent(m, next, report.received_at, error ?? undefined),
        refund:
          refundable && Number(m.charged) === 1 && Number(m.price) > 0
            ? { accountId: m.account_id, kind: 'refund', amountMicro: Number(m.price) }
            : null,
        sample:
          m.route_id !== null && m.sent_at !== null
            ? {
                routeId: m.route_id,
                country: m.country,
                delivered: next === 'delivered',
                latencyMs: Number(report.received_at) - Number(m.sent_at),
              }
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
        if (effect.sample) deps.onReceipt?.(effect.sample);
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
    await commitEffects(deps, tx, effects, 'refunds for undelivered messages');
    return new Set(matched.map((r) => r.id));
  }

  return {
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

    /**
     * Applies stored receipts that match a message; returns the ids of those matched (the others keep
     * waiting). With `toInsert` (the rows of `reports`, not stored yet) it stores them, the matched as applied.
     */
    applyStored,
  };
}

export type ReceiptApply = ReturnType<typeof createReceiptApply>;
