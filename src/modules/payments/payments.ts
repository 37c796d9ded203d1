import type { Clock } from '../../kernel/clock';
import { AppError } from '../../kernel/errors';
import type { IdGenerator } from '../../kernel/ids';
import type { Db, DbOrTx } from '../../storage/database';
import type { PaymentsTable } from '../../storage/schema';
import type { AuditActor, AuditLog } from '../audit';
import { type Ledger, microToCredits } from '../billing';
import { priceTopUp, type TopUpChoice, type TopUpTerms } from './terms';

export type PaymentProviderName = PaymentsTable['provider'];

/** Starts a payment at a provider: where to send the payer. */
export interface CheckoutStarter {
  startCheckout(payment: {
    id: string;
    accountId: string;
    amountMinor: number;
    currency: string;
    credits: number;
  }): Promise<{ checkoutUrl: string; providerOrderId?: string }>;
}

export interface PaymentView {
  id: string;
  provider: PaymentProviderName;
  status: PaymentsTable['status'];
  amountMinor: number;
  currency: string;
  credits: number;
  createdAt: string;
  paidAt: string | null;
  refundedAt: string | null;
}

/** What the provider says was paid; checked against the order before any credit is written. */
export interface PaidNotice {
  provider: PaymentProviderName;
  providerOrderId: string;
  providerTransactionId: string;
  amountMinor: number;
  currency: string;
}

const SYSTEM: AuditActor = { type: 'system', id: null };

function view(row: PaymentsTable): PaymentView {
  const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());
  return {
    id: row.id,
    provider: row.provider,
    status: row.status,
    amountMinor: Number(row.amount_minor),
    currency: row.currency,
    credits: microToCredits(Number(row.credits_micro)),
    createdAt: iso(row.created_at)!,
    paidAt: iso(row.paid_at),
    refundedAt: iso(row.refunded_at),
  };
}

/**
 * Top-ups: a pending payment per checkout, turned into credits exactly once when the provider says it
 * was paid (the status change and the ledger entry share one transaction, and only a pending payment
 * can change), taken back as a debit when refunded.
 */
