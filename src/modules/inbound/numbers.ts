import type { Clock } from '../../kernel/clock';
import { AppError } from '../../kernel/errors';
import type { IdGenerator } from '../../kernel/ids';
import { chunks } from '../../storage/chunk';
import type { Db, DbOrTx } from '../../storage/database';
import { assertAccountExists } from '../accounts';
import type { AuditActor, AuditLog } from '../audit';
import { normalizePhone } from '../phone';
import { type NumberView, numberView } from './views';

export interface NumberFilter {
  accountId?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** A unique index refused the row (PostgreSQL 23505, SQLite SQLITE_CONSTRAINT_UNIQUE). */
function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** The owners of the given E.164 numbers, by number. */
export async function ownersOf(db: DbOrTx, numbers: readonly string[]): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  const unique = [...new Set(numbers)];
  for (const part of chunks(unique, 500)) {
    const rows = await db
      .selectFrom('numbers')
      .select(['number', 'account_id'])
      .where('number', 'in', part)
      .execute();
    for (const r of rows) owners.set(r.number, r.account_id);
  }
  return owners;
}

/** The operator's virtual numbers: which account receives the SMS sent to which number. Every change is audited. */
export function createNumbers(deps: { db: Db; clock: Clock; ids: IdGenerator; audit: AuditLog }) {
  const { db, clock, ids, audit } = deps;
  return {
    /** Numbers, newest first, optionally of one account. */
    async list(filter: NumberFilter): Promise<NumberView[]> {
      let q = db.selectFrom('numbers').selectAll().orderBy('id', 'desc').limit(filter.limit);
      if (filter.accountId) q = q.where('account_id', '=', filter.accountId);
      if (filter.cursor) q = q.where('id', '<', filter.cursor);
      return (await q.execute()).map(numberView);
    },

    /**
     * Gives a number to an account. The number is normalised to E.164 (`invalid_phone_number` when it is
     * not a valid number that can receive SMS); an unknown account is `not_found`; a number that already
     * belongs to an account (this one or another) is a `conflict`: release it first.
     */
    async assign(actor: AuditActor, input: { number: string; accountId: string }): Promise<NumberView> {
      const { e164 } = normalizePhone(input.number);
      const row = { id: ids('num'), number: e164, account_id: input.accountId, created_at: clock.now() };
      const taken = () =>
        new AppError('conflict', `${e164} is already assigned to an account; release it first.`);
      try {
        await db.transaction().execute(async (tx) => {
          await assertAccountExists(tx, input.accountId);
          const existing = await tx
            .selectFrom('numbers')
            .select('id')
            .where('number', '=', e164)
            .executeTakeFirst();
          if (existing) throw taken();
          await tx.insertInto('numbers').values(row).execute();
          await audit.record(tx, {
            accountId: input.accountId,
            actor,
            action: 'number.assigned',
            target: { type: 'number', id: row.id },
            data: { number: e164 },
          });
        });
      } catch (error) {
        // Two operators adding the same number at once: the unique index decides.
        if (isUniqueViolation(error)) throw taken();
        throw error;
      }
      return numberView(row);
    },

    /** Takes a number away from its account: SMS sent to it from now on reach no account. */
    async release(actor: AuditActor, id: string): Promise<void> {
      await db.transaction().execute(async (tx) => {
        const row = await tx
          .deleteFrom('numbers')
          .where('id', '=', id)
          .returning(['id', 'number', 'account_id'])
          .executeTakeFirst();
        if (!row) throw new AppError('not_found', 'No such number.');
        await audit.record(tx, {
          accountId: row.account_id,
          actor,
          action: 'number.released',
          target: { type: 'number', id: row.id },
          data: { number: row.number },
        });
      });
    },
  };
}

export type Numbers = ReturnType<typeof createNumbers>;
