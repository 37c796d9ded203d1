import { sql } from 'kysely';
import type { Clock } from '../../kernel/clock';
import { AppError, type FieldError } from '../../kernel/errors';
import { chunks } from '../../storage/chunk';
import type { Db, DbOrTx } from '../../storage/database';
import type { MessagesTable } from '../../storage/schema';
import type { ClientActor } from '../accounts';
import type { AuditLog } from '../audit';
import { auditActorOf } from '../audit';
import type { Outcomes } from './outcomes';
import { FINAL_STATUSES } from './status';

/** `to_number` of an erased campaign message starts with this (views show it as empty). */
export const ERASED_PREFIX = 'erased:';

/** Deleted messages can be restored for this long; then their number and text are erased. */
export const MESSAGE_RESTORE_WINDOW_MS = 60 * 24 * 3600_000;
/** Most ids one bulk delete or restore may carry. */
export const MAX_MESSAGE_IDS = 1000;
const PENDING: MessagesTable['status'][] = ['scheduled', 'queued', 'sending'];
/** A message's text can be redacted once it has left for the carrier: nothing reads it after `sent`. */
const REDACTABLE: MessagesTable['status'][] = ['sent', ...FINAL_STATUSES];

const dayOf = (ms: number) => new Date(Number(ms)).toISOString().slice(0, 10);

export interface MessageDeletionDeps {
  db: Db;
  clock: Clock;
  audit: AuditLog;
  outcomes: Outcomes;
}

/**
 * Deleting, restoring and purging messages. The client hides messages at once; the retention sweep
 * later erases their personal data (number, text, events, receipts) and, later still, removes the rows,
 * folding them into per-day counts so dashboards keep their totals.
 */
