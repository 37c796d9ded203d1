import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../src/modules/webhooks';
import { DIALECTS } from '../helpers/storage';
import {
  createApiKey,
  type Session,
  signup,
  staffSession,
  startTestSystem,
  type TestSystem,
} from '../helpers/system';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

const LV = '+37121234567';
const DE = '+4915123456789';

describe.each(DIALECTS)('messaging on %s', (dialect) => {
  let ts: TestSystem;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    ts = await startTestSystem(dialect, {
      WEBHOOK_ALLOW_PRIVATE: 'true',
      SIMULATOR_DELIVERY_DELAY_MS: '1000',
      SIMULATOR_UNDELIVERED_PATTERN: '0000$',
      SIMULATOR_REJECT_PATTERN: '9999$',
    });
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await ts?.close();
  });

  const db = () => ts.system.storage.db;
  const post = (
    s: { headers: Record<string, string> },
    payload: object,
    extra: Record<string, string> = {},
  ) => ts.app.inject({ method: 'POST', url: '/v1/messages', headers: { ...s.headers, ...extra }, payload });
  const get = (s: { headers: Record<string, string> }, url: string) =>
    ts.app.inject({ method: 'GET', url, headers: s.headers });
  async function deliverAll() {
    await ts.system.workOnce();
    ts.clock.advance(1001);
    await ts.system.workOnce();
  }
  async function counts(accountId: string) {
    const m = await db()
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', accountId)
      .executeTakeFirstOrThrow();
    const j = await db()
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return { messages: Number(m.n), jobs: Number(j.n) };
  }

  it('sends one SMS: queued → sent → delivered, charged once, signed webhooks for each change', async () => {
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    const hook = await ts.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: key.headers,
      payload: { url: `${receiver.url}/hooks`, events: ['message.status'] },
    });
    expect(hook.statusCode).toBe(201);
    const secret = hook.json().secret;

    const sent = await post(key, { to: LV, text: 'Your code is 1234', from: 'Acme', reference: 'order-1' });
    expect(sent.statusCode).toBe(202);
    const message = sent.json().data[0];
    expect(message).toMatchObject({
      to: LV,
      from: 'Acme',
      status: 'queued',
      encoding: 'GSM-7',
      segments: 1,
      country: 'LV',
      price: 0.05,
      reference: 'order-1',
    });
    expect((await get(key, '/v1/balance')).json()).toMatchObject({
      credits: 10,
      reserved: 0.05,
      available: 9.95,
    });

    await ts.system.workOnce();
    expect((await get(key, `/v1/messages/${message.id}`)).json().status).toBe('sent');
    expect((await get(key, '/v1/balance')).json()).toMatchObject({
      credits: 9.95,
      reserved: 0,
      available: 9.95,
    });
    ts.clock.advance(1001);
    await ts.system.workOnce();
    const done = (await get(key, `/v1/messages/${message.id}`)).json();
    expect(done.status).toBe('delivered');
    expect(done.route).toBe('simulator');
    expect(done.deliveredAt).toBeDefined();
    expect(done.events.map((e: { status: string }) => e.status)).toEqual(['queued', 'sent', 'delivered']);
    expect((await get(key, '/v1/balance')).json()).toMatchObject({ credits: 9.95, reserved: 0 });

    await receiver.waitFor(2);
    const statuses = receiver.received.map((r) => JSON.parse(r.body).data.status);
    expect(statuses).toEqual(['sent', 'delivered']);
    for (const r of receiver.received) {
      expect(
        verifyWebhookSignature(secret, r.headers as Record<string, string>, r.body, 10 ** 9, Date.now()),
      ).toBe(true);
      const body = JSON.parse(r.body);
      expect(body).toMatchObject({
        type: 'message.status',
        data: { messageId: message.id, reference: 'order-1' },
      });
    }
  });

  it('a webhook filtered to final statuses gets one callback per message: its final status', async () => {
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    const hook = await ts.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: key.headers,
      payload: {
        url: `${receiver.url}/finals`,
        events: ['message.status'],
        statuses: ['delivered', 'undelivered', 'expired', 'failed', 'rejected'],
      },
    });
    expect(hook.statusCode, hook.body).toBe(201);
    const sent = await post(key, { to: [LV, '+37121230000'], text: 'Final only' });
    expect(sent.statusCode, sent.body).toBe(202);
    const ids = sent.json().data.map((m: { id: string }) => m.id);
    await deliverAll();
    await ts.system.workOnce();
    const got = () =>
      receiver.received.filter((r) => r.path === '/finals').map((r) => JSON.parse(r.body).data);
    await receiver.waitFor(2);
    expect(
      got()
        .map((d: { messageId: string; status: string }) => [d.messageId, d.status])
        .sort(),
    ).toEqual(
      [
        [ids[0], 'delivered'],
        [ids[1], 'undelivered'],
      ].sort(),
    );
    // queued and sent were filtered out before any delivery row was written.
    const rows = await db()
      .selectFrom('webhook_deliveries')
      .select('body')
      .where('endpoint_id', '=', hook.json().id)
      .execute();
    expect(rows).toHaveLength(2);
  });

  it('bulk: reports each invalid recipient, accepts the rest; allOrNothing refuses all', async () => {
    const s = await signup(ts.app);
    const r = await post(s, { to: [LV, 'nonsense', DE, '+3712'], text: 'Hello' });
    expect(r.statusCode).toBe(202);
    expect(r.json().data).toHaveLength(2);
    expect(r.json().errors.map((e: { path: string; code: string }) => [e.path, e.code])).toEqual([
      ['/body/to/1', 'invalid_phone_number'],
      ['/body/to/3', 'invalid_phone_number'],
    ]);
    const before = await counts(s.accountId);
    const strict = await post(s, { to: [LV, 'nonsense'], text: 'Hello', allOrNothing: true });
    expect(strict.statusCode).toBe(422);
    expect(strict.json()).toMatchObject({ code: 'invalid_phone_number', errors: [{ path: '/body/to/1' }] });
    expect(await counts(s.accountId)).toEqual(before);
  });

  it('refuses bad input with a code and a path, and charges and queues nothing', async () => {
    const s = await signup(ts.app);
    const now = ts.clock.now();
    const cases: Array<[object, number, string, string?]> = [
      [{ to: LV, text: '' }, 422, 'empty_message', '/body/text'],
      [{ to: LV, text: '   ' }, 422, 'empty_message', '/body/text'],
      [{ to: LV, text: 'x'.repeat(153 * 10 + 1) }, 422, 'message_too_long', '/body/text'],
      [{ to: LV, text: 'hi', from: 'TooLongSenderName' }, 400, 'validation_failed'],
      [{ to: LV, text: 'hi', from: 'Bad$ender' }, 422, 'invalid_sender_id', '/body/from'],
      [{ to: LV, text: 'hi', from: '123456789012' }, 202, ''],
      [
        { to: LV, text: 'hi', sendAt: new Date(now - 3600_000).toISOString() },
        422,
        'invalid_schedule',
        '/body/sendAt',
      ],
      [
        { to: LV, text: 'hi', sendAt: new Date(now + 36 * 86400_000).toISOString() },
        422,
        'invalid_schedule',
        '/body/sendAt',
      ],
      [{ to: LV, text: 'hi', sendAt: 'tomorrow' }, 400, 'validation_failed'],
      [{ to: LV, text: 'hi', colour: 'red' }, 400, 'validation_failed'],
      [{ to: LV }, 400, 'validation_failed'],
      [{ to: 'nonsense', text: 'hi' }, 422, 'invalid_phone_number', '/body/to'],
      [{ to: Array.from({ length: 1001 }, () => LV), text: 'hi' }, 422, 'too_many_recipients', '/body/to'],
      [
        {
          messages: [
            { to: LV, text: 'a' },
            { to: LV, text: '' },
          ],
        },
        422,
        'empty_message',
        '/body/messages/1/text',
      ],
    ];
    for (const [payload, status, code, path] of cases) {
      const before = await counts(s.accountId);
      const balance = (await get(s, '/v1/balance')).json().available;
      const r = await post(s, payload);
      expect(r.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(status);
      if (status === 202) continue;
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(r.json().code).toBe(code);
      if (path) expect(r.json().errors.map((e: { path: string }) => e.path)).toContain(path);
      expect(await counts(s.accountId)).toEqual(before);
      expect((await get(s, '/v1/balance')).json().available).toBe(balance);
    }
  });

  it('402 insufficient_credits before anything is queued; concurrent sends never take the balance below zero', async () => {
    const s = await signup(ts.app);
    const big = await post(s, {
      to: Array.from({ length: 300 }, (_, i) => `+3712${String(10000000 + i).slice(1)}`),
      text: 'x'.repeat(300),
    });
    expect(big.statusCode).toBe(402);
    expect(big.json().code).toBe('insufficient_credits');
    expect((await counts(s.accountId)).messages).toBe(0);

    // 10 credits at 0.05 each = 200 messages; fire 60 requests of 5 at once (300 messages).
    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        post(s, {
          to: Array.from({ length: 5 }, (_, j) => `+3712${String(10000000 + i * 5 + j).slice(1)}`),
          text: 'Hi',
        }),
      ),
    );
    const ok = responses.filter((r) => r.statusCode === 202).length;
    const refused = responses.filter((r) => r.statusCode === 402).length;
    expect(ok + refused).toBe(60);
    expect(ok).toBe(40);
    const balance = (await get(s, '/v1/balance')).json();
    expect(balance.available).toBeCloseTo(0, 9);
    expect((await counts(s.accountId)).messages).toBe(200);
    await deliverAll();
    const after = (await get(s, '/v1/balance')).json();
    expect(after.credits).toBeCloseTo(0, 9);
    expect(after.reserved).toBe(0);
  });

  it('single sends committed together share one dispatch job and one audit head write; a refused send adds nothing', async () => {
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    const jobsBefore = await db().selectFrom('jobs').select('id').execute();
    // 30 sends at once, every third refused by its Idempotency-Key (the same key, another body).
    await post(key, { to: LV, text: 'first' }, { 'Idempotency-Key': 'grouped' });
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        i % 3 === 0
          ? post(key, { to: LV, text: `other ${i}` }, { 'Idempotency-Key': 'grouped' })
          : post(key, { to: `+3712${String(10000000 + i).slice(1)}`, text: `grouped ${i}` }),
      ),
    );
    expect(responses.filter((r) => r.statusCode === 202)).toHaveLength(20);
    const accepted = responses.filter((r) => r.statusCode === 202).map((r) => r.json().data[0].id as string);
    const before = new Set(jobsBefore.map((j) => j.id));
    const jobs = (await db().selectFrom('jobs').select(['id', 'payload']).execute()).filter(
      (j) => !before.has(j.id),
    );
    const named = jobs.flatMap((j) => JSON.parse(j.payload).messageIds as string[]);
    // One job per commit group: fewer rows than messages, naming every accepted message once.
    expect(jobs.length).toBeLessThan(accepted.length);
    expect(named.filter((id) => accepted.includes(id)).sort()).toEqual([...accepted].sort());
    const ours = await db()
      .selectFrom('messages')
      .select('id')
      .where('account_id', '=', s.accountId)
      .execute();
    expect(named.filter((id) => ours.some((m) => m.id === id)).length).toBe(ours.length);
    // Their audit events chain intact: the chain's head was written once, at the group's end.
    const audit = await ts.system.services.audit.verify(db(), s.accountId);
    expect(audit.brokenAt).toBeNull();
    const accepts = await db()
      .selectFrom('audit_events')
      .select('id')
      .where('account_id', '=', s.accountId)
      .where('action', '=', 'messages.accepted')
      .execute();
    expect(accepts).toHaveLength(21);
    await deliverAll();
    const statuses = await db().selectFrom('messages').select('status').where('id', 'in', accepted).execute();
    expect(statuses.map((m) => m.status)).toEqual(accepted.map(() => 'delivered'));
  });

  it('schedules: a message waits for sendAt; an expired validity ends as expired with credits back', async () => {
    const s = await signup(ts.app);
    const sendAt = new Date(ts.clock.now() + 3600_000).toISOString();
    const scheduled = (await post(s, { to: LV, text: 'Later', sendAt })).json().data[0];
    expect(scheduled.status).toBe('scheduled');
    await ts.system.workOnce();
    expect((await get(s, `/v1/messages/${scheduled.id}`)).json().status).toBe('scheduled');

    const validUntil = new Date(ts.clock.now() + 1800_000).toISOString();
    const expiring = (
      await post(s, {
        to: LV,
        text: 'Soon',
        sendAt,
        validUntil: new Date(ts.clock.now() + 7200_000).toISOString(),
      })
    ).json().data[0];
    const bad = await post(s, { to: LV, text: 'x', sendAt, validUntil });
    expect(bad.json().code).toBe('invalid_schedule');
    ts.clock.advance(3600_000);
    await deliverAll();
    expect((await get(s, `/v1/messages/${scheduled.id}`)).json().status).toBe('delivered');
    expect((await get(s, `/v1/messages/${expiring.id}`)).json().status).toBe('delivered');

    // Accepted now but only valid for a minute; the dispatcher finds it after that minute.
    const short = (
      await post(s, { to: LV, text: 'Quick', validUntil: new Date(ts.clock.now() + 60_000).toISOString() })
    ).json().data[0];
    ts.clock.advance(61_000);
    await ts.system.workOnce();
    const expired = (await get(s, `/v1/messages/${short.id}`)).json();
    expect(expired).toMatchObject({ status: 'expired', error: { code: 'expired' } });
    expect((await get(s, '/v1/balance')).json()).toMatchObject({ credits: 9.9, reserved: 0 });
  });

  it('opted-out recipients are rejected with recipient_opted_out and not charged', async () => {
    const s = await signup(ts.app);
    await db()
      .insertInto('suppressions')
      .values({
        account_id: s.accountId,
        phone: DE,
        scope: 'all',
        reason: 'STOP',
        source: 'test',
        created_at: ts.clock.now(),
      })
      .execute();
    await db()
      .insertInto('suppressions')
      .values({
        account_id: s.accountId,
        phone: LV,
        scope: 'marketing',
        reason: 'STOP',
        source: 'test',
        created_at: ts.clock.now(),
      })
      .execute();
    const r = (await post(s, { to: [DE, LV], text: 'Sale!', type: 'marketing' })).json().data;
    expect(r.map((m: { status: string }) => m.status)).toEqual(['rejected', 'rejected']);
    expect(r[0].error.code).toBe('recipient_opted_out');
    const tx = (await post(s, { to: [DE, LV], text: 'Your order shipped', type: 'transactional' })).json()
      .data;
    expect(tx.map((m: { status: string }) => m.status)).toEqual(['rejected', 'queued']);
    expect((await get(s, '/v1/balance')).json().reserved).toBe(0.05);
  });

  it('undelivered and refused numbers end undelivered / failed; refunds follow the account policy', async () => {
    const s = await signup(ts.app);
    const [undelivered, refused] = (await post(s, { to: ['+37120000000', '+37129999999'], text: 'x' })).json()
      .data;
    await deliverAll();
    expect((await get(s, `/v1/messages/${undelivered.id}`)).json()).toMatchObject({
      status: 'undelivered',
      // The same normalised code from every adapter; the carrier's own code beside it.
      error: { code: 'undelivered', carrierCode: '001' },
    });
    expect((await get(s, `/v1/messages/${refused.id}`)).json()).toMatchObject({
      status: 'failed',
      error: { code: 'invalid_destination', carrierCode: 'SIM_REJECTED' },
    });
    // Default policy: the carrier was paid for the undelivered one; the refused one was released.
    expect((await get(s, '/v1/balance')).json()).toMatchObject({ credits: 9.95, reserved: 0 });

    await db()
      .updateTable('accounts')
      .set({ settings: JSON.stringify({ messaging: { refundPolicy: 'undelivered' } }) })
      .where('id', '=', s.accountId)
      .execute();
    const again = (await post(s, { to: '+37120000000', text: 'x' })).json().data[0];
    await deliverAll();
    expect((await get(s, `/v1/messages/${again.id}`)).json().status).toBe('undelivered');
    const ledger = (await get(s, '/v1/balance')).json();
    expect(ledger).toMatchObject({ credits: 9.95, reserved: 0 });
    expect(ledger.ledger.map((e: { kind: string }) => e.kind)).toContain('refund');
  });

  it('ignores duplicate and regressing receipts; a receipt that overtakes the submit answer is kept and applied', async () => {
    const s = await signup(ts.app);
    const m = (await post(s, { to: LV, text: 'x' })).json().data[0];
    const { outcomes } = ts.system.services;
    const now = ts.clock.now();
    await db()
      .transaction()
      .execute((tx) =>
        outcomes.applyReports(tx, [
          {
            routeId: 'simulator',
            carrierRef: 'early-1',
            status: 'delivered',
            errorCode: null,
            raw: 'stat:DELIVRD',
            at: now,
          },
        ]),
      );
    const row = await db()
      .selectFrom('messages')
      .selectAll()
      .where('id', '=', m.id)
      .executeTakeFirstOrThrow();
    await db()
      .transaction()
      .execute((tx) =>
        outcomes.applySendOutcomes(tx, [
          { message: row, outcome: { kind: 'sent', routeId: 'simulator', carrierRef: 'early-1' } },
        ]),
      );
    expect((await get(s, `/v1/messages/${m.id}`)).json().status).toBe('delivered');
    await db()
      .transaction()
      .execute((tx) =>
        outcomes.applyReports(tx, [
          {
            routeId: 'simulator',
            carrierRef: 'early-1',
            status: 'undelivered',
            errorCode: '5',
            raw: 'stat:UNDELIV',
            at: now,
          },
          {
            routeId: 'simulator',
            carrierRef: 'early-1',
            status: 'delivered',
            errorCode: null,
            raw: 'stat:DELIVRD',
            at: now,
          },
          {
            routeId: 'simulator',
            carrierRef: 'unknown-ref',
            status: 'delivered',
            errorCode: null,
            raw: 'stat:DELIVRD',
            at: now,
          },
        ]),
      );
    const after = (await get(s, `/v1/messages/${m.id}`)).json();
    expect(after.status).toBe('delivered');
    expect(after.events.map((e: { status: string }) => e.status)).toEqual(['queued', 'sent', 'delivered']);
    const raw = await db()
      .selectFrom('delivery_reports')
      .select('carrier_ref')
      .where('carrier_ref', 'in', ['early-1', 'unknown-ref'])
      .execute();
    expect(raw).toHaveLength(4);
  });

  it('Idempotency-Key replays the first answer and refuses another body', async () => {
    const s: Session = await signup(ts.app);
    const a = await post(s, { to: LV, text: 'once' }, { 'idempotency-key': 'k-1' });
    const b = await post(s, { to: LV, text: 'once' }, { 'idempotency-key': 'k-1' });
    expect(b.statusCode).toBe(202);
    expect(b.json().data[0].id).toBe(a.json().data[0].id);
    const c = await post(s, { to: LV, text: 'twice' }, { 'idempotency-key': 'k-1' });
    expect(c.statusCode).toBe(422);
    expect(c.json().code).toBe('idempotency_key_reused');
    expect((await counts(s.accountId)).messages).toBe(1);
  });

  it('previews encoding, segments and cost without sending', async () => {
    const s = await signup(ts.app);
    const r = await ts.app.inject({
      method: 'POST',
      url: '/v1/messages/preview',
      headers: s.headers,
      payload: { to: [LV, DE], text: 'Cześć 😀' },
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      encoding: 'UCS-2',
      segments: 1,
      nonGsmCharacters: ['ś', 'ć', '😀'],
      total: 0.13,
      currency: 'credits',
      recipients: [
        { to: LV, country: 'LV', price: 0.05 },
        { to: DE, country: 'DE', price: 0.08 },
      ],
    });
    expect((await counts(s.accountId)).messages).toBe(0);
  });

  it('operator price lists and account settings change what a send costs and accepts', async () => {
    const s = await signup(ts.app);
    const op = await staffSession(ts, 'operator');
    const preview = async () =>
      (
        await ts.app.inject({
          method: 'POST',
          url: '/v1/messages/preview',
          headers: s.headers,
          payload: { to: LV, text: 'x' },
        })
      ).json();
    expect(
      (await ts.app.inject({ method: 'GET', url: '/v1/admin/prices', headers: op.headers })).json().countries
        .LV,
    ).toBe(0.05);
    const bad = await ts.app.inject({
      method: 'PUT',
      url: '/v1/admin/prices',
      headers: op.headers,
      payload: { default: 0.1, countries: { XX: 1 } },
    });
    expect(bad.statusCode).toBe(400);
    const negative = await ts.app.inject({
      method: 'PUT',
      url: '/v1/admin/prices',
      headers: op.headers,
      payload: { default: -1, countries: {} },
    });
    expect(negative.statusCode).toBe(400);
    const own = await ts.app.inject({
      method: 'PUT',
      url: `/v1/admin/accounts/${s.accountId}/prices`,
      headers: op.headers,
      payload: { default: 0.2, countries: { LV: 0.011 } },
    });
    expect(own.statusCode).toBe(200);
    expect((await preview()).total).toBe(0.011);
    expect((await get(s, '/v1/prices')).json().perSegment.countries.LV).toBe(0.011);
    await ts.app.inject({
      method: 'DELETE',
      url: `/v1/admin/accounts/${s.accountId}/prices`,
      headers: op.headers,
    });
    expect((await preview()).total).toBe(0.05);

    const national = await post(s, { to: '21234567', text: 'x' });
    expect(national.json().code).toBe('invalid_phone_number');
    const settings = await ts.app.inject({
      method: 'PATCH',
      url: '/v1/account/settings',
      headers: s.headers,
      payload: { defaultCountry: 'LV', maxSegments: 2 },
    });
    expect(settings.json()).toMatchObject({ defaultCountry: 'LV', maxSegments: 2, refundPolicy: 'none' });
    expect((await post(s, { to: '21234567', text: 'x' })).json().data[0].to).toBe(LV);
    expect((await post(s, { to: LV, text: 'x'.repeat(400) })).json().code).toBe('message_too_long');
    const refund = await ts.app.inject({
      method: 'PATCH',
      url: '/v1/account/settings',
      headers: s.headers,
      payload: { refundPolicy: 'undelivered' },
    });
    expect(refund.statusCode).toBe(400);
    const byOperator = await ts.app.inject({
      method: 'PATCH',
      url: `/v1/admin/accounts/${s.accountId}/settings`,
      headers: op.headers,
      payload: { refundPolicy: 'undelivered' },
    });
    expect(byOperator.json().refundPolicy).toBe('undelivered');
  });

  it('a suspended account cannot send', async () => {
    const s = await signup(ts.app);
    const op = await staffSession(ts, 'operator');
    await ts.app.inject({
      method: 'POST',
      url: `/v1/admin/accounts/${s.accountId}/suspend`,
      headers: op.headers,
    });
    const r = await post(s, { to: LV, text: 'x' });
    expect(r.statusCode).toBe(403);
    expect(r.json().code).toBe('account_suspended');
  });

  it('lists messages with filters and cursor pagination', async () => {
    const s = await signup(ts.app);
    await post(s, { to: [LV, DE, LV], text: 'a' });
    const first = (await get(s, '/v1/messages?limit=2')).json();
    expect(first.data).toHaveLength(2);
    const second = (await get(s, `/v1/messages?limit=2&cursor=${first.nextCursor}`)).json();
    expect(second.data).toHaveLength(1);
    expect((await get(s, `/v1/messages?to=${encodeURIComponent(DE)}`)).json().data).toHaveLength(1);
    expect((await get(s, '/v1/messages?status=delivered')).json().data).toHaveLength(0);
    expect((await get(s, '/v1/messages?status=bogus')).statusCode).toBe(400);
    expect((await get(s, '/v1/messages/msg_nope')).statusCode).toBe(404);
  });
  it("counts messages per day and status for dashboards, in the caller's time zone", async () => {
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    const dayOf = (ms: number, offsetMin: number) =>
      new Date(ms + offsetMin * 60_000).toISOString().slice(0, 10);
    const first = ts.clock.now();
    expect((await post(key, { to: [LV, DE], text: 'one' })).statusCode).toBe(202);
    await deliverAll();
    ts.clock.advance(24 * 3600_000);
    expect((await post(key, { to: LV, text: 'two' })).statusCode).toBe(202);
    const r = await get(key, '/v1/messages/stats?days=7&utcOffsetMinutes=120');
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().days).toEqual([
      { day: dayOf(first, 120), total: 2, byStatus: { delivered: 2 } },
      { day: dayOf(ts.clock.now(), 120), total: 1, byStatus: { queued: 1 } },
    ]);
    const one = await get(key, '/v1/messages/stats?days=1&utcOffsetMinutes=120');
    expect(one.json().days).toEqual([{ day: dayOf(ts.clock.now(), 120), total: 1, byStatus: { queued: 1 } }]);
    expect((await get(key, '/v1/messages/stats?days=0')).statusCode).toBe(400);
    expect((await get(key, '/v1/messages/stats?utcOffsetMinutes=5000')).statusCode).toBe(400);
  });
});
