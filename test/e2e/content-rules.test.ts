import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/storage';
import { type Session, signup, staffSession, startTestSystem, type TestSystem } from '../helpers/system';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

const LV = '+37121234567';

describe.each(DIALECTS)('content rules and held messages on %s', (dialect) => {
  let ts: TestSystem;
  let staff: Session;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    ts = await startTestSystem(dialect, {
      PUBLIC_URL: 'https://sms.example.com',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      SIMULATOR_DELIVERY_DELAY_MS: '1000',
    });
    staff = await staffSession(ts);
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await ts?.close();
  });

  const call = (
    s: { headers: Record<string, string> },
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    payload?: object,
  ) => ts.app.inject({ method, url, headers: s.headers, ...(payload ? { payload } : {}) });
  const send = (s: Session, payload: object) => call(s, 'POST', '/v1/messages', payload);
  const balance = async (s: Session) =>
    (await call(s, 'GET', '/v1/balance')).json() as { credits: number; reserved: number };
  const message = async (s: Session, id: string) => (await call(s, 'GET', `/v1/messages/${id}`)).json();

  it('a seeded URL shortener rejects the message with content_blocked and the rule; nothing is charged', async () => {
    const client = await signup(ts.app);
    const before = await balance(client);
    const sent = await send(client, { to: [LV, '+37121234568'], text: 'Your parcel: bit.ly/3xYz now' });
    expect(sent.statusCode).toBe(202);
    const [first] = sent.json().data;
    expect(first).toMatchObject({
      status: 'rejected',
      price: 0,
      error: { code: 'content_blocked', detail: expect.stringContaining('blocked domain bit.ly') },
    });
    expect(first.error.detail).toMatch(/rule crl_seed_/);
    // A subdomain and a scheme count too; a word merely containing the name does not.
    expect((await send(client, { to: LV, text: 'see https://www.bit.ly/a' })).json().data[0].status).toBe(
      'rejected',
    );
    const fine = (await send(client, { to: LV, text: 'orbit.lyrics is fine' })).json().data[0];
    expect(fine.status).toBe('queued');
    const after = await balance(client);
    expect(after.reserved - before.reserved).toBeCloseTo(fine.price, 6);
    const view = await message(client, first.id);
    expect(view.events.at(-1)).toMatchObject({
      status: 'rejected',
      detail: expect.stringContaining('content_blocked'),
    });
  });

  it('an account allow-list lets it past one rule; the platform short links pass only when they are its own', async () => {
    const client = await signup(ts.app);
    const other = await signup(ts.app);
    const allowed = await call(staff, 'POST', `/v1/admin/accounts/${client.accountId}/content-allows`, {
      kind: 'domain',
      value: 'https://tinyurl.com/',
      note: 'their own branded links',
    });
    expect(allowed.statusCode).toBe(201);
    expect(allowed.json()).toMatchObject({ kind: 'domain', value: 'tinyurl.com' });
    expect((await send(client, { to: LV, text: 'tinyurl.com/abc' })).json().data[0].status).toBe('queued');
    expect((await send(other, { to: LV, text: 'tinyurl.com/abc' })).json().data[0].status).toBe('rejected');

    await ts.system.storage.db
      .insertInto('links')
      .values({
        code: 'Own123',
        account_id: client.accountId,
        message_id: 'msg_x',
        target_url: 'https://acme.example/',
        created_at: 0,
      })
      .execute();
    const link = 'https://sms.example.com/l/Own123';
    expect((await send(client, { to: LV, text: `Track it: ${link}` })).json().data[0].status).toBe('queued');
    const foreign = (await send(other, { to: LV, text: `Track it: ${link}` })).json().data[0];
    expect(foreign).toMatchObject({
      status: 'rejected',
      error: { detail: expect.stringContaining('platform_short_links') },
    });

    const list = await call(staff, 'GET', `/v1/admin/accounts/${client.accountId}/content-allows`);
    expect(
      (
        await call(
          staff,
          'DELETE',
          `/v1/admin/accounts/${client.accountId}/content-allows/${list.json().data[0].id}`,
        )
      ).statusCode,
    ).toBe(204);
    expect((await send(client, { to: LV, text: 'tinyurl.com/abc' })).json().data[0].status).toBe('rejected');
  });

  it('a hold rule keeps the message held, uncharged, until the operator releases or rejects it', async () => {
    const client = await signup(ts.app);
    const hook = await call(client, 'POST', '/v1/webhooks', {
      url: receiver.url,
      events: ['message.status'],
    });
    expect(hook.statusCode).toBe(201);
    const rule = await call(staff, 'POST', '/v1/admin/content-rules', {
      kind: 'term',
      value: 'Free  Prize',
      action: 'hold',
      note: 'prize scams: review',
    });
    expect(rule.json()).toMatchObject({ kind: 'term', value: 'free prize', action: 'hold' });
    const before = await balance(client);
    const sent = await send(client, { to: [LV, '+37121234568'], text: 'You won a FREE prize!' });
    const [a, b] = sent.json().data as Array<{
      id: string;
      status: string;
      price: number;
      hold: { code: string; detail: string };
    }>;
    expect(a).toMatchObject({
      status: 'held',
      hold: { code: 'content_held', detail: expect.stringContaining('"free prize"') },
    });
    expect((await balance(client)).reserved).toBeCloseTo(before.reserved, 6);
    // Whole words only.
    const free = (await send(client, { to: LV, text: 'carefree prizes' })).json().data[0];
    expect(free.status).toBe('queued');
    await ts.system.workOnce();
    expect((await message(client, a!.id)).status).toBe('held');

    const queue = await call(staff, 'GET', '/v1/admin/held-messages');
    expect(queue.json().data.map((m: { id: string }) => m.id)).toEqual([a!.id, b!.id]);
    expect(queue.json().data[0]).toMatchObject({
      accountId: client.accountId,
      hold: { code: 'content_held' },
    });

    const reservedBefore = (await balance(client)).reserved;
    const released = await call(staff, 'POST', `/v1/admin/held-messages/${a!.id}/release`, {
      note: 'a real raffle',
    });
    expect(released.json()).toMatchObject({ status: 'queued' });
    expect((await balance(client)).reserved).toBeCloseTo(reservedBefore + a!.price, 6);
    // API.md's review queue answers the same: b waits there, and `block` is the reject.
    const review = await call(staff, 'GET', '/v1/admin/review');
    expect(review.json().heldMessages.map((m: { id: string }) => m.id)).toEqual([b!.id]);
    expect(review.json()).toMatchObject({ senderIds: [], countryRequests: [] });
    const rejected = await call(staff, 'POST', `/v1/admin/review/${b!.id}/block`, { note: 'no' });
    expect(rejected.json()).toMatchObject({
      status: 'rejected',
      price: 0,
      error: { code: 'content_blocked' },
    });
    expect((await call(staff, 'POST', `/v1/admin/held-messages/${b!.id}/release`, {})).statusCode).toBe(409);

    await ts.system.workOnce();
    ts.clock.advance(1001);
    await ts.system.workOnce();
    expect((await message(client, a!.id)).status).toBe('delivered');
    expect((await message(client, b!.id)).events.map((e: { status: string }) => e.status)).toEqual([
      'held',
      'rejected',
    ]);
    await ts.system.workOnce();
    const statuses = receiver.received
      .map((r) => JSON.parse(r.body))
      .filter((e) => e.data.messageId === a!.id)
      .map((e) => e.data.status);
    expect(statuses[0]).toBe('held');
    expect(statuses).toContain('queued');
    const audit = await ts.system.storage.db
      .selectFrom('audit_events')
      .select('action')
      .where('target_id', 'in', [a!.id, b!.id])
      .execute();
    expect(audit.map((e) => e.action).sort()).toEqual([
      'message.held_rejected',
      'message.released',
      'messages.accepted',
    ]);
    expect((await call(staff, 'DELETE', `/v1/admin/content-rules/${rule.json().id}`)).statusCode).toBe(204);
  });
});
