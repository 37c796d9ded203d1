import type { Clock } from '../../kernel/clock';
import { AppError } from '../../kernel/errors';
import type { IdGenerator } from '../../kernel/ids';
import type { DbOrTx } from '../../storage/database';
import { prepared, slot } from '../../storage/prepared';
import type { CreditLedgerTable } from '../../storage/schema';
import { microToCredits } from './money';

export interface LedgerEntry {
  id: string;
  kind: CreditLedgerTable['kind'];
  amount: number;
  reserved: number;
  reference: { type: string; id: string } | null;
  note: string | null;
  createdAt: string;
}

export interface SettleEntry {
  accountId: string;
  kind: 'charge' | 'release' | 'refund';
  amountMicro: number;
}

export interface Balance {
  /** Credits owned (charges already deducted). */
  credits: number;
  /** Credits held for messages accepted but not yet sent. */
  reserved: number;
  /** What new sends may use: credits − reserved − locked. */
  available: number;
  /** Free sign-up credits that wait for the owner's verified e-mail (part of `credits`). */
  locked: number;
}

export interface Ledger {
  /** Opens the balance row of a new account. */
  open(tx: DbOrTx, accountId: string): Promise<void>;
  /**
   * Adds (or, negative, removes) credits: sign-up grants, top-ups (and, negative, their refunds),
   * operator adjustments. A `grant` is free credit: locked until `unlockGrants` (the owner's e-mail
   * verified); the others are paid and spendable at once. Removing may take the balance below zero.
   */
  credit(
    tx: DbOrTx,
    input: {
      accountId: string;
      amountMicro: number;
      kind: 'grant' | 'topup' | 'topup_refund' | 'adjustment';
      note?: string;
      ref?: { type: string; id: string };
    },
  ): Promise<void>;
  /** Makes the account's free credits spendable (the owner proved their e-mail address). */
  unlockGrants(tx: DbOrTx, accountId: string): Promise<void>;
  /**
   * Holds credits for accepted messages. The balance row is updated only if what is available covers
   * the amount, in one statement, so concurrent sends can never take the balance below zero. Refuses
   * with `insufficient_credits`, or `email_unverified` when only the locked free credits would cover it.
   */
  reserve(
    tx: DbOrTx,
    input: { accountId: string; amountMicro: number; ref: { type: string; id: string }; note?: string },
  ): Promise<void>;
  /**
   * Settles reservations in bulk: `charge` turns held credits into spent ones, `release` gives them
   * back, `refund` returns credits already charged. Entries are summed per account and kind, so a
   * batch of thousands of messages writes a handful of ledger rows.
   */
  settle(tx: DbOrTx, entries: SettleEntry[], note: string): Promise<void>;
  balance(db: DbOrTx, accountId: string): Promise<Balance>;
  entries(db: DbOrTx, accountId: string, page: { limit: number; cursor?: string }): Promise<LedgerEntry[]>;
}

/**
 * The credit ledger: append-only entries, and a balance row kept in step with them in the same
 * transaction (the row is what concurrent sends lock and check; the entries are what explain it).
 */
// Every send reserves: these two are compiled once.
const reserveIfCovered = prepared<{ amount: number; now: number; accountId: string }>((db) =>
  db
    .updateTable('account_balances')
    .set((eb) => ({ reserved: eb('reserved', '+', slot<number>('amount')), updated_at: slot<number>('now') }))
    .where('account_id', '=', slot<string>('accountId'))
    .where((eb) =>
      eb(
        eb(eb('balance', '-', eb.ref('reserved')), '-', eb.ref('locked_free')),
        '>=',
        slot<number>('amount'),
      ),
    ),
);
const insertReserve = prepared<{
  id: string;
  accountId: string;
  amount: number;
  refType: string;
  refId: string;
  note: string | null;
  now: number;
}>((db) =>
  db.insertInto('credit_ledger').values({
    id: slot('id'),
    account_id: slot('accountId'),
    kind: 'reserve',
    amount: 0,
    reserved_delta: slot('amount'),
    ref_type: slot('refType'),
    ref_id: slot('refId'),
    note: slot('note'),
    created_at: slot('now'),
  }),
);
/** Every batch of outcomes settles: compiled once as well. */
const insertSettlement = prepared<{
  id: string;
  accountId: string;
  kind: string;
  amount: number;
  reservedDelta: number;
  note: string;
  now: number;
}>((db) =>
  db.insertInto('credit_ledger').values({
    id: slot('id'),
    account_id: slot('accountId'),
    kind: slot('kind'),
    amount: slot('amount'),
    reserved_delta: slot('reservedDelta'),
    ref_type: null,
    ref_id: null,
    note: slot('note'),
    created_at: slot('now'),
  }),
);
const applySettlement = prepared<{
  balanceDelta: number;
  reservedDelta: number;
  now: number;
  accountId: string;
}>((db) =>
  db
    .updateTable('account_balances')
    .set((eb) => ({
      balance: eb('balance', '+', slot<number>('balanceDelta')),
      reserved: eb('reserved', '+', slot<number>('reservedDelta')),
      updated_at: slot<number>('now'),
    }))
    .where('account_id', '=', slot<string>('accountId')),
);