export function createPayments(deps: {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  ledger: Ledger;
  audit: AuditLog;
  terms: () => TopUpTerms | Promise<TopUpTerms>;
  providers: Partial<Record<PaymentProviderName, CheckoutStarter>>;
}) {
  const { db, clock, ids, ledger, audit } = deps;

  async function orderOf(tx: DbOrTx, provider: PaymentProviderName, providerOrderId: string) {
    return tx
      .selectFrom('payments')
      .selectAll()
      .where('provider', '=', provider)
      .where('provider_order_id', '=', providerOrderId)
      .executeTakeFirst();
  }

  /** A refused notice leaves a trace on the account (if the order is known) or the platform's chain. */
  async function refuse(notice: PaidNotice, accountId: string | null, reason: string): Promise<never> {
    await audit.record(db, {
      accountId,
      actor: SYSTEM,
      action: 'payment.refused',
      target: { type: 'payment', id: notice.providerOrderId },
      data: { provider: notice.provider, reason, amountMinor: notice.amountMinor, currency: notice.currency },
    });
    throw new AppError('conflict', `Payment notice refused: ${reason}.`);
  }

  return {
    /** Refuses a notice the provider sent but this platform does not accept (a test payment, say). */
    async refuseNotice(notice: PaidNotice, reason: string): Promise<never> {
      const order = await orderOf(db, notice.provider, notice.providerOrderId);
      return refuse(notice, order?.account_id ?? null, reason);
    },

    /** Opens a pending payment and asks the provider where the payer should go. */
    async startTopUp(
      accountId: string,
      actor: AuditActor,
      input: TopUpChoice & { provider: PaymentProviderName },
    ): Promise<{ payment: PaymentView; checkoutUrl: string }> {
      const starter = deps.providers[input.provider];
      if (!starter)
        throw new AppError('validation_failed', `Payments through ${input.provider} are not set up.`, {
          errors: [{ path: 'provider', message: 'Not enabled on this platform.' }],
        });
      const priced = priceTopUp(await deps.terms(), input);
      const id = ids('pay');
      const now = clock.now();
      const row: PaymentsTable = {
        id,
        account_id: accountId,
        provider: input.provider,
        provider_order_id: id,
        provider_transaction_id: null,
        amount_minor: priced.amountMinor,
        currency: priced.currency,
        credits_micro: priced.creditsMicro,
        status: 'pending',
        created_at: now,
        paid_at: null,
        refunded_at: null,
        updated_at: now,
      };
      // The row exists before the payer can pay, so a callback never finds its order missing.
      await db.transaction().execute(async (tx) => {
        await tx.insertInto('payments').values(row).execute();
        await audit.record(tx, {
          accountId: accountId,
          actor,
          action: 'payment.started',
          target: { type: 'payment', id },
          data: { provider: input.provider, amountMinor: priced.amountMinor, currency: priced.currency },
        });
      });
      const started = await starter.startCheckout({
        id,
        accountId: accountId,
        amountMinor: priced.amountMinor,
        currency: priced.currency,
        credits: microToCredits(priced.creditsMicro),
      });
      if (started.providerOrderId && started.providerOrderId !== id) {
        row.provider_order_id = started.providerOrderId;
        await db
          .updateTable('payments')
          .set({ provider_order_id: started.providerOrderId })
          .where('id', '=', id)
          .execute();
      }
      return { payment: view(row), checkoutUrl: started.checkoutUrl };
    },

    async list(accountId: string, page: { limit: number; cursor?: string | undefined }) {
      let q = db
        .selectFrom('payments')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('id', 'desc')
        .limit(page.limit);
      if (page.cursor) q = q.where('id', '<', page.cursor);
      return (await q.execute()).map(view);
    },

    /**
     * Credits a paid order once. A repeat of the same notice answers `duplicate`; a notice whose order
     * is unknown or whose amount or currency differ from the order is refused and audited.
     */
    async markPaid(notice: PaidNotice): Promise<{ outcome: 'credited' | 'duplicate'; payment: PaymentView }> {
      const order = await orderOf(db, notice.provider, notice.providerOrderId);
      if (!order) return refuse(notice, null, 'unknown order');
      if (
        Number(order.amount_minor) !== notice.amountMinor ||
        order.currency !== notice.currency.toUpperCase()
      ) {
        return refuse(notice, order.account_id, 'amount or currency differ from the order');
      }
      const credited = await db.transaction().execute(async (tx) => {
        const now = clock.now();
        const changed = await tx
          .updateTable('payments')
          .set({
            status: 'paid',
            provider_transaction_id: notice.providerTransactionId,
            paid_at: now,
            updated_at: now,
          })
          .where('id', '=', order.id)
          .where('status', '=', 'pending')
          .executeTakeFirst();
        if (Number(changed.numUpdatedRows) !== 1) return false;
        await ledger.credit(tx, {
          accountId: order.account_id,
          amountMicro: Number(order.credits_micro),
          kind: 'topup',
          note: `Top-up through ${order.provider}`,
          ref: { type: 'payment', id: order.id },
        });
        await audit.record(tx, {
          accountId: order.account_id,
          actor: SYSTEM,
          action: 'payment.paid',
          target: { type: 'payment', id: order.id },
          data: { provider: order.provider, amountMinor: notice.amountMinor, currency: order.currency },
        });
        return true;
      });
      const row = (await orderOf(db, notice.provider, notice.providerOrderId))!;
      return { outcome: credited ? 'credited' : 'duplicate', payment: view(row) };
    },

    /** Takes a refunded payment's credits back (the balance may go below zero; sending then stops). */
    async markRefunded(provider: PaymentProviderName, providerOrderId: string) {
      return db.transaction().execute(async (tx) => {
        const order = await orderOf(tx, provider, providerOrderId);
        if (!order) throw new AppError('not_found', 'No such payment.');
        const now = clock.now();
        const changed = await tx
          .updateTable('payments')
          .set({ status: 'refunded', refunded_at: now, updated_at: now })
          .where('id', '=', order.id)
          .where('status', '=', 'paid')
          .executeTakeFirst();
        if (Number(changed.numUpdatedRows) !== 1) return { outcome: 'duplicate' as const };
        await ledger.credit(tx, {
          accountId: order.account_id,
          amountMicro: -Number(order.credits_micro),
          kind: 'topup_refund',
          note: `Refund through ${order.provider}`,
          ref: { type: 'payment', id: order.id },
        });
        await audit.record(tx, {
          accountId: order.account_id,
          actor: SYSTEM,
          action: 'payment.refunded',
          target: { type: 'payment', id: order.id },
          data: { provider, amountMinor: Number(order.amount_minor), currency: order.currency },
        });
        return { outcome: 'refunded' as const };
      });
    },
  };
}

export type Payments = ReturnType<typeof createPayments>;
