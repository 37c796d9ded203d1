import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { webhookNet } from '../../src/adapters/webhooks';
import { createIdGenerator } from '../../src/kernel/ids';
import { createLogger } from '../../src/kernel/logger';
import {
  createWebhooks,
  RETRY_LADDER_MS,
  type WebhookEvent,
  type Webhooks,
} from '../../src/modules/webhooks';
import { DIALECTS } from '../helpers/storage';
import { type Session, signup, startTestSystem, type TestSystem } from '../helpers/system';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

// What a webhook receiver that hangs, fails or goes away for a while did to deliveries in fault trials.
describe.each(DIALECTS)('webhook faults on %s', (dialect) => {
  let ts: TestSystem;
  let receiver: WebhookReceiver;
  let webhooks: Webhooks;

  beforeAll(async () => {
    ts = await startTestSystem(dialect, { WEBHOOK_ALLOW_PRIVATE: 'true' });
    receiver = await startWebhookReceiver();
    webhooks = ts.system.services.webhooks;
  });
  afterAll(async () => {
    await receiver?.close();
    await ts?.close();
  });
  beforeEach(() => receiver.clear());
  afterEach(async () => {
    await db()
      .updateTable('webhook_deliveries')
      .set({ status: 'cancelled', lease_until: 0 })
      .where('status', '=', 'pending')
      .execute();
  });

  const db = () => ts.system.storage.db;

  async function createEndpoint(session: Session, path: string): Promise<{ id: string }> {
    const response = await ts.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: session.headers,
      payload: { url: `${receiver.url}${path}`, events: ['message.status'] },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json();
  }

  const emit = (events: WebhookEvent[]) =>
    db()
      .transaction()
      .execute((tx) => webhooks.enqueue(tx, events));

  const statusEvent = (accountId: string, messageId: string, status: string): WebhookEvent => ({
    accountId,
    type: 'message.status',
    data: { messageId, status },
  });

  const bodies = () =>
    receiver.received.map((r) => JSON.parse(r.body) as { data: { messageId: string; status: string } });

  it('a timed-out attempt that then succeeds is counted as a suspected duplicate', async () => {
    const s = await signup(ts.app);
    const endpoint = await createEndpoint(s, '/hung');
    const worker = createWebhooks({
      db: db(),
      clock: ts.clock,
      ids: createIdGenerator(ts.clock),
      audit: ts.system.services.audit,
      logger: createLogger({ level: 'silent' }),
      capabilities: ts.system.storage.capabilities,
      settings: { allowPrivate: true, timeoutMs: 150 },
      net: webhookNet,
    });
    try {
      // The receiver takes the request but answers too late: it may well have processed it.
      receiver.respondNext({ status: 200, delayMs: 1_000 });
      await emit([statusEvent(s.accountId, 'msg_hung', 'sent')]);
      expect(await worker.deliverDue()).toBe(1);
      ts.clock.advance(RETRY_LADDER_MS[1]!);
      expect(await worker.deliverDue()).toBe(1);
      const ids = receiver.received.map((r) => r.headers['webhook-id']);
      expect(ids).toHaveLength(2);
      expect(ids[0]).toBe(ids[1]);
      const view = await ts.app.inject({
        method: 'GET',
        url: `/v1/webhooks/${endpoint.id}`,
        headers: s.headers,
      });
      expect(view.json()).toMatchObject({ timeouts: 1, duplicatesSuspected: 1 });
    } finally {
      worker.close();
    }
  });

  it.runIf(dialect === 'sqlite')(
    'a database away while a result is written: it is written once it is back, not sent again minutes later',
    async () => {
      const s = await signup(ts.app);
      await createEndpoint(s, '/locked');
      const file = (
        await sql<{ file: string }>`select file from pragma_database_list where name = 'main'`.execute(db())
      ).rows[0]!.file;
      // The receiver answers 500 ms after the request reaches it; as it reaches it, another writer takes
      // the database for 1.5 s, longer than this connection waits for a lock (200 ms here): the first
      // write of the result fails.
      receiver.respondNext({ status: 200, delayMs: 500 });
      await emit([statusEvent(s.accountId, 'msg_locked', 'delivered')]);
      await sql`pragma busy_timeout = 200`.execute(db());
      const other = new Database(file);
      try {
        const delivering = webhooks.deliverDue(10);
        await receiver.waitFor(1, 10_000);
        other.exec('BEGIN IMMEDIATE');
        setTimeout(() => other.exec('ROLLBACK'), 1_500);
        expect(await delivering).toBe(1);
      } finally {
        if (other.inTransaction) other.exec('ROLLBACK');
        other.close();
        await sql`pragma busy_timeout = 5000`.execute(db());
      }
      const row = await db()
        .selectFrom('webhook_deliveries')
        .select(['status', 'attempts', 'lease_until'])
        .where('account_id', '=', s.accountId)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ status: 'delivered', attempts: 1 });
      expect(receiver.received).toHaveLength(1);
    },
  );

  it('results written together: a delivery whose lease went to another worker meanwhile is left to it, the others are recorded', async () => {
    const s = await signup(ts.app);
    const endpoint = await createEndpoint(s, '/batched');
    receiver.respondWith({ status: 200, delayMs: 300 });
    try {
      await emit(['msg_b1', 'msg_b2', 'msg_b3'].map((id) => statusEvent(s.accountId, id, 'delivered')));
      const delivering = webhooks.deliverDue(10);
      await receiver.waitFor(3, 10_000);
      // While the answers are on their way, another worker takes one delivery over (its lease ran out).
      const taken = await db()
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('account_id', '=', s.accountId)
        .orderBy('id')
        .executeTakeFirstOrThrow();
      await db()
        .updateTable('webhook_deliveries')
        .set({ lease_owner: 'another-worker/boot', lease_until: ts.clock.now() + 600_000 })
        .where('id', '=', taken.id)
        .execute();
      await delivering;
    } finally {
      receiver.respondWith({ status: 200 });
    }
    const rows = await db()
      .selectFrom('webhook_deliveries')
      .select(['id', 'status', 'attempts', 'lease_owner', 'completed_at', 'last_status_code'])
      .where('account_id', '=', s.accountId)
      .orderBy('id')
      .execute();
    expect(rows[0]).toMatchObject({ status: 'pending', attempts: 0, lease_owner: 'another-worker/boot' });
    for (const row of rows.slice(1)) {
      expect(row).toMatchObject({
        status: 'delivered',
        attempts: 1,
        lease_owner: null,
        last_status_code: 200,
      });
      expect(Number(row.completed_at)).toBeGreaterThan(0);
    }
    // The recorded ones succeeded at once: their attempt is kept on the row; the taken one has none.
    const listed = await ts.app.inject({
      method: 'GET',
      url: `/v1/webhooks/${endpoint.id}/deliveries`,
      headers: s.headers,
    });
    const views = new Map(
      (listed.json().data as Array<{ id: string; attempts: unknown[] }>).map((d) => [d.id, d.attempts]),
    );
    expect(views.get(rows[0]!.id)).toEqual([]);
    for (const row of rows.slice(1))
      expect(views.get(row.id)).toMatchObject([{ attempt: 1, statusCode: 200, trigger: 'schedule' }]);
  });

  it('a later status of a message waits until the earlier one is acknowledged', async () => {
    const s = await signup(ts.app);
    await createEndpoint(s, '/ordered');
    // The first attempt of `sent` fails; everything else succeeds.
    receiver.respondNext({ status: 500 });
    await emit([statusEvent(s.accountId, 'msg_a', 'sent'), statusEvent(s.accountId, 'msg_b', 'sent')]);
    await emit([
      statusEvent(s.accountId, 'msg_a', 'delivered'),
      statusEvent(s.accountId, 'msg_b', 'delivered'),
    ]);
    await webhooks.deliverDue();
    await webhooks.deliverDue();
    ts.clock.advance(RETRY_LADDER_MS[1]!);
    await webhooks.deliverDue();
    await webhooks.deliverDue();
    const order = (messageId: string) =>
      bodies()
        .filter((b) => b.data.messageId === messageId)
        .map((b) => b.data.status);
    // msg_a: the failed `sent`, the retried `sent`, then `delivered`; msg_b was never held up.
    expect(order('msg_a')).toEqual(['sent', 'sent', 'delivered']);
    expect(order('msg_b')).toEqual(['sent', 'delivered']);
  });

  it('the first success after an outage sends the backlog at once; "retry now" does the same', async () => {
    const s = await signup(ts.app);
    const endpoint = await createEndpoint(s, '/outage');
    // Down: three events fail twice and wait on the ladder's 5-minute step.
    receiver.respondWith({ status: 503 });
    await emit([1, 2, 3].map((n) => statusEvent(s.accountId, `msg_out${n}`, 'delivered')));
    await webhooks.deliverDue();
    ts.clock.advance(RETRY_LADDER_MS[1]!);
    await webhooks.deliverDue();
    expect(receiver.received).toHaveLength(6);
    // Back after 30 s: a new event goes through, and the backlog follows at once, not 5 minutes later.
    ts.clock.advance(30_000);
    receiver.respondWith({ status: 200 });
    await emit([statusEvent(s.accountId, 'msg_out4', 'delivered')]);
    await webhooks.deliverDue();
    await webhooks.deliverDue();
    expect(
      bodies()
        .slice(6)
        .map((b) => b.data.messageId)
        .sort(),
    ).toEqual(['msg_out1', 'msg_out2', 'msg_out3', 'msg_out4']);

    // Down again; the client fixes its receiver and asks for a retry now.
    receiver.clear();
    receiver.respondWith({ status: 503 });
    await emit([statusEvent(s.accountId, 'msg_out5', 'delivered')]);
    await webhooks.deliverDue();
    expect(receiver.received).toHaveLength(1);
    receiver.respondWith({ status: 200 });
    const retry = await ts.app.inject({
      method: 'POST',
      url: `/v1/webhooks/${endpoint.id}/retry`,
      headers: s.headers,
    });
    expect(retry.statusCode, retry.body).toBe(202);
    expect(retry.json()).toMatchObject({ due: 1 });
    await webhooks.deliverDue();
    expect(bodies().map((b) => b.data.messageId)).toEqual(['msg_out5', 'msg_out5']);
    const other = await signup(ts.app);
    const foreign = await ts.app.inject({
      method: 'POST',
      url: `/v1/webhooks/${endpoint.id}/retry`,
      headers: other.headers,
    });
    expect(foreign.statusCode).toBe(404);
  });

  it("a restarted worker takes back at once the deliveries its killed run held, and no one else's", async () => {
    const worker = (owner: string) =>
      createWebhooks({
        db: db(),
        clock: ts.clock,
        ids: createIdGenerator(ts.clock),
        audit: ts.system.services.audit,
        logger: createLogger({ level: 'silent' }),
        capabilities: ts.system.storage.capabilities,
        settings: { allowPrivate: true, timeoutMs: 1_500 },
        net: webhookNet,
        owner,
      });
    const mine = await signup(ts.app);
    const theirs = await signup(ts.app);
    const myEndpoint = await createEndpoint(mine, '/restart-mine');
    const theirEndpoint = await createEndpoint(theirs, '/restart-theirs');
    // The receiver hangs on the first five requests: the attempts of A's first run and B stay in flight.
    receiver.respondNext(...Array.from({ length: 5 }, () => ({ status: 200, delayMs: 2_000 })));
    const a1 = worker('worker-a/boot1');
    const b = worker('worker-b/boot1');
    const a2 = worker('worker-a/boot2');
    try {
      await emit([1, 2, 3].map((n) => statusEvent(mine.accountId, `msg_mine${n}`, 'sent')));
      const a1Run = a1.deliverDue();
      await receiver.waitFor(3);
      await emit([1, 2].map((n) => statusEvent(theirs.accountId, `msg_theirs${n}`, 'sent')));
      const bRun = b.deliverDue();
      await receiver.waitFor(5);
      // A's first run is killed here (its attempts never finish from its side); A boots again at once,
      // with the clock unmoved: its previous run's leases are still far from running out.
      const started = performance.now();
      expect(await a2.deliverDue()).toBe(3);
      expect(performance.now() - started).toBeLessThan(2_000);
      const rows = await db()
        .selectFrom('webhook_deliveries')
        .select(['endpoint_id', 'status', 'lease_until'])
        .where('endpoint_id', 'in', [myEndpoint.id, theirEndpoint.id])
        .execute();
      const of = (id: string) => rows.filter((r) => r.endpoint_id === id);
      expect(of(myEndpoint.id).map((r) => r.status)).toEqual(['delivered', 'delivered', 'delivered']);
      // B is alive: its deliveries are still leased to it and were not sent again.
      expect(of(theirEndpoint.id).map((r) => r.status)).toEqual(['pending', 'pending']);
      for (const r of of(theirEndpoint.id)) expect(Number(r.lease_until)).toBeGreaterThan(ts.clock.now());
      expect(receiver.received).toHaveLength(8);
      // The killed run's late results are fenced off; B's own are recorded.
      await Promise.all([a1Run, bRun]);
      const after = await db()
        .selectFrom('webhook_deliveries')
        .select(['endpoint_id', 'status', 'attempts'])
        .where('endpoint_id', 'in', [myEndpoint.id, theirEndpoint.id])
        .execute();
      for (const r of after.filter((x) => x.endpoint_id === myEndpoint.id)) {
        expect(r).toMatchObject({ status: 'delivered' });
        expect(Number(r.attempts)).toBe(1);
      }
    } finally {
      a1.close();
      b.close();
      a2.close();
    }
  });

  it('one event that keeps failing among good ones keeps its own retry ladder', async () => {
    const s = await signup(ts.app);
    const endpoint = await createEndpoint(s, '/poison');
    receiver.respondNext({ status: 500 });
    await emit([statusEvent(s.accountId, 'msg_poison', 'delivered')]);
    await webhooks.deliverDue();
    ts.clock.advance(1_000);
    await emit([statusEvent(s.accountId, 'msg_fine', 'delivered')]);
    await webhooks.deliverDue();
    expect(receiver.received).toHaveLength(2);
    const rows = await db()
      .selectFrom('webhook_deliveries')
      .select(['status', 'attempts', 'next_attempt_at', 'last_attempt_at'])
      .where('endpoint_id', '=', endpoint.id)
      .orderBy('id')
      .execute();
    expect(rows[0]).toMatchObject({ status: 'pending' });
    expect(Number(rows[0]!.next_attempt_at)).toBe(Number(rows[0]!.last_attempt_at) + RETRY_LADDER_MS[1]!);
    expect(rows[1]).toMatchObject({ status: 'delivered' });
  });
});
