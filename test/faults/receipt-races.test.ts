import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessagesTable } from '../../src/storage/schema';
import { MINUTE } from '../helpers/fake-clock';
import { DIALECTS } from '../helpers/storage';
import { createApiKey, signup, staffSession, startTestSystem, type TestSystem } from '../helpers/system';

const RACING = 5000;
const JUNK = 2000;
// Not the built-in simulator, which would make up receipts of its own for the messages sent on it.
const ROUTE = 'rte_carrier';

// Receipts that overtake the submit answer: some are stored before the carrier reference is (the outcome
// finds them by an index join), some commit side by side with it so neither transaction sees the other
// (the safety-net sweep finds them). 2,000 receipts that never match, older than all of them, must not
// keep any of those from being applied.
describe.each(DIALECTS)('receipts racing their submit answer on %s', (dialect) => {
  let ts: TestSystem;
  beforeAll(async () => {
    ts = await startTestSystem(dialect, { FREE_CREDITS: '100000', WEBHOOK_ALLOW_PRIVATE: 'true' });
  });
  afterAll(async () => {
    await ts?.close();
  });

  it('every message ends final, charged and notified as its receipt says; junk ages out', async () => {
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    const { db } = ts.system.storage;
    const { outcomes, ledger } = ts.system.services;
    const hook = await ts.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: s.headers,
      payload: { url: 'http://127.0.0.1:9/in', events: ['message.status'] },
    });
    expect(hook.statusCode, hook.body).toBe(201);
    for (let i = 0; i < RACING; i += 1000) {
      const to = Array.from({ length: 1000 }, (_, j) => `+3712${String(1000000 + i + j)}`);
      const r = await ts.app.inject({
        method: 'POST',
        url: '/v1/messages',
        headers: key.headers,
        payload: { to, text: 'Hello' },
      });
      expect(r.statusCode, r.body).toBe(202);
    }
    // The dispatcher is played by the test: its queued jobs are dropped.
    await db.deleteFrom('jobs').execute();
    const messages = await db
      .selectFrom('messages')
      .selectAll()
      .where('account_id', '=', s.accountId)
      .orderBy('id')
      .execute();
    expect(messages).toHaveLength(RACING);
    const before = await ledger.balance(db, s.accountId);
    const ref = (m: MessagesTable) => `c${m.id.slice(4)}`;
    // Every fifth one is undelivered, the rest delivered.
    const receiptStatus = (i: number) => (i % 5 === 0 ? 'undelivered' : 'delivered');

    // Junk first, so it is the oldest: receipts for ids no message will ever have.
    await db.transaction().execute((tx) =>
      outcomes.applyReports(
        tx,
        Array.from({ length: JUNK }, (_, i) => ({
          routeId: ROUTE,
          carrierRef: `junk-${i}`,
          status: 'delivered' as const,
          errorCode: null,
          raw: 'junk',
          at: ts.clock.now(),
        })),
      ),
    );
    ts.clock.advance(1000);

    // Half the receipts arrive (and commit) before the submit answers are recorded.
    const early = messages.slice(0, RACING / 2);
    await db.transaction().execute((tx) =>
      outcomes.applyReports(
        tx,
        early.map((m, i) => ({
          routeId: ROUTE,
          carrierRef: ref(m),
          status: receiptStatus(i) as 'delivered' | 'undelivered',
          errorCode: receiptStatus(i) === 'undelivered' ? '001' : null,
          raw: 'early',
          at: ts.clock.now(),
        })),
      ),
    );
    // Then the submit answers of all 5,000.
    for (let i = 0; i < RACING; i += 500) {
      await db.transaction().execute((tx) =>
        outcomes.applySendOutcomes(
          tx,
          messages.slice(i, i + 500).map((message) => ({
            message,
            outcome: { kind: 'sent' as const, routeId: ROUTE, carrierRef: ref(message) },
          })),
        ),
      );
    }
    // The other half committed side by side with their submit answers: neither transaction saw the
    // other, so they are stored unapplied (as applyReports stores a receipt it could not match) although
    // their message has its carrier reference.
    const late = messages.slice(RACING / 2);
    const lateRows = late.map((m, i) => ({
      id: `dlr_race${String(i).padStart(8, '0')}`,
      route_id: ROUTE,
      carrier_ref: ref(m),
      status: receiptStatus(i + RACING / 2),
      error_code: receiptStatus(i + RACING / 2) === 'undelivered' ? '001' : null,
      raw: 'raced',
      received_at: ts.clock.now(),
      message_id: null,
      applied_at: null,
      match_attempts: 0,
      next_match_at: ts.clock.now() + 5000,
    }));
    for (let i = 0; i < lateRows.length; i += 200) {
      await db
        .insertInto('delivery_reports')
        .values(lateRows.slice(i, i + 200))
        .execute();
    }

    // The safety net, as the receipt-rematch loop runs it, over a few minutes (the loop itself is not run:
    // it would also POST the 10,000 webhooks, which is not what this test is about).
    const sweep = () => db.transaction().execute((tx) => outcomes.rematchWaitingReports(tx, { limit: 1000 }));
    for (let round = 0; round < 10; round++) {
      ts.clock.advance(MINUTE);
      while ((await sweep()) > 0);
    }

    const statuses = await db
      .selectFrom('messages')
      .select(['id', 'status', 'charged'])
      .where('account_id', '=', s.accountId)
      .orderBy('id')
      .execute();
    const counts: Record<string, number> = {};
    for (const m of statuses) counts[m.status] = (counts[m.status] ?? 0) + 1;
    expect(counts).toEqual({ delivered: RACING * 0.8, undelivered: RACING * 0.2 });
    statuses.forEach((m, i) => {
      expect(m.status).toBe(receiptStatus(i));
    });

    // Charged once each (the default refund policy keeps the charge of undelivered messages).
    const after = await ledger.balance(db, s.accountId);
    const price = messages.reduce((sum, m) => sum + Number(m.price), 0) / 1_000_000;
    expect(after.reserved).toBe(0);
    expect(after.credits).toBeCloseTo(before.credits - price, 4);

    // One `sent` and one final status event per message for the endpoint.
    const deliveries = await db
      .selectFrom('webhook_deliveries')
      .select('body')
      .where('account_id', '=', s.accountId)
      .execute();
    const byStatus: Record<string, Set<string>> = {};
    for (const d of deliveries) {
      const body = JSON.parse(d.body) as { data: { messageId: string; status: string } };
      byStatus[body.data.status] ??= new Set();
      byStatus[body.data.status]!.add(body.data.messageId);
    }
    expect(deliveries).toHaveLength(RACING * 2);
    expect(byStatus.sent?.size).toBe(RACING);
    expect((byStatus.delivered?.size ?? 0) + (byStatus.undelivered?.size ?? 0)).toBe(RACING);

    // The junk is kept, but after its attempts it is marked unmatched and leaves the sweep's way.
    const unapplied = await db
      .selectFrom('delivery_reports')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('applied_at', 'is', null)
      .executeTakeFirstOrThrow();
    expect(Number(unapplied.n)).toBe(JUNK);
    ts.clock.advance(2 * 24 * 60 * MINUTE);
    for (let round = 0; round < 12; round++) {
      while ((await sweep()) > 0);
      ts.clock.advance(6 * 60 * MINUTE);
    }
    const agedOut = await db
      .selectFrom('delivery_reports')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('applied_at', 'is', null)
      .where('unmatched_at', 'is not', null)
      .executeTakeFirstOrThrow();
    expect(Number(agedOut.n)).toBe(JUNK);
  }, 60_000);

  it('a receipt and its submit answer committed side by side, really concurrent, end applied', async () => {
    // Only a database with several writers lets the two transactions overlap.
    if (!ts.system.storage.capabilities.multipleWriters) return;
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    const { db } = ts.system.storage;
    const { outcomes } = ts.system.services;
    const to = Array.from({ length: 200 }, (_, j) => `+3712${String(2000000 + j)}`);
    const r = await ts.app.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: key.headers,
      payload: { to, text: 'Hi' },
    });
    expect(r.statusCode, r.body).toBe(202);
    await db.deleteFrom('jobs').execute();
    const messages = await db
      .selectFrom('messages')
      .selectAll()
      .where('account_id', '=', s.accountId)
      .execute();
    const ref = (m: MessagesTable) => `p${m.id.slice(4)}`;

    // The receipt transaction stores its receipts (finding no message yet) and waits to commit while the
    // outcome transaction writes the references, finds no receipt (not committed) and commits.
    let receiptsStored!: () => void;
    const stored = new Promise<void>((resolve) => {
      receiptsStored = resolve;
    });
    let outcomeCommitted!: () => void;
    const committed = new Promise<void>((resolve) => {
      outcomeCommitted = resolve;
    });
    const receipts = db.transaction().execute(async (tx) => {
      await outcomes.applyReports(
        tx,
        messages.map((m) => ({
          routeId: ROUTE,
          carrierRef: ref(m),
          status: 'delivered' as const,
          errorCode: null,
          raw: 'raced',
          at: ts.clock.now(),
        })),
      );
      receiptsStored();
      await committed;
    });
    await stored;
    await db.transaction().execute((tx) =>
      outcomes.applySendOutcomes(
        tx,
        messages.map((message) => ({
          message,
          outcome: { kind: 'sent' as const, routeId: ROUTE, carrierRef: ref(message) },
        })),
      ),
    );
    outcomeCommitted();
    await receipts;
    const stillSent = () =>
      db
        .selectFrom('messages')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', s.accountId)
        .where('status', '=', 'sent')
        .executeTakeFirstOrThrow();
    // The race happened: neither side applied the receipts.
    expect(Number((await stillSent()).n)).toBe(messages.length);

    // The safety net's first try, a few seconds later, applies every one.
    ts.clock.advance(5_000);
    await db.transaction().execute((tx) => outcomes.rematchWaitingReports(tx, { limit: 1000 }));
    expect(Number((await stillSent()).n)).toBe(0);
  });

  it('the same receipt applied by two transactions at once refunds and notifies once', async () => {
    if (!ts.system.storage.capabilities.multipleWriters) return;
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    const staff = await staffSession(ts);
    const policy = await ts.app.inject({
      method: 'PATCH',
      url: `/v1/admin/accounts/${s.accountId}/settings`,
      headers: staff.headers,
      payload: { refundPolicy: 'undelivered' },
    });
    expect(policy.statusCode, policy.body).toBe(200);
    const { db } = ts.system.storage;
    const { outcomes, ledger } = ts.system.services;
    const to = Array.from({ length: 100 }, (_, j) => `+3712${String(3000000 + j)}`);
    const r = await ts.app.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: key.headers,
      payload: { to, text: 'Hi' },
    });
    expect(r.statusCode, r.body).toBe(202);
    await db.deleteFrom('jobs').execute();
    const messages = await db
      .selectFrom('messages')
      .selectAll()
      .where('account_id', '=', s.accountId)
      .execute();
    const ref = (m: MessagesTable) => `d${m.id.slice(4)}`;
    await db.transaction().execute((tx) =>
      outcomes.applySendOutcomes(
        tx,
        messages.map((message) => ({
          message,
          outcome: { kind: 'sent' as const, routeId: ROUTE, carrierRef: ref(message) },
        })),
      ),
    );
    const before = await ledger.balance(db, s.accountId);
    // The carrier sends every receipt twice, and the copies are applied by two writers at once: the
    // second waits on the first one's row locks, then must find the messages already final.
    const receipt = () =>
      messages.map((m) => ({
        routeId: ROUTE,
        carrierRef: ref(m),
        status: 'undelivered' as const,
        errorCode: '001',
        raw: 'copy',
        at: ts.clock.now(),
      }));
    let firstApplied!: () => void;
    const applied = new Promise<void>((resolve) => {
      firstApplied = resolve;
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = db.transaction().execute(async (tx) => {
      await outcomes.applyReports(tx, receipt());
      firstApplied();
      await released;
    });
    await applied;
    const second = db.transaction().execute((tx) => outcomes.applyReports(tx, receipt()));
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    await Promise.all([first, second]);

    const after = await ledger.balance(db, s.accountId);
    const price = messages.reduce((sum, m) => sum + Number(m.price), 0) / 1_000_000;
    expect(after.credits).toBeCloseTo(before.credits + price, 6);
    const events = await db
      .selectFrom('message_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'undelivered')
      .where(
        'message_id',
        'in',
        messages.map((m) => m.id),
      )
      .executeTakeFirstOrThrow();
    expect(Number(events.n)).toBe(messages.length);
  });
});
