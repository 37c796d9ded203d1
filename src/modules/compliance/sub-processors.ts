import { AppError } from '../../kernel/errors';
import type { Mail } from '../../kernel/mailer';
import type { DbOrTx } from '../../storage/database';
import type { NoticesTable, SubProcessorsTable } from '../../storage/schema-processor';
import type { ClientActor, StaffActor } from '../accounts';
import { insertNotices } from './notices';
import {
  auditActor,
  iso,
  liveAccountIds,
  type ProcessorDeps,
  readableTime,
  recipientsOf,
  sendAll,
} from './processor-duties';

export interface SubProcessorInput {
  name: string;
  purpose: string;
  location: string;
  transferSafeguard?: string | null | undefined;
  replacesId?: string | undefined;
}

export interface SubProcessorView {
  id: string;
  name: string;
  purpose: string;
  location: string;
  transferSafeguard: string | null;
  replacesId: string | null;
  createdAt: string;
  updatedAt: string;
  removedAt: string | null;
}

export interface ObjectionView {
  id: string;
  subProcessorId: string;
  accountId: string;
  accountName: string | null;
  userId: string | null;
  reason: string;
  createdAt: string;
}

const DAY_MS = 24 * 3600_000;

function view(r: SubProcessorsTable): SubProcessorView {
  return {
    id: r.id,
    name: r.name,
    purpose: r.purpose,
    location: r.location,
    transferSafeguard: r.transfer_safeguard,
    replacesId: r.replaces_id,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
    removedAt: iso(r.removed_at),
  };
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | null;
  return e?.code === '23505' || /UNIQUE constraint failed/i.test(e?.message ?? '');
}

/**
 * The operator's list of sub-processors. Adding one (or replacing one, or moving one to another
 * location) tells every live client account in-app and by e-mail to its owners, with a deadline to
 * object; objections are recorded per account.
 */
