import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundSms } from '../../src/modules/dispatch';
import { createInbound, keywordOf } from '../../src/modules/inbound';
import type { ClientEvent } from '../../src/modules/messaging';
import { verifyWebhookSignature } from '../../src/modules/webhooks';
import { createBatchWriter } from '../../src/storage/batch-writer';
import { DIALECTS } from '../helpers/storage';
import { type Session, signup, staffSession, startTestSystem, type TestSystem } from '../helpers/system';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

const SENDER = '+447911123456';

describe('inbound keywords', () => {
  it('is the first word, upper-cased, without surrounding punctuation', () => {
    expect(keywordOf('stop')).toBe('STOP');
    expect(keywordOf('  Stop! please')).toBe('STOP');
    expect(keywordOf('«help»\nme')).toBe('HELP');
    expect(keywordOf('über alles')).toBe('ÜBER');
    expect(keywordOf('')).toBeNull();
    expect(keywordOf('  !!! ')).toBeNull();
    expect(keywordOf('x'.repeat(33))).toBeNull();
  });
});

describe.each(DIALECTS)('inbound SMS on %s', (dialect) => {
  let ts: TestSystem;
  let receiver: WebhookReceiver;
  let operator: Session;
  let serial = 0;
  beforeAll(async () => {
    ts = await startTestSystem(dialect, { WEBHOOK_ALLOW_PRIVATE: 'true' });
    receiver = await startWebhookReceiver();
    operator = await staffSession(ts, 'operator');
  });
  afterAll(async () => {
    await receiver?.close();
    await ts?.close();
  });

  const db = () => ts.system.storage.db;
  const inbound = () => ts.system.services.inbound;
  /** A fresh Latvian mobile number, different in every test. */
  const freshNumber = () => `+3712${String(3_000_000 + ++serial * 17).padStart(7, '0')}`;
  const sms = (to: string, text: string, from = SENDER): InboundSms => ({
    routeId: 'simulator',
    from,
    to,
    text,
    at: ts.clock.now(),
  });
  const get = (s: { headers: Record<string, string> }, url: string) =>
    ts.app.inject({ method: 'GET', url, headers: s.headers });
  const assign = (payload: object, headers = operator.headers) =>
    ts.app.inject({ method: 'POST', url: '/v1/admin/numbers', headers, payload });
  const release = (id: string) =>
    ts.app.inject({ method: 'DELETE', url: `/v1/admin/numbers/${id}`, headers: operator.headers });
  async function receivedDeliveries(accountId: string): Promise<number> {
    const row = await db()
      .selectFrom('webhook_deliveries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', accountId)
      .where('event_type', '=', 'message.received')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
  async function subscribe(s: Session, path: string): Promise<string> {
    const hook = await ts.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: s.headers,
      payload: { url: `${receiver.url}${path}`, events: ['message.received'] },
    });
    expect(hook.statusCode).toBe(201);
    return hook.json().secret;
  }

  it("routes a reply to the number's account: inbox, event, webhook; other accounts see nothing", async () => {
    const a = await signup(ts.app, { company: 'A' });
    const b = await signup(ts.app, { company: 'B' });
    const secret = await subscribe(a, '/a-inbox');
    const number = freshNumber();
    const spaced = `${number.slice(0, 4)} ${number.slice(4, 8)} ${number.slice(8)}`;

    const assigned = await assign({ number: spaced, accountId: a.accountId });
    expect(assigned.statusCode).toBe(201);
    expect(assigned.json()).toEqual({
      id: expect.stringMatching(/^num_/),
      number,
      accountId: a.accountId,
      createdAt: new Date(ts.clock.now()).toISOString(),
    });
    const listed = await get(operator, `/v1/admin/numbers?accountId=${a.accountId}`);
    expect(listed.json()).toEqual({ data: [assigned.json()], nextCursor: null });

    // SMPP writes international numbers with a '+'; some routes do not: both reach the owner.
    const at = ts.clock.now();
    await inbound().receive(sms(number.slice(1), 'Stop! no more please'));
    ts.clock.advance(1000);
    await inbound().receive(sms(number, 'Hello\u0000 there', '2200 0002'));

    const rows = await db()
      .selectFrom('inbound_messages')
      .selectAll()
      .where('to_number', '=', number)
      .orderBy('id')
      .execute();
    expect(rows.map((r) => [r.account_id, r.from_number, r.keyword, r.text])).toEqual([
      [a.accountId, SENDER, 'STOP', 'Stop! no more please'],
      // A national sender is read in the country of the number; NULs are dropped.
      [a.accountId, '+37122000002', 'HELLO', 'Hello there'],
    ]);

    const inbox = await get(a, '/v1/inbound');
    expect(inbox.statusCode).toBe(200);
    const first = {
      id: rows[0]!.id,
      from: SENDER,
      to: number,
      text: 'Stop! no more please',
      receivedAt: new Date(at).toISOString(),
      route: 'simulator',
    };
    expect(inbox.json().data).toEqual([expect.objectContaining({ id: rows[1]!.id }), first]);
    expect(inbox.json().nextCursor).toBeNull();
    expect((await get(a, `/v1/inbound/${first.id}`)).json()).toEqual(first);

    // Paging and the sender filter (typed however the client likes).
    const page1 = (await get(a, '/v1/inbound?limit=1')).json();
    expect(page1.data.map((m: { id: string }) => m.id)).toEqual([rows[1]!.id]);
    const page2 = (await get(a, `/v1/inbound?limit=1&cursor=${page1.nextCursor}`)).json();
    expect(page2.data.map((m: { id: string }) => m.id)).toEqual([rows[0]!.id]);
    const bySender = await get(a, `/v1/inbound?from=${encodeURIComponent('+44 7911 123456')}`);
    expect(bySender.json().data.map((m: { id: string }) => m.id)).toEqual([rows[0]!.id]);

    // Account B sees none of it.
    expect((await get(b, '/v1/inbound')).json()).toEqual({ data: [], nextCursor: null });
    const foreign = await get(b, `/v1/inbound/${first.id}`);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.headers['content-type']).toContain('application/problem+json');
    expect(foreign.json().code).toBe('not_found');

    // The signed webhook carries the inbox view.
    await ts.system.workOnce();
    await receiver.waitFor(2);
    const hooks = receiver.received.filter((r) => r.path === '/a-inbox');
    expect(hooks).toHaveLength(2);
    for (const hook of hooks)
      expect(
        verifyWebhookSignature(
          secret,
          hook.headers as Record<string, string>,
          hook.body,
          10 ** 9,
          Date.now(),
        ),
      ).toBe(true);
    expect(JSON.parse(hooks[0]!.body)).toMatchObject({ type: 'message.received', data: first });

    // The operator's change is on the account's own audit chain.
    const log = (await get(a, '/v1/audit-log')).json().data;
    expect(log).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'number.assigned',
          actorType: 'staff',
          actorId: operator.userId,
          targetId: assigned.json().id,
          data: { number },
        }),
      ]),
    );
  });

  it('stores a message to a number nobody has without an account, visible to the operator only', async () => {
    const a = await signup(ts.app);
    await subscribe(a, '/unrouted');
    const before = receiver.received.length;
    const number = freshNumber();
    await inbound().receive(sms(number, 'anyone there?', 'BANK'));

    const row = await db()
      .selectFrom('inbound_messages')
      .selectAll()
      .where('to_number', '=', number)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ account_id: null, from_number: 'BANK', keyword: 'ANYONE' });
    const unassigned = await get(operator, '/v1/admin/inbound?unassigned=true&limit=500');
    expect(unassigned.statusCode).toBe(200);
    expect(unassigned.json().data).toEqual(
      expect.arrayContaining([
        {
          id: row.id,
          accountId: null,
          from: 'BANK',
          to: number,
          text: 'anyone there?',
          receivedAt: new Date(Number(row.received_at)).toISOString(),
          route: 'simulator',
        },
      ]),
    );
    expect((await get(a, '/v1/inbound')).json().data).toEqual([]);
    await ts.system.workOnce();
    expect(await receivedDeliveries(a.accountId)).toBe(0);
    expect(receiver.received.length).toBe(before);
  });

  it('stores 50 messages arriving together in one or a few transactions; every receive() resolves', async () => {
    const a = await signup(ts.app);
    const number = freshNumber();
    expect((await assign({ number, accountId: a.accountId })).statusCode).toBe(201);
    const done = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        inbound().receive(sms(number, `reply ${i}`, `+4479111234${i + 10}`)),
      ),
    );
    expect(done).toHaveLength(50);
    const inbox = (await get(a, '/v1/inbound?limit=500')).json();
    expect(inbox.data).toHaveLength(50);
    expect(new Set(inbox.data.map((m: { text: string }) => m.text)).size).toBe(50);
    expect(await receivedDeliveries(a.accountId)).toBe(0); // no endpoint: no deliveries, but the events went out
    await inbound().idle();

    // The same through an instance whose event sink counts the transactions (one publish per batch).
    const batches: ClientEvent[][] = [];
    const counted = createInbound({
      db: db(),
      clock: ts.clock,
      ids: ts.system.services.ids,
      audit: ts.system.services.audit,
      events: { publish: async (_tx, events) => void batches.push(events) },
    });
    await Promise.all(Array.from({ length: 50 }, (_, i) => counted.receive(sms(number, `again ${i}`))));
    expect(batches.length).toBeGreaterThanOrEqual(1);
    expect(batches.length).toBeLessThanOrEqual(3);
    expect(batches.flat()).toHaveLength(50);
    expect(batches.flat().every((e) => e.accountId === a.accountId && e.type === 'message.received')).toBe(
      true,
    );
    expect((await get(a, '/v1/inbound?limit=500')).json().data).toHaveLength(100);
  });

  it('refuses bad operator input with problem+json', async () => {
    const a = await signup(ts.app);
    const number = freshNumber();
    expect((await assign({ number, accountId: a.accountId })).statusCode).toBe(201);
    const cases: Array<[object, number, string]> = [
      [{ number: 'nonsense', accountId: a.accountId }, 422, 'invalid_phone_number'],
      [{ number: '+3712', accountId: a.accountId }, 422, 'invalid_phone_number'],
      [{ number: freshNumber(), accountId: 'acc_nope' }, 404, 'not_found'],
      [{ number, accountId: a.accountId }, 409, 'conflict'],
      [{ number: `00${number.slice(1)}`, accountId: a.accountId }, 409, 'conflict'],
      [{ number: freshNumber(), accountId: a.accountId, extra: 1 }, 400, 'validation_failed'],
      [{ number: freshNumber() }, 400, 'validation_failed'],
      [{ number: 12345, accountId: a.accountId }, 400, 'validation_failed'],
    ];
    for (const [payload, status, code] of cases) {
      const r = await assign(payload);
      expect(r.statusCode, JSON.stringify(payload)).toBe(status);
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(r.json().code, JSON.stringify(payload)).toBe(code);
    }
    const numbers = await db()
      .selectFrom('numbers')
      .select('id')
      .where('account_id', '=', a.accountId)
      .execute();
    expect(numbers).toHaveLength(1);

    // Operators racing for one number: exactly one wins, the others get a conflict.
    const contested = freshNumber();
    const race = await Promise.all(
      Array.from({ length: 5 }, () => assign({ number: contested, accountId: a.accountId })),
    );
    expect(race.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409, 409]);

    const unknownQuery = await get(operator, '/v1/admin/numbers?bogus=1');
    expect(unknownQuery.statusCode).toBe(400);
    expect((await release('num_nope')).statusCode).toBe(404);
    // Clients never reach the operator's numbers; staff without routes:manage are refused.
    expect((await assign({ number: freshNumber(), accountId: a.accountId }, a.headers)).statusCode).toBe(401);
    const support = await staffSession(ts, 'support');
    const refused = await assign({ number: freshNumber(), accountId: a.accountId }, support.headers);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('forbidden');
  });

  it('releasing a number stops routing its messages to the account', async () => {
    const a = await signup(ts.app);
    const b = await signup(ts.app);
    const number = freshNumber();
    const assigned = (await assign({ number, accountId: b.accountId })).json();
    await inbound().receive(sms(number, 'one'));
    expect((await get(b, '/v1/inbound')).json().data.map((m: { text: string }) => m.text)).toEqual(['one']);

    const released = await release(assigned.id);
    expect(released.statusCode).toBe(204);
    expect((await release(assigned.id)).statusCode).toBe(404);
    await inbound().receive(sms(number, 'two'));
    expect((await get(b, '/v1/inbound')).json().data.map((m: { text: string }) => m.text)).toEqual(['one']);
    const orphan = await db()
      .selectFrom('inbound_messages')
      .select('account_id')
      .where('to_number', '=', number)
      .where('text', '=', 'two')
      .executeTakeFirstOrThrow();
    expect(orphan.account_id).toBeNull();

    // The number can then go to another account.
    expect((await assign({ number, accountId: a.accountId })).statusCode).toBe(201);
    await inbound().receive(sms(number, 'three'));
    expect((await get(a, '/v1/inbound')).json().data.map((m: { text: string }) => m.text)).toEqual(['three']);
    const log = (await get(b, '/v1/audit-log')).json().data;
    expect(log.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['number.assigned', 'number.released']),
    );
  });

  it('a batch with one item its writer refuses still commits the others', async () => {
    const committed: string[] = [];
    let attempts = 0;
    const writer = createBatchWriter<string>(db(), async (tx, items) => {
      attempts++;
      if (items.includes('poison')) throw new Error('refused');
      await tx.selectFrom('numbers').select('id').limit(1).execute();
      committed.push(...items);
    });
    const items = ['a', 'b', 'c', 'poison', 'd', 'e', 'f', 'g'];
    const results = await Promise.allSettled(items.map((item) => writer.add(item)));
    expect(results.map((r) => r.status)).toEqual(
      items.map((i) => (i === 'poison' ? 'rejected' : 'fulfilled')),
    );
    expect(committed.sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(attempts).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(items.length)));
    await writer.idle();
  });
});
