import type { Clock } from '../../kernel/clock';
import { AppError } from '../../kernel/errors';
import type { Db } from '../../storage/database';
import type { AccountsTable } from '../../storage/schema';
import { type Actor, setAccountStatus } from '../accounts';
import type { AuditLog } from '../audit';
import { auditActorOf } from '../audit';
import type { MessageDeletion } from '../messaging';
import { DAY_MS } from './retention';
import { PROMISES } from './retention-rules';

export interface ClosureView {
  account: { id: string; name: string; status: AccountsTable['status']; closedAt: string | null };
  /** When the retention sweep purges the contacts and the messages (null once restored). */
  contactsPurgeAt: string | null;
  messagesPurgeAt: string | null;
}

/**
 * Closing and restoring accounts, by the owner or the operator. Closing stops sending at once (the send
 * path refuses a closed account, and messages not sent yet are failed with `account_closed`, their
 * credits released); the retention sweep purges contacts 60 and messages 120 days after `closed_at`.
 * Restoring brings the account back without what was purged meanwhile.
 */
export function createClosure(deps: { db: Db; clock: Clock; audit: AuditLog; messages: MessageDeletion }) {
  const { db, clock, audit } = deps;

  const view = (row: AccountsTable): ClosureView => ({
    account: {
      id: row.id,
      name: row.name,
      status: row.status,
      closedAt: row.closed_at === null ? null : new Date(Number(row.closed_at)).toISOString(),
    },
    contactsPurgeAt:
      row.closed_at === null
        ? null
        : new Date(Number(row.closed_at) + PROMISES.closedAccountContacts * DAY_MS).toISOString(),
    messagesPurgeAt:
      row.closed_at === null
        ? null
        : new Date(Number(row.closed_at) + PROMISES.closedAccountMessages * DAY_MS).toISOString(),
  });

  return {
    /** `confirmDeletion` must be true: the owner agrees that contacts and messages will be purged. */
    async close(
      actor: Actor,
      accountId: string,
      input: { confirmDeletion?: boolean | undefined },
    ): Promise<ClosureView> {
      if (input.confirmDeletion !== true) {
        throw new AppError('deletion_not_confirmed', undefined, {
          errors: [{ path: '/body/confirmDeletion', message: 'must be true' }],
        });
      }
      return db.transaction().execute(async (tx) => {
        const account = await tx
          .selectFrom('accounts')
          .selectAll()
          .where('id', '=', accountId)
          .executeTakeFirst();
        if (!account) throw new AppError('not_found', 'No such account.');
        if (account.status === 'closed') return view(account);
        const now = clock.now();
        const changes = { status: 'closed' as const, closed_at: now };
        await setAccountStatus(tx, accountId, changes);
        const cancelled = await deps.messages.cancelPending(tx, accountId, {
          code: 'account_closed',
          detail: 'The account was closed before the message was sent.',
        });
        await audit.record(tx, {
          accountId,
          actor: auditActorOf(actor),
          action: 'account.closed',
          target: { type: 'account', id: accountId },
          data: {
            cancelledMessages: cancelled,
            contactsPurgeAt: new Date(now + PROMISES.closedAccountContacts * DAY_MS).toISOString(),
            messagesPurgeAt: new Date(now + PROMISES.closedAccountMessages * DAY_MS).toISOString(),
          },
        });
        return view({ ...account, ...changes });
      });
    },

    /** Re-opens a closed account (a suspension from before the closure stays in force). */
    async restore(actor: Actor, accountId: string): Promise<ClosureView> {
      return db.transaction().execute(async (tx) => {
        const account = await tx
          .selectFrom('accounts')
          .selectAll()
          .where('id', '=', accountId)
          .executeTakeFirst();
        if (!account) throw new AppError('not_found', 'No such account.');
        if (account.status !== 'closed') throw new AppError('conflict', 'The account is not closed.');
        const changes = {
          status: account.suspended_at === null ? ('active' as const) : ('suspended' as const),
          closed_at: null,
        };
        await setAccountStatus(tx, accountId, changes);
        await audit.record(tx, {
          accountId,
          actor: auditActorOf(actor),
          action: 'account.restored',
          target: { type: 'account', id: accountId },
          data: { closedDays: Math.floor((clock.now() - Number(account.closed_at)) / DAY_MS) },
        });
        return view({ ...account, ...changes });
      });
    },
  };
}

export type Closure = ReturnType<typeof createClosure>;
