import { AppError } from '../../kernel/errors';
import { chunks } from '../../storage/chunk';
import type { DbOrTx } from '../../storage/database';
import type { NoticesTable } from '../../storage/schema-processor';
import { iso, type ProcessorDeps } from './processor-duties';

/** An in-app notice as a client sees it. */
export interface NoticeView {
  id: string;
  kind: NoticesTable['kind'];
  title: string;
  body: string;
  ref: { type: string; id: string } | null;
  objectionDeadline: string | null;
  createdAt: string;
  read: boolean;
  readAt: string | null;
}

export function noticeView(r: NoticesTable): NoticeView {
  return {
    id: r.id,
    kind: r.kind,
    title: r.title,
    body: r.body,
    ref: r.ref_type && r.ref_id ? { type: r.ref_type, id: r.ref_id } : null,
    objectionDeadline: iso(r.objection_deadline),
    createdAt: iso(r.created_at)!,
    read: r.read_at !== null,
    readAt: iso(r.read_at),
  };
}

/** Inserts notices in batches (one per account), inside the caller's transaction. */
export async function insertNotices(tx: DbOrTx, rows: NoticesTable[]): Promise<void> {
  for (const part of chunks(rows, 200)) {
    await tx.insertInto('notices').values(part).execute();
  }
}

/** The in-app notices of an account: sub-processor changes, incidents, policy versions. */
export function createNotices(deps: Pick<ProcessorDeps, 'db' | 'clock'>) {
  const { db, clock } = deps;
  return {
    async list(
      accountId: string,
      filter: { limit: number; cursor?: string | undefined; unread?: boolean | undefined },
    ): Promise<NoticeView[]> {
      let q = db
        .selectFrom('notices')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('id', 'desc')
        .limit(filter.limit);
      if (filter.cursor) q = q.where('id', '<', filter.cursor);
      if (filter.unread) q = q.where('read_at', 'is', null);
      return (await q.execute()).map(noticeView);
    },

    /** Marks a notice read (again is a no-op); another account's id answers not_found. */
    async markRead(accountId: string, id: string): Promise<NoticeView> {
      await db
        .updateTable('notices')
        .set({ read_at: clock.now() })
        .where('id', '=', id)
        .where('account_id', '=', accountId)
        .where('read_at', 'is', null)
        .execute();
      const row = await db
        .selectFrom('notices')
        .selectAll()
        .where('id', '=', id)
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      if (!row) throw new AppError('not_found', 'No such notice.');
      return noticeView(row);
    },
  };
}

export type Notices = ReturnType<typeof createNotices>;
