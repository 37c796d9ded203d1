import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdGenerator } from '../../src/kernel/ids';
import { createAuditLog } from '../../src/modules/audit';
import { createLedger, creditsToMicro } from '../../src/modules/billing';
import { createPayments, DEFAULT_TOP_UP_TERMS } from '../../src/modules/payments';
import { FakeClock } from '../helpers/fake-clock';
import { DIALECTS, openTestStorage, type TestStorage } from '../helpers/storage';

describe.each(DIALECTS)('top-ups on %s', (dialect) => {
  let t: TestStorage;
  const clock = new FakeClock();
  const ids = createIdGenerator(clock);
  const audit = createAuditLog({ clock, ids });
  const ledger = createLedger({ clock, ids });
  const started: { id: string; amountMinor: number }[] = [];
  let payments: ReturnType<typeof createPayments>;

  beforeAll(async () => {
    t = await openTestStorage(dialect);
    payments = createPayments({
      db: t.storage.db,
      clock,
      ids,
      ledger,
      audit,
      terms: () => DEFAULT_TOP_UP_TERMS,
      providers: {
        paysera: {
          async startCheckout(p) {
            started.push(p);
            return { checkoutUrl: `https://pay.example/${p.id}` };
          },
        },
      },
    });
  });
  afterAll(async () => {
    await t?.dispose();
  });

  async function newAccount(id: string) {
    await t.storage.db.transaction().execute((tx) => ledger.open(tx, id));
    return { type: 'user' as const, id: `usr_${id}`, accountId: id };
  }
  const actions = async (accountId: string) =>
    (await audit.list(t.storage.db, { accountId, limit: 50 })).map((e) => e.action).sort();

  it('a package opens a pending payment; paid credits once; the replay credits nothing', async () => {
    const actor = await newAccount('acc_pkg');
    const { payment, checkoutUrl } = await payments.startTopUp(actor.accountId, actor, {
      provider: 'paysera',
      packageId: 'business',
    });
    expect(payment).toMatchObject({ status: 'pending', amountMinor: 5_000, currency: 'EUR', credits: 1_000 });
    expect(checkoutUrl).toBe(`https://pay.example/${payment.id}`);
    expect(started.at(-1)).toMatchObject({ id: payment.id, amountMinor: 5_000 });
    expect((await ledger.balance(t.storage.db, actor.accountId)).credits).toBe(0);

    const notice = {
      provider: 'paysera' as const,
      providerOrderId: payment.id,
      providerTransactionId: 'req-1',
      amountMinor: 5_000,
      currency: 'EUR',
    };
    expect((await payments.markPaid(notice)).outcome).toBe('credited');
    expect((await payments.markPaid(notice)).outcome).toBe('duplicate');
    await Promise.all([payments.markPaid(notice), payments.markPaid(notice)]);
    expect((await ledger.balance(t.storage.db, actor.accountId)).available).toBe(1_000);
    const entries = await ledger.entries(t.storage.db, actor.accountId, { limit: 10 });
    expect(entries.map((e) => [e.kind, e.amount])).toEqual([['topup', 1_000]]);
    const [listed] = await payments.list(actor.accountId, { limit: 10 });
    expect(listed).toMatchObject({ id: payment.id, status: 'paid' });
    expect(listed!.paidAt).not.toBeNull();
    expect(await actions(actor.accountId)).toEqual(['payment.paid', 'payment.started']);
  });

  it('a refund debits the credits even below zero, and sending then stops', async () => {
    const actor = await newAccount('acc_refund');
    const { payment } = await payments.startTopUp(actor.accountId, actor, {
      provider: 'paysera',
      amountMinor: 1_000,
    });
    expect(payment.credits).toBe(200);
    await payments.markPaid({
      provider: 'paysera',
      providerOrderId: payment.id,
      providerTransactionId: 'req-2',
      amountMinor: 1_000,
      currency: 'eur',
    });
    await t.storage.db.transaction().execute((tx) =>
      ledger.reserve(tx, {
        accountId: actor.accountId,
        amountMicro: creditsToMicro(150),
        ref: { type: 'message', id: 'msg_1' },
      }),
    );
    await ledger.settle(
      t.storage.db,
      [{ accountId: actor.accountId, kind: 'charge', amountMicro: creditsToMicro(150) }],
      'sent',
    );
    expect((await payments.markRefunded('paysera', payment.id)).outcome).toBe('refunded');
    expect((await payments.markRefunded('paysera', payment.id)).outcome).toBe('duplicate');
    const balance = await ledger.balance(t.storage.db, actor.accountId);
    expect(balance.credits).toBe(-150);
    await expect(
      t.storage.db.transaction().execute((tx) =>
        ledger.reserve(tx, {
          accountId: actor.accountId,
          amountMicro: 1,
          ref: { type: 'message', id: 'msg_2' },
        }),
      ),
    ).rejects.toMatchObject({ code: 'insufficient_credits' });
    const [listed] = await payments.list(actor.accountId, { limit: 10 });
    expect(listed).toMatchObject({ status: 'refunded' });
    expect(await actions(actor.accountId)).toContain('payment.refunded');
  });

  it('bad input is refused with stable codes and opens no payment', async () => {
    const actor = await newAccount('acc_bad');
    await expect(
      payments.startTopUp(actor.accountId, actor, { provider: 'paysera', amountMinor: 499 }),
    ).rejects.toMatchObject({
      code: 'amount_below_minimum',
    });
    await expect(
      payments.startTopUp(actor.accountId, actor, {
        provider: 'paysera',
        amountMinor: 1_000,
        currency: 'USD',
      }),
    ).rejects.toMatchObject({ code: 'currency_not_enabled' });
    await expect(
      payments.startTopUp(actor.accountId, actor, { provider: 'paysera', amountMinor: 10.5 }),
    ).rejects.toMatchObject({
      code: 'validation_failed',
    });
    await expect(
      payments.startTopUp(actor.accountId, actor, { provider: 'stripe', amountMinor: 1_000 }),
    ).rejects.toMatchObject({
      code: 'validation_failed',
    });
    expect(await payments.list(actor.accountId, { limit: 10 })).toEqual([]);
  });

  it('a notice for an unknown order or with a tampered amount credits nothing and is audited', async () => {
    const actor = await newAccount('acc_tamper');
    const { payment } = await payments.startTopUp(actor.accountId, actor, {
      provider: 'paysera',
      amountMinor: 2_000,
    });
    const notice = { provider: 'paysera' as const, providerTransactionId: 'req-3', currency: 'EUR' };
    await expect(
      payments.markPaid({ ...notice, providerOrderId: payment.id, amountMinor: 200_000 }),
    ).rejects.toMatchObject({
      code: 'conflict',
    });
    await expect(
      payments.markPaid({ ...notice, providerOrderId: payment.id, amountMinor: 2_000, currency: 'USD' }),
    ).rejects.toMatchObject({
      code: 'conflict',
    });
    await expect(
      payments.markPaid({ ...notice, providerOrderId: 'pay_unknown', amountMinor: 2_000 }),
    ).rejects.toMatchObject({
      code: 'conflict',
    });
    expect((await ledger.balance(t.storage.db, actor.accountId)).credits).toBe(0);
    const [listed] = await payments.list(actor.accountId, { limit: 10 });
    expect(listed).toMatchObject({ status: 'pending' });
    expect(await actions(actor.accountId)).toEqual(['payment.refused', 'payment.refused', 'payment.started']);
    const platform = await audit.list(t.storage.db, { accountId: null, limit: 50 });
    expect(platform.some((e) => e.action === 'payment.refused' && e.targetId === 'pay_unknown')).toBe(true);
  });
});
