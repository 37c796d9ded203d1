import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/storage';
import { createApiKey, signup, startTestSystem, type TestSystem } from '../helpers/system';

// A message can be cancelled (campaign cancel, deletion, account closure) while the dispatcher has it in
// hand. The carrier's answer that arrives afterwards must not charge credits the cancel already released.
describe.each(DIALECTS)('send outcomes racing a cancel on %s', (dialect) => {
  let ts: TestSystem;
  beforeAll(async () => {
    ts = await startTestSystem(dialect);
  });
  afterAll(async () => {
    await ts?.close();
  });

  it('a message cancelled while on its way to the carrier is neither charged nor marked sent', async () => {
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    const r = await ts.app.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: key.headers,
      payload: { to: ['+37121234567', '+37122345678'], text: 'Hello' },
    });
    expect(r.statusCode, r.body).toBe(202);
    const { db } = ts.system.storage;
    const { ledger, outcomes } = ts.system.services;
    const before = await ledger.balance(db, s.accountId);
    const rows = await db.selectFrom('messages').selectAll().where('account_id', '=', s.accountId).execute();
    const [cancelled, kept] = rows;

    // The cancel wins the race: the first message becomes final and its reservation is released.
    await db.transaction().execute(async (tx) => {
      await tx
        .updateTable('messages')
        .set({ status: 'failed', error_code: 'campaign_cancelled', done_at: ts.clock.now() })
        .where('id', '=', cancelled!.id)
        .execute();
      await ledger.settle(
        tx,
        [{ accountId: s.accountId, kind: 'release', amountMicro: Number(cancelled!.price) }],
        'cancel',
      );
    });
    // Then the dispatcher records the carrier's answers for both, from the rows it loaded before.
    await db.transaction().execute((tx) =>
      outcomes.applySendOutcomes(
        tx,
        [cancelled!, kept!].map((message) => ({
          message,
          outcome: { kind: 'sent' as const, routeId: 'simulator', carrierRef: `ref-${message.id}` },
        })),
      ),
    );

    const after = await ledger.balance(db, s.accountId);
    const price = Number(kept!.price) / 1_000_000;
    expect(after.reserved).toBe(0);
    expect(after.credits).toBeCloseTo(before.credits - price, 6);
    const statuses = await db
      .selectFrom('messages')
      .select(['id', 'status'])
      .where('account_id', '=', s.accountId)
      .execute();
    expect(Object.fromEntries(statuses.map((m) => [m.id, m.status]))).toEqual({
      [cancelled!.id]: 'failed',
      [kept!.id]: 'sent',
    });
    const sentEvents = await db
      .selectFrom('message_events')
      .select('message_id')
      .where('status', '=', 'sent')
      .where(
        'message_id',
        'in',
        rows.map((m) => m.id),
      )
      .execute();
    expect(sentEvents.map((e) => e.message_id)).toEqual([kept!.id]);
  });
});
