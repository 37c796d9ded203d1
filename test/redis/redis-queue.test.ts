import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createIdGenerator } from '../../src/kernel/ids';
import { createLogger } from '../../src/kernel/logger';
import { createDbQueue } from '../../src/queue/db-queue';
import { createRedisQueue, RELAY_CLAIM_LEASE_MS, type RedisQueue } from '../../src/queue/redis-queue';
import { FakeClock } from '../helpers/fake-clock';
import { DIALECTS, openTestStorage, type TestStorage } from '../helpers/storage';
import { createApiKey, signup, startTestSystem, type TestSystem } from '../helpers/system';

const REDIS_URL = process.env.TEST_REDIS_URL;
const LEASE = 60_000;

// The Redis suite: runs when TEST_REDIS_URL is set (CI sets it), on every dialect.
describe.skipIf(!REDIS_URL).each(DIALECTS)('BullMQ queue over Redis on %s', (dialect) => {
  let test: TestStorage;
  const clock = new FakeClock();
  const open: RedisQueue[] = [];
  const prefix = `t${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    test = await openTestStorage(dialect);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((q) => q.close()));
    await test.storage.db.deleteFrom('jobs').execute();
  });
  afterAll(async () => {
    await test?.dispose();
    const redis = new Redis(REDIS_URL!);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  const outboxOf = (workerId?: string) =>
    createDbQueue({
      db: test.storage.db,
      clock,
      ids: createIdGenerator(clock),
      capabilities: test.storage.capabilities,
      workerId,
    });
  function queue(options: { stalledIntervalMs?: number; outbox?: ReturnType<typeof outboxOf> } = {}) {
    const outbox = options.outbox ?? outboxOf();
    const q = createRedisQueue({
      outbox,
      url: REDIS_URL!,
      prefix,
      logger: createLogger({ level: 'silent' }),
      stalledIntervalMs: options.stalledIntervalMs,
    });
    open.push(q);
    return q;
  }
  const kind = () => `k${randomBytes(3).toString('hex')}`;
  const rows = () => test.storage.db.selectFrom('jobs').selectAll().execute();

  it('publishes only committed jobs, delivers each to one worker, and completes it in the table', async () => {
    const [a, b] = [queue(), queue()];
    const k = kind();
    await test.storage.db.transaction().execute((tx) => a.enqueue(tx, [{ kind: k, payload: { n: 1 } }]));
    await test.storage.db
      .transaction()
      .execute(async (tx) => {
        await a.enqueue(tx, [{ kind: k, payload: { n: 2 } }]);
        throw new Error('rolled back');
      })
      .catch(() => undefined);
    expect(await a.relay()).toBe(1);
    expect(await a.relay()).toBe(0);

    const [fromA, fromB] = [
      await a.claim<{ n: number }>(k, 10, LEASE),
      await b.claim<{ n: number }>(k, 10, LEASE),
    ];
    const all = [...fromA, ...fromB];
    expect(all.map((j) => j.payload.n)).toEqual([1]);
    expect(all[0]!.attempts).toBe(1);

    const owner = fromA.length > 0 ? a : b;
    await test.storage.db.transaction().execute((tx) => owner.complete(tx, [all[0]!.id]));
    expect(await rows()).toHaveLength(0);
    expect(await a.claim(k, 10, LEASE)).toEqual([]);
  });

  it('a worker that dies with a job loses nothing: the table lease runs out and the job comes back', async () => {
    const dead = queue();
    const k = kind();
    await test.storage.db.transaction().execute((tx) => dead.enqueue(tx, [{ kind: k, payload: 'x' }]));
    await dead.relay();
    const [taken] = await dead.claim(k, 1, LEASE);
    expect(taken).toBeDefined();
    await dead.close(); // never completes
    open.splice(open.indexOf(dead), 1);

    const next = queue();
    await next.relay();
    expect(await next.claim(k, 1, LEASE)).toEqual([]); // still leased

    clock.advance(5 * 60_000 + 1);
    expect(await next.relay()).toBe(1);
    const [again] = await next.claim(k, 1, LEASE);
    expect(again?.id).toBe(taken!.id);
    expect(again?.attempts).toBe(2);
    await test.storage.db.transaction().execute((tx) => next.complete(tx, [again!.id]));
    expect(await rows()).toHaveLength(0);
  });

  it('rows a relay claimed and never published (killed in between) come back after the claim lease, not the transit lease', async () => {
    const k = kind();
    const dead = outboxOf('host-a:worker');
    await test.storage.db.transaction().execute((tx) => dead.enqueue(tx, [{ kind: k, payload: 'x' }]));
    // What a relay does first; the process dies before Redis hears of the rows.
    expect(await dead.claimAnyKind(10, RELAY_CLAIM_LEASE_MS)).toHaveLength(1);

    const other = queue({ outbox: outboxOf('host-b:worker') });
    expect(await other.relay()).toBe(0);
    clock.advance(RELAY_CLAIM_LEASE_MS);
    expect(await other.relay()).toBe(1);
    const [job] = await other.claim(k, 1, LEASE);
    expect(job).toMatchObject({ payload: 'x', attempts: 2 });
  });

  it('a restarted worker takes back at once the rows its killed relay claimed and never published', async () => {
    const k = kind();
    const dead = outboxOf('host-a:worker');
    await test.storage.db.transaction().execute((tx) => dead.enqueue(tx, [{ kind: k, payload: 'y' }]));
    expect(await dead.claimAnyKind(10, RELAY_CLAIM_LEASE_MS)).toHaveLength(1);

    const restarted = outboxOf('host-a:worker');
    expect(await restarted.reclaimOwn(30_000, 5_000)).toBe(1);
    const q = queue({ outbox: restarted });
    expect(await q.relay()).toBe(1);
    const [job] = await q.claim(k, 1, LEASE);
    expect(job).toMatchObject({ payload: 'y', attempts: 2 });
  });

  it('published rows hold the transit lease: a backlog in Redis is not published again', async () => {
    const k = kind();
    const q = queue();
    await test.storage.db.transaction().execute((tx) => q.enqueue(tx, [{ kind: k, payload: 1 }]));
    expect(await q.relay()).toBe(1);
    clock.advance(RELAY_CLAIM_LEASE_MS * 3);
    expect(await q.relay()).toBe(0);
    const [row] = await rows();
    expect(Number(row!.lease_until)).toBeGreaterThan(clock.now() + 60_000);
    const [job] = await q.claim(k, 1, LEASE);
    expect(job?.attempts).toBe(1);
  });

  it('a job held by a worker that died leaves "active" by the stalled check and goes to another worker', async () => {
    const k = kind();
    const dead = queue({ stalledIntervalMs: 200 });
    await test.storage.db.transaction().execute((tx) => dead.enqueue(tx, [{ kind: k, payload: 'x' }]));
    await dead.relay();
    const [taken] = await dead.claim(k, 1, 500);
    expect(taken).toBeDefined();
    // Killed: neither completes nor renews the job, in Redis or in the table.
    await dead.close();
    open.splice(open.indexOf(dead), 1);
    clock.advance(501);

    const next = queue({ stalledIntervalMs: 200 });
    const deadline = Date.now() + 10_000;
    let again: Awaited<ReturnType<typeof next.claim>> = [];
    // No relay here: the job must come back from Redis itself, not be published anew.
    while (again.length === 0 && Date.now() < deadline) {
      again = await next.claim(k, 1, 500);
      if (again.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(again.map((j) => j.id)).toEqual([taken!.id]);
    await test.storage.db.transaction().execute((tx) => next.complete(tx, [taken!.id]));
    await next.release([taken!.id]);
    expect(await rows()).toHaveLength(0);
  });

  it('a worker whose lease ran out learns it on renewal, and its completion does nothing', async () => {
    const k = kind();
    const [a, b] = [queue(), queue()];
    await test.storage.db.transaction().execute((tx) => a.enqueue(tx, [{ kind: k, payload: 1 }]));
    await a.relay();
    const [job] = await a.claim(k, 1, LEASE);
    expect(await a.extend([job!.id], LEASE)).toEqual([job!.id]);
    clock.advance(5 * 60_000 + 1);
    expect(await b.relay()).toBe(1);
    const [taken] = await b.claim(k, 1, LEASE);
    expect(taken?.id).toBe(job!.id);
    expect(await a.extend([job!.id], LEASE)).toEqual([]);
    await test.storage.db.transaction().execute((tx) => a.complete(tx, [job!.id]));
    expect(await rows()).toHaveLength(1);
    await test.storage.db.transaction().execute((tx) => b.complete(tx, [taken!.id]));
    expect(await rows()).toHaveLength(0);
  });

  it('retry puts the job back in the outbox until its time, then publishes it again', async () => {
    const q = queue();
    const k = kind();
    await test.storage.db.transaction().execute((tx) => q.enqueue(tx, [{ kind: k, payload: 1 }]));
    await q.relay();
    const [job] = await q.claim(k, 1, LEASE);
    await test.storage.db.transaction().execute((tx) => q.retry(tx, job!.id, clock.now() + 10_000, 'busy'));
    expect(await q.relay()).toBe(0);
    expect(await q.claim(k, 1, LEASE)).toEqual([]);
    clock.advance(10_000);
    expect(await q.relay()).toBe(1);
    const [again] = await q.claim(k, 1, LEASE);
    expect(again?.attempts).toBe(2);
    expect((await rows())[0]?.last_error).toBe('busy');
  });

  it('a duplicate delivery of a job already completed is dropped', async () => {
    const q = queue();
    const k = kind();
    await test.storage.db.transaction().execute((tx) => q.enqueue(tx, [{ kind: k, payload: 1 }]));
    await q.relay();
    const [job] = await q.claim(k, 1, LEASE);
    // Another worker completed the same row (e.g. after a lease takeover): the table no longer has it.
    await test.storage.db.deleteFrom('jobs').where('id', '=', job!.id).execute();
    clock.advance(1);
    const outbox = createDbQueue({
      db: test.storage.db,
      clock,
      ids: createIdGenerator(clock),
      capabilities: test.storage.capabilities,
    });
    await test.storage.db.transaction().execute((tx) => outbox.enqueue(tx, [{ kind: k, payload: 2 }]));
    await q.relay();
    const claimed = await q.claim<number>(k, 5, LEASE);
    expect(claimed.map((j) => j.payload)).toEqual([2]);
  });
});

describe.skipIf(!REDIS_URL).each(DIALECTS)('messages dispatched through Redis on %s', (dialect) => {
  let ts: TestSystem;
  beforeAll(async () => {
    ts = await startTestSystem(dialect, {
      REDIS_URL: REDIS_URL!,
      REDIS_PREFIX: `e${randomBytes(4).toString('hex')}`,
      SIMULATOR_DELIVERY_DELAY_MS: '1000',
    });
  });
  afterAll(async () => {
    await ts?.close();
  });

  it('accepts a bulk send, relays it through BullMQ and delivers every message', async () => {
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    const to = Array.from({ length: 30 }, (_, i) => `+3712${String(1000000 + i)}`);
    const r = await ts.app.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: key.headers,
      payload: { to, text: 'Your code is 1234' },
    });
    expect(r.statusCode, r.body).toBe(202);
    await ts.system.workOnce();
    ts.clock.advance(1001);
    await ts.system.workOnce();
    const statuses = await ts.system.storage.db
      .selectFrom('messages')
      .select('status')
      .where('account_id', '=', s.accountId)
      .execute();
    expect(statuses).toHaveLength(30);
    expect(new Set(statuses.map((m) => m.status))).toEqual(new Set(['delivered']));
    expect(await ts.system.storage.db.selectFrom('jobs').selectAll().execute()).toHaveLength(0);
  });
});