async function balanceMicro(db: DbOrTx, accountId: string) {
  const row = await db
    .selectFrom('account_balances')
    .select(['balance', 'reserved', 'locked_free'])
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  return {
    balance: Number(row?.balance ?? 0),
    reserved: Number(row?.reserved ?? 0),
    locked: Number(row?.locked_free ?? 0),
  };
}

function creditsOf(micro: { balance: number; reserved: number; locked: number }): Balance {
  return {
    credits: microToCredits(micro.balance),
    reserved: microToCredits(micro.reserved),
    available: microToCredits(micro.balance - micro.reserved - micro.locked),
    locked: microToCredits(micro.locked),
  };
}

export function createLedger(deps: { clock: Clock; ids: IdGenerator }): Ledger {
  return {
    async open(tx, accountId) {
      await tx
        .insertInto('account_balances')
        .values({
          account_id: accountId,
          balance: 0,
          reserved: 0,
          locked_free: 0,
          updated_at: deps.clock.now(),
        })
        .execute();
    },

    async credit(tx, input) {
      const now = deps.clock.now();
      await tx
        .insertInto('credit_ledger')
        .values({
          id: deps.ids('led'),
          account_id: input.accountId,
          kind: input.kind,
          amount: input.amountMicro,
          reserved_delta: 0,
          ref_type: input.ref?.type ?? null,
          ref_id: input.ref?.id ?? null,
          note: input.note ?? null,
          created_at: now,
        })
        .execute();
      // Free credits are told apart from paid ones by their kind: a grant stays locked until verification.
      const locks = input.kind === 'grant' ? input.amountMicro : 0;
      await tx
        .updateTable('account_balances')
        .set((eb) => ({
          balance: eb('balance', '+', input.amountMicro),
          locked_free: eb('locked_free', '+', locks),
          updated_at: now,
        }))
        .where('account_id', '=', input.accountId)
        .execute();
    },

    async unlockGrants(tx, accountId) {
      await tx
        .updateTable('account_balances')
        .set({ locked_free: 0, updated_at: deps.clock.now() })
        .where('account_id', '=', accountId)
        .where('locked_free', '!=', 0)
        .execute();
    },

    async reserve(tx, input) {
      const now = deps.clock.now();
      const updated = await reserveIfCovered(tx, {
        amount: input.amountMicro,
        now,
        accountId: input.accountId,
      });
      if (Number(updated.numAffectedRows ?? 0) !== 1) {
        const micro = await balanceMicro(tx, input.accountId);
        const balance = creditsOf(micro);
        const required = microToCredits(input.amountMicro);
        if (micro.locked > 0 && input.amountMicro <= micro.balance - micro.reserved) {
          throw new AppError(
            'email_unverified',
            `This needs ${required} credits: ${balance.available} paid credits are available, and ${balance.locked} free sign-up credits wait for the account owner's verified e-mail. Open the link e-mailed at sign-up, or ask for a new one with POST /v1/auth/resend-verification.`,
            {
              extra: {
                required,
                available: balance.available,
                locked: balance.locked,
                resendVerification: '/v1/auth/resend-verification',
              },
            },
          );
        }
        throw new AppError(
          'insufficient_credits',
          `This needs ${microToCredits(input.amountMicro)} credits; ${balance.available} are available.`,
          { extra: { required: microToCredits(input.amountMicro), available: balance.available } },
        );
      }
      await insertReserve(tx, {
        id: deps.ids('led'),
        accountId: input.accountId,
        amount: input.amountMicro,
        refType: input.ref.type,
        refId: input.ref.id,
        note: input.note ?? null,
        now,
      });
    },

    async settle(tx, entries, note) {
      const sums = new Map<string, { accountId: string; kind: SettleEntry['kind']; amount: number }>();
      for (const e of entries) {
        if (e.amountMicro === 0) continue;
        const key = `${e.accountId}\u0000${e.kind}`;
        const sum = sums.get(key) ?? { accountId: e.accountId, kind: e.kind, amount: 0 };
        sum.amount += e.amountMicro;
        sums.set(key, sum);
      }
      const now = deps.clock.now();
      for (const { accountId, kind, amount } of sums.values()) {
        const balanceDelta = kind === 'charge' ? -amount : kind === 'refund' ? amount : 0;
        const reservedDelta = kind === 'refund' ? 0 : -amount;
        await insertSettlement(tx, {
          id: deps.ids('led'),
          accountId,
          kind,
          amount: balanceDelta,
          reservedDelta,
          note,
          now,
        });
        await applySettlement(tx, { balanceDelta, reservedDelta, now, accountId });
      }
    },

    async balance(db, accountId) {
      return creditsOf(await balanceMicro(db, accountId));
    },

    async entries(db, accountId, page) {
      let q = db
        .selectFrom('credit_ledger')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('id', 'desc')
        .limit(page.limit);
      if (page.cursor) q = q.where('id', '<', page.cursor);
      const rows = await q.execute();
      return rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        amount: microToCredits(Number(r.amount)),
        reserved: microToCredits(Number(r.reserved_delta)),
        reference: r.ref_type && r.ref_id ? { type: r.ref_type, id: r.ref_id } : null,
        note: r.note,
        createdAt: new Date(Number(r.created_at)).toISOString(),
      }));
    },
  };
}
