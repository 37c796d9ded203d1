import type { Clock } from '../../kernel/clock';
import { AppError } from '../../kernel/errors';
import type { IdGenerator } from '../../kernel/ids';
import type { JobQueue } from '../../queue/job-queue';
import type { Db, Tx } from '../../storage/database';
import type { MessagesTable } from '../../storage/schema';
import type { AuditLog } from '../audit';
import type { Ledger } from '../billing';
import { DISPATCH_JOB, type DispatchPayload } from './jobs';
import type { ClientEventSink } from './ports';
import { statusEventData } from './send';
import { type MessageView, messageView } from './views';

export interface HeldMessagesDeps {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  ledger: Ledger;
  queue: JobQueue;
  events: ClientEventSink;
  audit: AuditLog;
}

type AuditActor = Parameters<AuditLog['record']>[1]['actor'];

/** A held message as the operator's review queue shows it: the message, its account, and why it waits. */
export type HeldMessageView = MessageView & { accountId: string };

/**
 * The operator's review of held messages (a content rule said `hold`): release (the credits are reserved
 * then, and the message is queued or scheduled as if just sent) or reject (`content_blocked`, nothing
 * charged). Each is one conditional UPDATE, so two staff members cannot both act on one message.
 */
export function createHeldMessages(deps: HeldMessagesDeps) {
  const { db, clock, ids } = deps;

  async function take(tx: Tx, id: string, set: Partial<MessagesTable>): Promise<MessagesTable> {
    const [row] = await tx
      .updateTable('messages')
      .set(set)
      .where('id', '=', id)
      .where('status', '=', 'held')
      .where('deleted_at', 'is', null)
      .returningAll()
      .execute();
    if (row) return row;
    const found = await tx.selectFrom('messages').select('status').where('id', '=', id).executeTakeFirst();
    if (!found) throw new AppError('not_found', 'No such message.');
    throw new AppError('conflict', `The message is ${found.status}, not held.`);
  }

  async function after(tx: Tx, row: MessagesTable, actor: AuditActor, action: string, detail: string | null) {
    const now = clock.now();
    await tx
      .insertInto('message_events')
      .values({ id: ids('evt'), message_id: row.id, status: row.status, detail, at: now })
      .execute();
    await deps.events.publish(tx, [
      {
        accountId: row.account_id,
        type: 'message.status',
        data: statusEventData(
          row,
          row.status,
          now,
          row.error_code ? { code: row.error_code, detail: row.error_detail } : undefined,
        ),
      },
    ]);
    await deps.audit.record(tx, {
      accountId: row.account_id,
      actor,
      action,
      target: { type: 'message', id: row.id },
      ...(detail ? { data: { note: detail } } : {}),
    });
  }

  return {
    /** Held messages, oldest first (the order they should be reviewed in); `cursor` is the last id seen. */
    async list(filter: { accountId?: string | undefined; limit: number; cursor?: string | undefined }) {
      let q = db
        .selectFrom('messages')
        .selectAll()
        .where('status', '=', 'held')
        .where('deleted_at', 'is', null)
        .orderBy('id')
        .limit(filter.limit);
      if (filter.accountId !== undefined) q = q.where('account_id', '=', filter.accountId);
      if (filter.cursor !== undefined) q = q.where('id', '>', filter.cursor);
      const rows = await q.execute();
      return rows.map((r): HeldMessageView => ({ ...messageView(r), accountId: r.account_id }));
    },

    async release(actor: AuditActor, id: string, note: string | null): Promise<MessageView> {
      return db.transaction().execute(async (tx) => {
        const now = clock.now();
        const pending = await tx
          .selectFrom('messages')
          .select(['send_at'])
          .where('id', '=', id)
          .executeTakeFirst();
        // A schedule that has passed while the message waited means "now".
        const sendAt =
          pending?.send_at != null && Number(pending.send_at) > now ? Number(pending.send_at) : null;
        const row = await take(tx, id, {
          status: sendAt ? 'scheduled' : 'queued',
          send_at: sendAt,
          error_code: null,
          error_detail: null,
          updated_at: now,
        });
        if (Number(row.price) > 0)
          await deps.ledger.reserve(tx, {
            accountId: row.account_id,
            amountMicro: Number(row.price),
            ref: { type: 'messages', id: row.id },
            note: '1 message(s) released from review',
          });
        const payload: DispatchPayload = { messageIds: [row.id] };
        await deps.queue.enqueue(tx, [{ kind: DISPATCH_JOB, payload, runAt: sendAt ?? now }]);
        await after(tx, row, actor, 'message.released', note);
        return messageView(row);
      });
    },

    async reject(actor: AuditActor, id: string, note: string | null): Promise<MessageView> {
      return db.transaction().execute(async (tx) => {
        const now = clock.now();
        const before = await tx
          .selectFrom('messages')
          .select('error_detail')
          .where('id', '=', id)
          .executeTakeFirst();
        const row = await take(tx, id, {
          status: 'rejected',
          price: 0,
          error_code: 'content_blocked',
          error_detail: [before?.error_detail, note ? `Operator: ${note}` : null].filter(Boolean).join(' '),
          done_at: now,
          updated_at: now,
        });
        await after(tx, row, actor, 'message.held_rejected', note);
        return messageView(row);
      });
    },
  };
}

export type HeldMessages = ReturnType<typeof createHeldMessages>;
