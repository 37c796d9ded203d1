import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/kernel/logger';
import { createDispatcher } from '../../src/modules/dispatch';
import type { OutboundSms, SmsRoute } from '../../src/modules/route-port';
import { createBatchWriter } from '../../src/storage/batch-writer';
import type { Db } from '../../src/storage/database';
import { DIALECTS } from '../helpers/storage';
import { createApiKey, signup, startTestSystem, type TestSystem } from '../helpers/system';

/** A carrier that accepts everything and counts what it was given. */
function countingRoute() {
  const received: string[] = [];
  const route: SmsRoute = {
    id: 'rte_counting',
    async send(message: OutboundSms) {
      received.push(message.messageId);
      return { carrierRef: `ref-${message.messageId}-${received.length}`, partRefs: [] };
    },
    async start() {},
    async stop() {},
    health: () => ({
      connectedBinds: 1,
      inFlight: 0,
      sentLastMinute: 0,
      errorsLastMinute: 0,
      lastError: null,
    }),
  };
  return { route, received };
}

/**
 * The database as the dispatcher sees it while PostgreSQL's connections are cut: the next `failures`
 * transactions fail as a terminated connection does (SQLSTATE 57P01), then it is back.
 */
function cutTransactions(db: Db, state: { failures: number }): Db {
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === 'transaction' && state.failures > 0)
        return () => ({
          execute: async () => {
            state.failures--;
            throw Object.assign(new Error('terminating connection due to administrator command'), {
              code: '57P01',
            });
          },
        });
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

// Found by the fault trials (split deployment, PostgreSQL connections terminated): a dispatch run whose
// writes of the carrier's answers met the cut lost them, and the job ran again once its lease ran out,
// sending its messages a second time (7–16 duplicates per 500 messages) and late.
describe.each(DIALECTS)('dispatch while the database is cut on %s', (dialect) => {
  let ts: TestSystem;
  beforeAll(async () => {
    ts = await startTestSystem(dialect);
  });
  afterAll(async () => {
    await ts?.close();
  });

  it("the carrier's answers are written once the database is back: no message is sent twice", async () => {
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    const r = await ts.app.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: key.headers,
      payload: { to: ['+37121234567', '+37122345678', '+37123456789'], text: 'Hello' },
    });
    expect(r.statusCode, r.body).toBe(202);
    const { db } = ts.system.storage;
    const carrier = countingRoute();
    // Every write of this run fails twice over (the outcomes' own write and the final one), then works.
    const cut = { failures: 0 };
    const dispatcher = createDispatcher({
      db: cutTransactions(db, cut),
      clock: ts.clock,
      queue: ts.system.services.queue,
      router: { routesFor: () => [carrier.route], all: () => [carrier.route] },
      outcomes: ts.system.services.outcomes,
      logger: createLogger({ level: 'silent' }),
    });
    const claimsBefore = carrier.received.length;
    const sending = dispatcher.runOnce(8);
    cut.failures = 3;
    await sending;
    expect(cut.failures).toBe(0);
    expect(carrier.received.length - claimsBefore).toBe(3);

    const rows = await db
      .selectFrom('messages')
      .select(['status', 'carrier_ref'])
      .where('account_id', '=', s.accountId)
      .execute();
    expect(rows.map((m) => m.status)).toEqual(['sent', 'sent', 'sent']);
    expect(rows.every((m) => m.carrier_ref?.startsWith('ref-'))).toBe(true);

    // Long after every lease: nothing is left to run again.
    ts.clock.advance(10 * 60_000);
    expect(await dispatcher.runOnce(8)).toBe(0);
    expect(carrier.received).toHaveLength(3);
  });
});

// Found by the same trials: receipts arriving while the connections were cut were refused to the carrier
// (deliver_sm_resp "try later"); a carrier that does not send them again leaves those messages `sent`.
describe.each(DIALECTS)('receipts and inbound while the database is cut on %s', (dialect) => {
  let ts: TestSystem;
  beforeAll(async () => {
    ts = await startTestSystem(dialect);
  });
  afterAll(async () => {
    await ts?.close();
  });

  it('a batch is written once the database is back, within the time a carrier waits for its answer', async () => {
    const { db } = ts.system.storage;
    const cut = { failures: 3 };
    const writer = createBatchWriter<string>(cutTransactions(db, cut), async (tx, ids) => {
      for (const id of ids)
        await tx
          .insertInto('account_balances')
          .values({ account_id: `acc_cut_${id}`, balance: 1, reserved: 0, updated_at: 0 })
          .execute();
    });
    const started = performance.now();
    await Promise.all(['a', 'b', 'c'].map((id) => writer.add(id)));
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(cut.failures).toBe(0);
    const rows = await db
      .selectFrom('account_balances')
      .select('account_id')
      .where('account_id', 'like', 'acc_cut_%')
      .execute();
    expect(rows.map((r) => r.account_id).sort()).toEqual(['acc_cut_a', 'acc_cut_b', 'acc_cut_c']);
  });

  it('a database that stays away is reported to the caller after the last pause, not waited for without end', async () => {
    const { db } = ts.system.storage;
    const cut = { failures: 1_000 };
    const writer = createBatchWriter<string>(
      cutTransactions(db, cut),
      async () => {
        throw new Error('never reached');
      },
      { unavailableRetryMs: [10, 20] },
    );
    await expect(writer.add('x')).rejects.toMatchObject({ code: '57P01' });
    expect(cut.failures).toBe(1_000 - 3);
  });
});
