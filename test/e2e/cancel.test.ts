import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RouteError } from '../../src/modules/dispatch';
import { DIALECTS } from '../helpers/storage';
import { createApiKey, signup, startTestSystem, type TestSystem } from '../helpers/system';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

const LV = '+37121234567';

describe.each(DIALECTS)('cancelling a message on %s', (dialect) => {
  let ts: TestSystem;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    ts = await startTestSystem(dialect, {
      WEBHOOK_ALLOW_PRIVATE: 'true',
      SIMULATOR_DELIVERY_DELAY_MS: '1000',
    });
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await ts?.close();
  });

  const post = (s: { headers: Record<string, string> }, url: string, payload?: object) =>
    ts.app.inject({ method: 'POST', url, headers: s.headers, ...(payload ? { payload } : {}) });
  const get = (s: { headers: Record<string, string> }, url: string) =>
    ts.app.inject({ method: 'GET', url, headers: s.headers });

  it('a scheduled message becomes cancelled: credits released, event and webhook, never dispatched', async () => {
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    const hook = await post(key, '/v1/webhooks', {
      url: `${receiver.url}/cancel`,
      events: ['message.status'],
    });
    expect(hook.statusCode, hook.body).toBe(201);
    receiver.clear();
    const sendAt = new Date(ts.clock.now() + 3 * 24 * 3600_000).toISOString();
    const accepted = await post(key, '/v1/messages', {
      to: LV,
      text: 'See you Friday',
      sendAt,
      reference: 'r-1',
    });
    expect(accepted.statusCode, accepted.body).toBe(202);
    const message = accepted.json().data[0];
    expect(message.status).toBe('scheduled');
    expect((await get(key, '/v1/balance')).json()).toMatchObject({ credits: 10, reserved: 0.05 });

    const cancelled = await post(key, `/v1/messages/${message.id}/cancel`);
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(cancelled.json()).toMatchObject({ id: message.id, status: 'cancelled' });
    expect((await get(key, '/v1/balance')).json()).toMatchObject({
      credits: 10,
      reserved: 0,
      available: 10,
    });
    const view = (await get(key, `/v1/messages/${message.id}`)).json();
    expect(view.status).toBe('cancelled');
    expect(view.events.map((e: { status: string }) => e.status)).toEqual(['scheduled', 'cancelled']);
    const filtered = (await get(key, '/v1/messages?status=cancelled')).json();
    expect(filtered.data.map((m: { id: string }) => m.id)).toEqual([message.id]);

    // The send time passes: the dispatcher skips it, nothing is sent or charged.
    ts.clock.advance(3 * 24 * 3600_000 + 1000);
    await ts.system.workOnce();
    const after = (await get(key, `/v1/messages/${message.id}`)).json();
    expect(after).toMatchObject({ status: 'cancelled' });
    expect(after.route).toBeNull();
    expect((await get(key, '/v1/balance')).json()).toMatchObject({ credits: 10, reserved: 0 });

    await receiver.waitFor(1);
    const bodies = receiver.received.map((r) => JSON.parse(r.body));
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toMatchObject({
      type: 'message.status',
      data: { messageId: message.id, status: 'cancelled', reference: 'r-1' },
    });

    const again = await post(key, `/v1/messages/${message.id}/cancel`);
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('message_not_cancellable');
  });

  it('a queued message can be cancelled; once sent it answers 409 message_not_cancellable', async () => {
    const s = await signup(ts.app);
    const queued = (await post(s, '/v1/messages', { to: LV, text: 'Now' })).json().data[0];
    expect(queued.status).toBe('queued');
    const r = await post(s, `/v1/messages/${queued.id}/cancel`);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().status).toBe('cancelled');

    const sent = (await post(s, '/v1/messages', { to: LV, text: 'Now too' })).json().data[0];
    await ts.system.workOnce();
    expect((await get(s, `/v1/messages/${sent.id}`)).json().status).toBe('sent');
    const late = await post(s, `/v1/messages/${sent.id}/cancel`);
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ code: 'message_not_cancellable' });
    expect(late.json().detail).toMatch(/sent/);
    expect((await get(s, '/v1/balance')).json()).toMatchObject({ credits: 9.95, reserved: 0 });

    // Another account's message is not found, not refused.
    const other = await signup(ts.app);
    expect((await post(other, `/v1/messages/${sent.id}/cancel`)).statusCode).toBe(404);
    expect((await post(other, '/v1/messages/msg_nope/cancel')).statusCode).toBe(404);
  });

  it('a message waiting to retry after a carrier error is queued again, and can still be cancelled', async () => {
    const s = await signup(ts.app);
    const message = (await post(s, '/v1/messages', { to: LV, text: 'Retry me' })).json().data[0];
    const route = ts.system.services.simulator;
    const send = route.send;
    route.send = async () => {
      throw new RouteError('throttled', 'the carrier asked us to slow down');
    };
    try {
      await ts.system.services.dispatcher.runOnce();
    } finally {
      route.send = send;
    }
    expect((await get(s, `/v1/messages/${message.id}`)).json().status).toBe('queued');
    const r = await post(s, `/v1/messages/${message.id}/cancel`);
    expect(r.statusCode, r.body).toBe(200);
    ts.clock.advance(600_000);
    await ts.system.workOnce();
    expect((await get(s, `/v1/messages/${message.id}`)).json().status).toBe('cancelled');
    expect((await get(s, '/v1/balance')).json()).toMatchObject({ credits: 10, reserved: 0 });
  });

  it('the API contract lists the cancel path and the cancelled status', async () => {
    const spec = (await ts.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(spec.paths['/v1/messages/{id}/cancel']?.post).toBeDefined();
    const status = spec.paths['/v1/messages'].get.parameters.find(
      (p: { name: string }) => p.name === 'status',
    );
    // One status or several: the parameter names every status, cancelled among them.
    expect(JSON.stringify(status)).toMatch(/\bcancelled\b/);
  });

  it('a cancel that arrives while the dispatcher hands the message to the carrier is refused', async () => {
    const s = await signup(ts.app);
    const message = (await post(s, '/v1/messages', { to: LV, text: 'Racing' })).json().data[0];
    const route = ts.system.services.simulator;
    const send = route.send;
    let midSend: { statusCode: number; code: string } | null = null;
    route.send = async (request) => {
      const r = await post(s, `/v1/messages/${message.id}/cancel`);
      midSend = { statusCode: r.statusCode, code: r.json().code };
      return send.call(route, request);
    };
    try {
      await ts.system.services.dispatcher.runOnce();
    } finally {
      route.send = send;
    }
    expect(midSend).toEqual({ statusCode: 409, code: 'message_not_cancellable' });
    const view = (await get(s, `/v1/messages/${message.id}`)).json();
    expect(view.status).toBe('sent');
    expect((await get(s, '/v1/balance')).json()).toMatchObject({ credits: 9.95, reserved: 0 });
  });
});
