import type { Clock } from '../../kernel/clock';
import { AppError } from '../../kernel/errors';
import type { IdGenerator } from '../../kernel/ids';
import type { Db } from '../../storage/database';
import type { ClientActor } from '../accounts';
import type { AuditLog } from '../audit';
import { auditActorOf } from '../audit';
import type { Ledger } from '../billing';
import type { ClientEventSink } from './ports';
import { statusEvent } from './send';
import { CANCELLABLE_STATUSES } from './status';
import { type MessageView, messageView } from './views';

export interface MessageCancelDeps {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  ledger: Ledger;
  events: ClientEventSink;
  audit: AuditLog;
}

/**
 * Cancelling a message that has not left yet (`scheduled` or `queued`): it becomes `cancelled`, its
 * reserved credits are released, and a `message.status` event goes out, all in one transaction.
 *
 * The status change is one conditional UPDATE, so it cannot cross the dispatcher: the dispatcher claims
 * a message (marking it `sending`) with the same kind of UPDATE before handing it to a route, and only
 * one of the two matches the row. A message the dispatcher holds answers `message_not_cancellable`.
 */
export function createMessageCancel(deps: MessageCancelDeps) {
  const { db, clock, ids } = deps;

  return async function cancel(actor: ClientActor, id: string): Promise<MessageView> {
    return db.transaction().execute(async (tx) => {
      const now = clock.now();
      const [row] = await tx
        .updateTable('messages')
        .set({
          status: 'cancelled',
          done_at: now,
          updated_at: now,
          error_code: null,
          error_detail: null,
        })
        .where('id', '=', id)
        .where('account_id', '=', actor.accountId)
        .where('deleted_at', 'is', null)
        .where('status', 'in', CANCELLABLE_STATUSES)
        .returningAll()
        .execute();
      if (!row) {
        const found = await tx
          .selectFrom('messages')
          .select('status')
          .where('id', '=', id)
          .where('account_id', '=', actor.accountId)
          .where('deleted_at', 'is', null)
          .executeTakeFirst();
        if (!found) throw new AppError('not_found', 'No such message.');
        throw new AppError(
          'message_not_cancellable',
          found.status === 'cancelled'
            ? 'The message is already cancelled.'
            : `The message is ${found.status}: it has left for a carrier or is final, and can no longer be cancelled.`,
          { extra: { messageStatus: found.status } },
        );
      }
      await tx
        .insertInto('message_events')
        .values({ id: ids('evt'), message_id: row.id, status: 'cancelled', detail: null, at: now })
        .execute();
      await deps.ledger.settle(
        tx,
        [{ accountId: row.account_id, kind: 'release', amountMicro: Number(row.price) }],
        'message cancelled',
      );
      await deps.events.publish(tx, [statusEvent(row, 'cancelled', now)]);
      await deps.audit.record(tx, {
        accountId: actor.accountId,
        actor: auditActorOf(actor),
        action: 'message.cancelled',
        target: { type: 'message', id: row.id },
        data: { credits: Number(row.price) / 1_000_000 },
      });
      return messageView(row);
    });
  };
}

export type MessageCancel = ReturnType<typeof createMessageCancel>;
