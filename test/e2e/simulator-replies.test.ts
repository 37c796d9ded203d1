import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../src/modules/webhooks';
import { DIALECTS } from '../helpers/storage';
import { type Session, signup, staffSession, startTestSystem, type TestSystem } from '../helpers/system';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

const INBOUND = '/v1/dev/simulator/inbound';

describe.each(DIALECTS)('replies from the simulator on %s', (dialect) => {
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

  /** A fresh Latvian mobile number, different in every test. */
  const freshNumber = () => `+3712${String(4_000_000 + ++serial * 19).padStart(7, '0')}`;
  const call = (
    s: { headers: Record<string, string> },
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    payload?: object,
  ) => ts.app.inject({ method, url, headers: s.headers, ...(payload ? { payload } : {}) });

  async function send(s: Session, payload: object): Promise<{ id: string; status: string; from: string }> {
    const r = await call(s, 'POST', '/v1/messages', payload);
    expect(r.statusCode, r.body).toBe(202);
    await ts.system.workOnce();
    return r.json().data[0];
  }

  it('a reply to a simulated message reaches the inbox and the message.received webhook, as a carrier MO would', async () => {
    const s = await signup(ts.app);
    const hook = await call(s, 'POST', '/v1/webhooks', {
      url: `${receiver.url}/mo`,
      events: ['message.received'],
    });
    expect(hook.statusCode).toBe(201);
    const phone = freshNumber();
    const sent = await send(s, { to: phone, text: 'Your table is booked', from: 'Bistro' });
    const view = (await call(s, 'GET', `/v1/messages/${sent.id}`)).json();
    expect(view.simulated).toBe(true);

    const reply = await call(s, 'POST', INBOUND, { from: phone, text: 'Thanks, see you!' });
    expect(reply.statusCode, reply.body).toBe(201);
    // To the sender the phone got the message from, through the built-in simulator.
    expect(reply.json()).toMatchObject({
      id: expect.stringMatching(/^inb_/),
      from: phone,
      to: 'Bistro',
      text: 'Thanks, see you!',
      route: 'simulator',
    });
    const inbox = (await call(s, 'GET', '/v1/inbound')).json().data;
    expect(inbox).toEqual([expect.objectContaining({ id: reply.json().id, from: phone })]);

    await ts.system.workOnce();
    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0]!;
    expect(verifyWebhookSignature(hook.json().secret, got.headers, got.body, 300, ts.clock.now())).toBe(true);
    expect(JSON.parse(got.body)).toMatchObject({
      type: 'message.received',
      data: { from: phone, to: 'Bistro', text: 'Thanks, see you!' },
    });

    // Another account never sees it.
    const other = await signup(ts.app);
    expect((await call(other, 'GET', '/v1/inbound')).json().data).toEqual([]);
  });

  it('STOP puts the number on the suppression list, START takes it off, as for real replies', async () => {
    const s = await signup(ts.app);
    const phone = freshNumber();
    await send(s, { to: phone, text: 'Sale today! Reply STOP to opt out', type: 'marketing' });
    const stop = await call(s, 'POST', INBOUND, { from: phone, text: 'stop' });
    expect(stop.statusCode, stop.body).toBe(201);
    const suppressed = (await call(s, 'GET', '/v1/suppressions')).json().data;
    expect(suppressed).toEqual([expect.objectContaining({ phone, source: 'stop_reply' })]);
    const refused = await call(s, 'POST', '/v1/messages', {
      to: phone,
      text: 'Another sale! Reply STOP to opt out',
      type: 'marketing',
    });
    expect(refused.json().data[0]).toMatchObject({ status: 'rejected' });

    expect((await call(s, 'POST', INBOUND, { from: phone, text: 'START' })).statusCode).toBe(201);
    expect((await call(s, 'GET', '/v1/suppressions')).json().data).toEqual([]);
  });

  it("replies to the account's own number when it has one, never to another account's", async () => {
    const s = await signup(ts.app);
    const other = await signup(ts.app);
    const own = freshNumber();
    const theirs = freshNumber();
    for (const [number, accountId] of [
      [own, s.accountId],
      [theirs, other.accountId],
    ]) {
      const r = await call(operator, 'POST', '/v1/admin/numbers', { number, accountId });
      expect(r.statusCode, r.body).toBe(201);
    }
    const phone = freshNumber();
    // Nothing sent to the phone yet: the account's number is where it replies.
    const first = await call(s, 'POST', INBOUND, { from: phone, text: 'Hello?' });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ to: own });
    const explicit = await call(s, 'POST', INBOUND, { from: phone, to: own, text: 'Again' });
    expect(explicit.json()).toMatchObject({ to: own });

    const foreign = await call(s, 'POST', INBOUND, { from: phone, to: theirs, text: 'Hi' });
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: '/body/to' }] });
    expect((await call(other, 'GET', '/v1/inbound')).json().data).toEqual([]);
  });

  it('refuses bad input with problem+json and stores nothing', async () => {
    const s = await signup(ts.app);
    const phone = freshNumber();
    const cases: Array<[object, number, string]> = [
      [{ from: 'not a number', text: 'hi' }, 422, 'invalid_phone_number'],
      [{ from: phone }, 400, 'validation_failed'],
      [{ from: phone, text: '' }, 400, 'validation_failed'],
      [{ from: phone, text: 'x'.repeat(1601) }, 400, 'validation_failed'],
      [{ from: phone, text: 'hi', extra: 1 }, 400, 'validation_failed'],
      // Nothing was sent to this phone and the account has no number: where would it reply?
      [{ from: phone, text: 'hi' }, 400, 'validation_failed'],
      [{ from: phone, to: 'a sender id that is far too long', text: 'hi' }, 400, 'validation_failed'],
      [{ from: phone, to: '<script>', text: 'hi' }, 400, 'validation_failed'],
    ];
    for (const [payload, status, code] of cases) {
      const r = await call(s, 'POST', INBOUND, payload);
      expect(r.statusCode, JSON.stringify(payload)).toBe(status);
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(r.json().code).toBe(code);
    }
    expect((await call(s, 'GET', '/v1/inbound')).json().data).toEqual([]);
    const anonymous = await ts.app.inject({
      method: 'POST',
      url: INBOUND,
      payload: { from: phone, text: 'hi' },
    });
    expect(anonymous.statusCode).toBe(401);
  });

  it('answers 409 simulator_not_in_use while a real route carries the messages, and works again under a rule that allows the simulator', async () => {
    const s = await signup(ts.app);
    const phone = freshNumber();
    const route = await call(operator, 'POST', '/v1/admin/routes', {
      name: 'carrier',
      type: 'smpp',
      // Nothing listens there: the route exists and is enabled, which is what routing looks at.
      config: { host: '127.0.0.1', port: 9, systemId: 'acme', password: 'secret1' },
    });
    expect(route.statusCode, route.body).toBe(201);
    try {
      const refused = await call(s, 'POST', INBOUND, { from: phone, to: 'Acme', text: 'hi' });
      expect(refused.statusCode).toBe(409);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.json().code).toBe('simulator_not_in_use');
      expect((await call(s, 'GET', '/v1/inbound')).json().data).toEqual([]);

      // The operator lets this account's traffic go through the simulator: replies work again for it.
      const rule = await call(operator, 'POST', '/v1/admin/routing-rules', {
        priority: 1,
        match: { accountId: s.accountId },
        routeIds: ['simulator'],
        allowSimulator: true,
      });
      expect(rule.statusCode, rule.body).toBe(201);
      const allowed = await call(s, 'POST', INBOUND, { from: phone, to: 'Acme', text: 'hi' });
      expect(allowed.statusCode, allowed.body).toBe(201);
      const other = await signup(ts.app);
      const stillRefused = await call(other, 'POST', INBOUND, { from: phone, to: 'Acme', text: 'hi' });
      expect(stillRefused.json().code).toBe('simulator_not_in_use');
      await call(operator, 'DELETE', `/v1/admin/routing-rules/${rule.json().id}`);
    } finally {
      await call(operator, 'DELETE', `/v1/admin/routes/${route.json().id}`);
    }
  });
});