export function createMessageDeletion(deps: MessageDeletionDeps) {
  const { db, clock, audit } = deps;

  /** Erases the number, text and derived copies of these messages (rows stay for counts). */
  async function eraseRows(tx: DbOrTx, ids: string[], now: number): Promise<void> {
    if (ids.length === 0) return;
    await tx
      .updateTable('messages')
      .set({
        // A campaign sends to a number once (a unique index on campaign and number): its erased messages
        // each take a placeholder of their own, which names no one.
        to_number: sql<string>`case when campaign_id is null then '' else ${ERASED_PREFIX} || id end`,
        text: '',
        reference: null,
        error_detail: null,
        purged_at: now,
        updated_at: now,
      })
      .where('id', 'in', ids)
      .execute();
    await tx.deleteFrom('message_events').where('message_id', 'in', ids).execute();
    await tx.deleteFrom('delivery_reports').where('message_id', 'in', ids).execute();
  }

  /** Deletes the rows, adding them to `message_stats_daily` first. */
  async function removeRows(tx: DbOrTx, rows: MessagesTable[]): Promise<void> {
    if (rows.length === 0) return;
    const totals = new Map<
      string,
      { account_id: string; day: string; status: string; n: number; s: number; p: number }
    >();
    for (const r of rows) {
      const day = dayOf(r.created_at);
      const key = `${r.account_id}|${day}|${r.status}`;
      const t = totals.get(key) ?? { account_id: r.account_id, day, status: r.status, n: 0, s: 0, p: 0 };
      t.n += 1;
      t.s += Number(r.segments);
      t.p += Number(r.price);
      totals.set(key, t);
    }
    for (const t of totals.values()) {
      await tx
        .insertInto('message_stats_daily')
        .values({
          account_id: t.account_id,
          day: t.day,
          status: t.status,
          messages: t.n,
          segments: t.s,
          price: t.p,
        })
        .onConflict((oc) =>
          oc.columns(['account_id', 'day', 'status']).doUpdateSet((eb) => ({
            messages: eb('message_stats_daily.messages', '+', t.n),
            segments: eb('message_stats_daily.segments', '+', t.s),
            price: eb('message_stats_daily.price', '+', t.p),
          })),
        )
        .execute();
    }
    const ids = rows.map((r) => r.id);
    await tx.deleteFrom('message_events').where('message_id', 'in', ids).execute();
    await tx.deleteFrom('delivery_reports').where('message_id', 'in', ids).execute();
    await tx.deleteFrom('message_refs').where('message_id', 'in', ids).execute();
    await tx.deleteFrom('messages').where('id', 'in', ids).execute();
  }

  const STAT_COLUMNS = ['id', 'account_id', 'status', 'segments', 'price', 'created_at'] as const;

  return {
    /** Hides messages at once (restorable for 60 days). Unknown, foreign, deleted or unfinished ids are skipped. */
    async remove(actor: ClientActor, ids: string[]): Promise<{ deleted: string[] }> {
      const unique = [...new Set(ids)].slice(0, MAX_MESSAGE_IDS);
      return db.transaction().execute(async (tx) => {
        const now = clock.now();
        const rows = await tx
          .selectFrom('messages')
          .select(['id', 'status'])
          .where('account_id', '=', actor.accountId)
          .where('deleted_at', 'is', null)
          .where('id', 'in', unique)
          .execute();
        // A message still on its way cannot be hidden: it would be sent while invisible.
        const deleted = rows.filter((r) => FINAL_STATUSES.has(r.status)).map((r) => r.id);
        if (deleted.length === 0) return { deleted };
        await tx
          .updateTable('messages')
          .set({ deleted_at: now, updated_at: now })
          .where('account_id', '=', actor.accountId)
          .where('id', 'in', deleted)
          .execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'messages.deleted',
          target: { type: 'message', id: deleted[0]! },
          data: { count: deleted.length },
        });
        return { deleted };
      });
    },

    /** One message: 404 when it is not a visible message of the account, 409 while it is not final. */
    async removeOne(actor: ClientActor, id: string): Promise<void> {
      const row = await db
        .selectFrom('messages')
        .select(['id', 'status'])
        .where('account_id', '=', actor.accountId)
        .where('deleted_at', 'is', null)
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) throw new AppError('not_found', 'No such message.');
      if (!FINAL_STATUSES.has(row.status))
        throw new AppError(
          'conflict',
          `The message is ${row.status}; only finished messages can be deleted.`,
        );
      await this.remove(actor, [id]);
    },

    /**
     * Erases one message's text (Twilio's redaction, `Body=""`), keeping the row, its number and its
     * figures (segments, price, status, times). 404 when it is not a visible message of the account, 409
     * while it has not left yet (its text is still needed to send it). Audited; a second call is a no-op.
     */
    async redact(actor: ClientActor, id: string): Promise<void> {
      await db.transaction().execute(async (tx) => {
        const now = clock.now();
        const visible = tx
          .selectFrom('messages')
          .select(['id', 'status', 'text'])
          .where('account_id', '=', actor.accountId)
          .where('deleted_at', 'is', null)
          .where('id', '=', id);
        const row = await visible.executeTakeFirst();
        if (!row) throw new AppError('not_found', 'No such message.');
        const updated = await tx
          .updateTable('messages')
          .set({ text: '', updated_at: now })
          .where('id', '=', id)
          .where('account_id', '=', actor.accountId)
          .where('status', 'in', REDACTABLE)
          .where('text', '!=', '')
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0) {
          if (row.text === '') return;
          throw new AppError(
            'conflict',
            `The message is ${row.status}; its text can be redacted once it has been sent.`,
          );
        }
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'message.redacted',
          target: { type: 'message', id },
          data: { status: row.status },
        });
      });
    },

    /** Brings deleted messages back within 60 days. All or nothing: an id that cannot be restored answers 404. */
    async restore(actor: ClientActor, ids: string[]): Promise<{ restored: string[] }> {
      const unique = [...new Set(ids)];
      return db.transaction().execute(async (tx) => {
        const now = clock.now();
        const rows = await tx
          .selectFrom('messages')
          .select('id')
          .where('account_id', '=', actor.accountId)
          .where('deleted_at', 'is not', null)
          .where('deleted_at', '>', now - MESSAGE_RESTORE_WINDOW_MS)
          .where('purged_at', 'is', null)
          .where('id', 'in', unique)
          .execute();
        const found = new Set(rows.map((r) => r.id));
        const missing: FieldError[] = [];
        ids.forEach((id, i) => {
          if (!found.has(id))
            missing.push({ path: `/body/ids/${i}`, message: 'no deleted message to restore' });
        });
        if (missing.length > 0)
          throw new AppError('not_found', 'No such deleted message.', { errors: missing });
        await tx
          .updateTable('messages')
          .set({ deleted_at: null, updated_at: now })
          .where('account_id', '=', actor.accountId)
          .where('id', 'in', unique)
          .execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'messages.restored',
          target: { type: 'message', id: unique[0]! },
          data: { count: unique.length },
        });
        return { restored: unique };
      });
    },

    /** Retention: erases up to `limit` messages deleted before `cutoff` and not erased yet. */
    async purgeDeleted(cutoff: number, limit: number): Promise<number> {
      return db.transaction().execute(async (tx) => {
        const rows = await tx
          .selectFrom('messages')
          .select('id')
          .where('deleted_at', '<', cutoff)
          .where('purged_at', 'is', null)
          .limit(limit)
          .execute();
        await eraseRows(
          tx,
          rows.map((r) => r.id),
          clock.now(),
        );
        return rows.length;
      });
    },

    /** Retention: removes up to `limit` messages deleted before `cutoff`, keeping their daily counts. */
    async removeDeleted(cutoff: number, limit: number): Promise<number> {
      return db.transaction().execute(async (tx) => {
        const rows = await tx
          .selectFrom('messages')
          .select(STAT_COLUMNS)
          .where('deleted_at', '<', cutoff)
          .limit(limit)
          .execute();
        await removeRows(tx, rows as MessagesTable[]);
        return rows.length;
      });
    },

    /**
     * Retention: removes up to `limit` messages of accounts closed before `cutoff` (their inbound messages are
     * the inbound module's to remove).
     */
    async removeOfClosedAccounts(cutoff: number, limit: number): Promise<number> {
      return db.transaction().execute(async (tx) => {
        const closed = tx
          .selectFrom('accounts')
          .select('id')
          .where('status', '=', 'closed')
          .where('closed_at', '<', cutoff);
        const rows = await tx
          .selectFrom('messages')
          .select(STAT_COLUMNS)
          .where('account_id', 'in', closed)
          .limit(limit)
          .execute();
        await removeRows(tx, rows as MessagesTable[]);
        return rows.length;
      });
    },

    /**
     * Fails the account's messages that are not sent yet (closure, erasure), releasing their credits, in
     * the caller's transaction; `phones` narrows it to those numbers.
     */
    async cancelPending(
      tx: DbOrTx,
      accountId: string,
      reason: { code: string; detail: string },
      phones?: string[],
    ): Promise<number> {
      let q = tx
        .selectFrom('messages')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('status', 'in', PENDING);
      if (phones) q = q.where('to_number', 'in', phones.length > 0 ? phones : ['']);
      const rows = await q.execute();
      if (rows.length === 0) return 0;
      await deps.outcomes.applySendOutcomes(
        tx,
        rows.map((message) => ({
          message,
          outcome: { kind: 'failed' as const, routeId: null, code: reason.code, detail: reason.detail },
        })),
      );
      return rows.length;
    },

    /** Data-subject erasure: erases every message of the account to these numbers; returns how many. */
    async eraseTo(tx: DbOrTx, accountId: string, phones: string[]): Promise<number> {
      if (phones.length === 0) return 0;
      const rows = await tx
        .selectFrom('messages')
        .select('id')
        .where('account_id', '=', accountId)
        .where('to_number', 'in', phones)
        .execute();
      const ids = rows.map((r) => r.id);
      for (const part of chunks(ids, 500)) await eraseRows(tx, part, clock.now());
      return ids.length;
    },
  };
}

export type MessageDeletion = ReturnType<typeof createMessageDeletion>;
