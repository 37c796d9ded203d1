import type { Clock } from '../../kernel/clock';
import { AppError } from '../../kernel/errors';
import type { IdGenerator } from '../../kernel/ids';
import type { Db } from '../../storage/database';
import type { SenderIdStatus, SenderIdsTable } from '../../storage/schema-trust';
import type { AuditLog } from '../audit';
import { assertSenderId } from '../phone';
import { createAuditedWrites } from './audited-writes';
import type { PolicyCache } from './policy';
import { senderNameRefusal } from './sender-guard';

export interface SenderIdView {
  id: string;
  accountId: string;
  sender: string;
  note: string;
  status: SenderIdStatus;
  reviewNote: string | null;
  reviewedAt: string | null;
  createdAt: string;
}

export function senderIdView(r: SenderIdsTable): SenderIdView {
  return {
    id: r.id,
    accountId: r.account_id,
    sender: r.sender,
    note: r.note,
    status: r.status,
    reviewNote: r.review_note,
    reviewedAt: r.reviewed_at === null ? null : new Date(Number(r.reviewed_at)).toISOString(),
    createdAt: new Date(Number(r.created_at)).toISOString(),
  };
}

type AuditActor = Parameters<AuditLog['record']>[1]['actor'];

/**
 * Sender-ID registration: an account asks to send under an alphanumeric name (with a note saying who it is),
 * the operator approves or refuses it with a note. Look-alikes and protected names are refused at once.
 */
export function createSenderIds(deps: {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  audit: AuditLog;
  policy: PolicyCache;
}) {
  const { db, clock, ids, audit } = deps;
  const writes = createAuditedWrites(db, audit);

  async function byId(id: string, accountId?: string): Promise<SenderIdsTable> {
    let q = db.selectFrom('sender_ids').selectAll().where('id', '=', id);
    if (accountId !== undefined) q = q.where('account_id', '=', accountId);
    const row = await q.executeTakeFirst();
    if (!row) throw new AppError('not_found', 'No such sender id.');
    return row;
  }

  return {
    async register(
      actor: AuditActor,
      accountId: string,
      input: { sender: string; note: string },
    ): Promise<SenderIdView> {
      const refusal = senderNameRefusal(await deps.policy.get(), accountId, input.sender);
      if (refusal)
        throw new AppError(
          'sender_not_allowed',
          `/body/sender "${input.sender}" ${refusal.message} (rule: ${refusal.rule}).`,
          {
            errors: [{ path: '/body/sender', message: refusal.message }],
            extra: { rule: refusal.rule },
          },
        );
      assertSenderId(input.sender, '/body/sender');
      if (/^\+?\d+$/.test(input.sender))
        throw new AppError(
          'invalid_sender_id',
          "/body/sender is numeric: a number is the account's own once the operator assigns it.",
          {
            errors: [
              { path: '/body/sender', message: 'must be alphanumeric; numbers are assigned, not registered' },
            ],
          },
        );
      const row: SenderIdsTable = {
        id: ids('sid'),
        account_id: accountId,
        sender: input.sender,
        note: input.note,
        status: 'pending',
        review_note: null,
        reviewed_by: null,
        reviewed_at: null,
        created_at: clock.now(),
      };
      await writes.insert(
        (tx) =>
          tx
            .insertInto('sender_ids')
            .values(row)
            .onConflict((oc) => oc.columns(['account_id', 'sender']).doNothing())
            .executeTakeFirst(),
        `The account has already registered "${input.sender}".`,
        {
          accountId,
          actor,
          action: 'sender_id.registered',
          target: { type: 'sender_id', id: row.id },
          data: { sender: row.sender },
        },
      );
      return senderIdView(row);
    },

    /** Newest first; `cursor` is the last id of the previous page. */
    async list(filter: {
      accountId?: string | undefined;
      status?: SenderIdStatus | undefined;
      limit: number;
      cursor?: string | undefined;
    }): Promise<SenderIdView[]> {
      let q = db.selectFrom('sender_ids').selectAll().orderBy('id', 'desc').limit(filter.limit);
      if (filter.cursor !== undefined) q = q.where('id', '<', filter.cursor);
      if (filter.accountId !== undefined) q = q.where('account_id', '=', filter.accountId);
      if (filter.status !== undefined) q = q.where('status', '=', filter.status);
      return (await q.execute()).map(senderIdView);
    },

    async remove(actor: AuditActor, accountId: string, id: string): Promise<void> {
      const row = await byId(id, accountId);
      await db.transaction().execute(async (tx) => {
        await tx.deleteFrom('sender_ids').where('id', '=', row.id).execute();
        await audit.record(tx, {
          accountId,
          actor,
          action: 'sender_id.deleted',
          target: { type: 'sender_id', id: row.id },
          data: { sender: row.sender },
        });
      });
    },

    /** The operator's answer; a later answer replaces an earlier one (an approval can be withdrawn). */
    async review(
      actor: AuditActor & { id: string },
      id: string,
      decision: { status: 'approved' | 'rejected'; note: string | null },
    ): Promise<SenderIdView> {
      const row = await byId(id);
      const now = clock.now();
      const updated: SenderIdsTable = {
        ...row,
        status: decision.status,
        review_note: decision.note,
        reviewed_by: actor.id,
        reviewed_at: now,
      };
      await db.transaction().execute(async (tx) => {
        await tx
          .updateTable('sender_ids')
          .set({
            status: updated.status,
            review_note: updated.review_note,
            reviewed_by: actor.id,
            reviewed_at: now,
          })
          .where('id', '=', id)
          .execute();
        await audit.record(tx, {
          accountId: row.account_id,
          actor,
          action: decision.status === 'approved' ? 'sender_id.approved' : 'sender_id.rejected',
          target: { type: 'sender_id', id },
          data: { sender: row.sender, note: decision.note },
        });
      });
      return senderIdView(updated);
    },
  };
}

export type SenderIds = ReturnType<typeof createSenderIds>;
