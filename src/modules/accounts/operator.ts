import { AppError } from '../../kernel/errors';
import { auditActorOf } from '../audit';
import { creditsToMicro } from '../billing';
import type { StaffActor } from './actor';
import type { AccountsDeps } from './deps';
import { assertAccountExists } from './exists';
import { accountView, userView } from './views';

/**
 * What the operator does to client accounts. Each action is recorded on the account's own audit chain
 * (so the client sees staff actions on its account) with the staff member as the actor.
 */
export function createAccountAdmin(deps: AccountsDeps) {
  const { db, clock, audit, ledger } = deps;

  async function setStatus(
    actor: StaffActor,
    accountId: string,
    status: 'active' | 'suspended',
    action: string,
  ) {
    return db.transaction().execute(async (tx) => {
      const account = await tx
        .selectFrom('accounts')
        .selectAll()
        .where('id', '=', accountId)
        .executeTakeFirst();
      if (!account) throw new AppError('not_found', 'No such account.');
      const changes = {
        status,
        suspended_at: status === 'suspended' ? clock.now() : null,
      };
      await tx.updateTable('accounts').set(changes).where('id', '=', accountId).execute();
      await audit.record(tx, {
        accountId,
        actor: auditActorOf(actor),
        action,
        target: { type: 'account', id: accountId },
      });
      return accountView({ ...account, ...changes });
    });
  }

  return {
    async list(page: { limit: number; cursor?: string | undefined; query?: string | undefined }) {
      let q = db.selectFrom('accounts').selectAll().orderBy('id', 'desc').limit(page.limit);
      if (page.cursor) q = q.where('id', '<', page.cursor);
      if (page.query) q = q.where('name', 'like', `%${page.query.replace(/[%_]/g, '')}%`);
      const rows = await q.execute();
      const balances = await db
        .selectFrom('account_balances')
        .selectAll()
        .where('account_id', 'in', rows.length > 0 ? rows.map((r) => r.id) : [''])
        .execute();
      const byId = new Map(balances.map((b) => [b.account_id, b]));
      return rows.map((r) =>
        Object.assign(accountView(r), { balance: Number(byId.get(r.id)?.balance ?? 0) / 1_000_000 }),
      );
    },

    /** One account for the back office: its view, balance and users (with their 2FA state). */
    async detail(accountId: string) {
      const account = await db
        .selectFrom('accounts')
        .selectAll()
        .where('id', '=', accountId)
        .executeTakeFirst();
      if (!account) throw new AppError('not_found', 'No such account.');
      const users = await db
        .selectFrom('users')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('id')
        .limit(500)
        .execute();
      return {
        account: accountView(account),
        balance: await ledger.balance(db, accountId),
        users: users.map(userView),
      };
    },

    suspend: (actor: StaffActor, accountId: string) =>
      setStatus(actor, accountId, 'suspended', 'account.suspended'),
    reactivate: (actor: StaffActor, accountId: string) =>
      setStatus(actor, accountId, 'active', 'account.reactivated'),

    /**
     * Adds (or, negative, takes away) credits. The balance may go below zero; the answer carries
     * `balanceAfter` (credits) besides the balance.
     */
    async adjustCredits(actor: StaffActor, accountId: string, input: { amount: number; reason: string }) {
      const amountMicro = creditsToMicro(input.amount);
      return db.transaction().execute(async (tx) => {
        await assertAccountExists(tx, accountId);
        await ledger.credit(tx, {
          accountId,
          amountMicro,
          kind: 'adjustment',
          note: input.reason,
          ref: { type: 'staff', id: actor.id },
        });
        await audit.record(tx, {
          accountId,
          actor: auditActorOf(actor),
          action: 'credits.adjusted',
          target: { type: 'account', id: accountId },
          data: { amount: input.amount, reason: input.reason },
        });
        // A negative result is allowed (chargebacks, corrections); the answer states it so the form can say so.
        const balance = await ledger.balance(tx, accountId);
        return { ...balance, balanceAfter: balance.credits };
      });
    },
  };
}