export function createSubProcessors(deps: ProcessorDeps) {
  const { db, clock, ids, audit, mailer, settings } = deps;

  async function load(tx: DbOrTx, id: string): Promise<SubProcessorsTable> {
    const row = await tx.selectFrom('sub_processors').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new AppError('not_found', 'No such sub-processor.');
    return row;
  }

  /** Notices + per-account audit events inside `tx`; returns the mails to send after the commit. */
  async function announce(
    tx: DbOrTx,
    actor: StaffActor,
    sp: SubProcessorsTable,
    change: 'added' | 'replaced' | 'moved',
    replaced: SubProcessorsTable | null,
  ): Promise<{ accounts: number; mails: Mail[]; deadline: number }> {
    const now = clock.now();
    const deadline = now + settings.objectionDays * DAY_MS;
    const accountIds = await liveAccountIds(tx);
    const what =
      change === 'replaced' && replaced
        ? `${sp.name} replaces ${replaced.name}`
        : change === 'moved'
          ? `${sp.name} now processes data in ${sp.location}`
          : `New sub-processor: ${sp.name}`;
    const body = [
      `${what}.`,
      `Purpose: ${sp.purpose}.`,
      `Location: ${sp.location}.`,
      `Transfer safeguard: ${sp.transfer_safeguard ?? 'none needed (EEA)'}.`,
      `You may object until ${readableTime(deadline)}, with the Object button of this notice.`,
    ].join('\n');
    const rows: NoticesTable[] = accountIds.map((accountId) => ({
      id: ids('ntc'),
      account_id: accountId,
      kind: 'sub_processor_change',
      title: what,
      body,
      ref_type: 'sub_processor',
      ref_id: sp.id,
      objection_deadline: deadline,
      created_at: now,
      read_at: null,
    }));
    await insertNotices(tx, rows);
    // The staff action reaches every account, so it is written into every account's own chain.
    for (const row of rows) {
      await audit.record(tx, {
        accountId: row.account_id,
        actor: auditActor(actor),
        action: 'sub_processor.notice',
        target: { type: 'sub_processor', id: sp.id },
        data: { change, noticeId: row.id, objectionDeadline: iso(deadline) },
      });
    }
    const recipients = await recipientsOf(tx, accountIds, ['owner']);
    const mails: Mail[] = [];
    for (const accountId of accountIds) {
      for (const to of recipients.get(accountId) ?? []) {
        mails.push({
          to,
          subject: `smsgate: ${what}`,
          text: `${body.replace('with the Object button of this notice', 'on the Notices page')}\n\nSee ${settings.publicUrl}/notices\n`,
        });
      }
    }
    return { accounts: accountIds.length, mails, deadline };
  }

  return {
    async list(filter: { includeRemoved?: boolean | undefined } = {}): Promise<SubProcessorView[]> {
      let q = db.selectFrom('sub_processors').selectAll().orderBy('id');
      if (!filter.includeRemoved) q = q.where('removed_at', 'is', null);
      return (await q.execute()).map(view);
    },

    async get(id: string): Promise<SubProcessorView> {
      return view(await load(db, id));
    },

    async add(actor: StaffActor, input: SubProcessorInput) {
      const result = await db.transaction().execute(async (tx) => {
        const now = clock.now();
        let replaced: SubProcessorsTable | null = null;
        if (input.replacesId) {
          replaced = await load(tx, input.replacesId);
          if (replaced.removed_at !== null)
            throw new AppError('conflict', 'That sub-processor was already removed or replaced.');
          await tx
            .updateTable('sub_processors')
            .set({ removed_at: now, updated_at: now })
            .where('id', '=', replaced.id)
            .execute();
        }
        const row: SubProcessorsTable = {
          id: ids('spr'),
          name: input.name,
          purpose: input.purpose,
          location: input.location,
          transfer_safeguard: input.transferSafeguard ?? null,
          replaces_id: replaced?.id ?? null,
          created_at: now,
          updated_at: now,
          removed_at: null,
        };
        await tx.insertInto('sub_processors').values(row).execute();
        await audit.record(tx, {
          accountId: null,
          actor: auditActor(actor),
          action: replaced ? 'sub_processor.replaced' : 'sub_processor.added',
          target: { type: 'sub_processor', id: row.id },
          data: { name: row.name, location: row.location, replacesId: row.replaces_id },
        });
        const told = await announce(tx, actor, row, replaced ? 'replaced' : 'added', replaced);
        return { row, told };
      });
      // Mail goes out after the commit: the notices are the record, a lost mail does not undo them.
      const failed = await sendAll(mailer, result.told.mails);
      return {
        ...view(result.row),
        noticesSent: result.told.accounts,
        mailsSent: result.told.mails.length - failed.length,
        objectionDeadline: iso(result.told.deadline),
      };
    },

    async update(actor: StaffActor, id: string, patch: Partial<Omit<SubProcessorInput, 'replacesId'>>) {
      const result = await db.transaction().execute(async (tx) => {
        const before = await load(tx, id);
        if (before.removed_at !== null) throw new AppError('conflict', 'That sub-processor was removed.');
        const now = clock.now();
        const after: SubProcessorsTable = {
          ...before,
          name: patch.name ?? before.name,
          purpose: patch.purpose ?? before.purpose,
          location: patch.location ?? before.location,
          transfer_safeguard:
            patch.transferSafeguard === undefined ? before.transfer_safeguard : patch.transferSafeguard,
          updated_at: now,
        };
        await tx
          .updateTable('sub_processors')
          .set({
            name: after.name,
            purpose: after.purpose,
            location: after.location,
            transfer_safeguard: after.transfer_safeguard,
            updated_at: now,
          })
          .where('id', '=', id)
          .execute();
        await audit.record(tx, {
          accountId: null,
          actor: auditActor(actor),
          action: 'sub_processor.updated',
          target: { type: 'sub_processor', id },
          data: { fields: Object.keys(patch) },
        });
        // A new place of processing is a new transfer: clients get the same chance to object.
        const told =
          after.location !== before.location ? await announce(tx, actor, after, 'moved', null) : null;
        return { after, told };
      });
      const failed = result.told ? await sendAll(mailer, result.told.mails) : [];
      return {
        ...view(result.after),
        noticesSent: result.told?.accounts ?? 0,
        mailsSent: (result.told?.mails.length ?? 0) - failed.length,
      };
    },

    async remove(actor: StaffActor, id: string): Promise<void> {
      await db.transaction().execute(async (tx) => {
        const row = await load(tx, id);
        if (row.removed_at !== null) return;
        await tx
          .updateTable('sub_processors')
          .set({ removed_at: clock.now(), updated_at: clock.now() })
          .where('id', '=', id)
          .execute();
        await audit.record(tx, {
          accountId: null,
          actor: auditActor(actor),
          action: 'sub_processor.removed',
          target: { type: 'sub_processor', id },
        });
      });
    },

    /**
     * A client's objection to a sub-processor it was told about. Only within the notice's deadline, once
     * per account.
     */
    async object(actor: ClientActor, id: string, reason: string): Promise<ObjectionView> {
      return db.transaction().execute(async (tx) => {
        await load(tx, id);
        const notice = await tx
          .selectFrom('notices')
          .select(['id', 'objection_deadline'])
          .where('account_id', '=', actor.accountId)
          .where('ref_type', '=', 'sub_processor')
          .where('ref_id', '=', id)
          .orderBy('created_at', 'desc')
          .executeTakeFirst();
        const now = clock.now();
        if (!notice || notice.objection_deadline === null)
          throw new AppError(
            'objection_window_closed',
            'This sub-processor was already listed when the account was opened; there is no open objection period.',
          );
        if (now > Number(notice.objection_deadline))
          throw new AppError(
            'objection_window_closed',
            `The objection period ended on ${readableTime(Number(notice.objection_deadline))}.`,
          );
        const row = {
          id: ids('evt'),
          sub_processor_id: id,
          account_id: actor.accountId,
          user_id: actor.kind === 'user' ? actor.id : null,
          reason,
          created_at: now,
        };
        const existing = await tx
          .selectFrom('sub_processor_objections')
          .select('id')
          .where('sub_processor_id', '=', id)
          .where('account_id', '=', actor.accountId)
          .executeTakeFirst();
        if (existing) throw new AppError('already_objected');
        try {
          await tx.insertInto('sub_processor_objections').values(row).execute();
        } catch (error) {
          if (isUniqueViolation(error)) throw new AppError('already_objected');
          throw error;
        }
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActor(actor),
          action: 'sub_processor.objection',
          target: { type: 'sub_processor', id },
          data: { objectionId: row.id },
        });
        return {
          id: row.id,
          subProcessorId: id,
          accountId: actor.accountId,
          accountName: null,
          userId: row.user_id,
          reason,
          createdAt: iso(now)!,
        };
      });
    },

    async objections(id: string): Promise<ObjectionView[]> {
      await load(db, id);
      const rows = await db
        .selectFrom('sub_processor_objections as o')
        .leftJoin('accounts as a', 'a.id', 'o.account_id')
        .select([
          'o.id',
          'o.sub_processor_id',
          'o.account_id',
          'a.name as account_name',
          'o.user_id',
          'o.reason',
          'o.created_at',
        ])
        .where('o.sub_processor_id', '=', id)
        .orderBy('o.id')
        .execute();
      return rows.map((r) => ({
        id: r.id,
        subProcessorId: r.sub_processor_id,
        accountId: r.account_id,
        accountName: r.account_name,
        userId: r.user_id,
        reason: r.reason,
        createdAt: iso(r.created_at)!,
      }));
    },
  };
}

export type SubProcessors = ReturnType<typeof createSubProcessors>;
