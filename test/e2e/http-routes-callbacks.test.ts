import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAggregator, startFakeAggregator } from '../helpers/fake-aggregator';
import { httpRouteCalls, kannelConfig, smsGateConfig } from '../helpers/http-routes';
import { DIALECTS } from '../helpers/storage';
import { type Session, signup, staffSession, startTestSystem, type TestSystem } from '../helpers/system';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

/**
 * Carriers calling back on /hooks/routes/:routeId/:kind: Kannel's GET delivery reports and MO, SMS
 * Gate-style JSON webhooks; checked, stored, answered, then applied by the background worker.
 */
describe.each(DIALECTS)('generic HTTP route callbacks on %s', (dialect) => {
  let ts: TestSystem;
  let op: Session;
  let receiver: WebhookReceiver;
  const fakes: FakeAggregator[] = [];
  const { addRoute, routeFor, send, view, health, work, admin } = httpRouteCalls(
    () => ts,
    () => op,
  );
  const db = () => ts.system.storage.db;
  const hook = (method: 'GET' | 'POST', url: string, body?: string, contentType = 'application/json') =>
    ts.app.inject({
      method,
      url,
      ...(body !== undefined ? { payload: body, headers: { 'content-type': contentType } } : {}),
    });
  /** What Kannel would call: the dlr-url it was given, escape codes expanded. */
  const kannelDlr = (dlrUrl: string, type: number, reply = 'id:1 sub:001 dlvrd:001 stat:DELIVRD err:000') => {
    const url = new URL(dlrUrl.replace('%d', String(type)).replace('%A', encodeURIComponent(reply)));
    return `${url.pathname}${url.search}`;
  };
  const callbacksOf = (routeId: string) =>
    db().selectFrom('route_callbacks').selectAll().where('route_id', '=', routeId).orderBy('id').execute();

  beforeAll(async () => {
    ts = await startTestSystem(dialect, {
      PUBLIC_URL: 'https://sms.example.test',
      WEBHOOK_ALLOW_PRIVATE: 'true',
    });
    op = await staffSession(ts, 'operator');
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    for (const f of fakes) await f.close();
    await receiver?.close();
    await ts?.close();
  });

  it('Kannel DLR: right token → stored, answered, applied, delivered, webhook; duplicates change nothing', async () => {
    const smsbox = await startFakeAggregator(() => ({ status: 202, body: '0: Accepted for delivery' }));
    fakes.push(smsbox);
    const route = await addRoute('kannel-dlr', kannelConfig(smsbox.url));
    const client = await signup(ts.app);
    const subscribed = await ts.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: client.headers,
      payload: { url: `${receiver.url}/dlr`, events: ['message.status'] },
    });
    expect(subscribed.statusCode, subscribed.body).toBe(201);
    await routeFor(client, [route.id]);
    const [id] = await send(client, ['+37120000031'], 'delivered soon');
    await work();
    expect(await view(client, id!)).toMatchObject({ status: 'sent' });
    const dlrUrl = smsbox.received[0]!.query['dlr-url']!;

    const answer = await hook('GET', kannelDlr(dlrUrl, 1));
    expect(answer.statusCode).toBe(200);
    expect(answer.body).toBe('');
    const [stored] = await callbacksOf(route.id);
    expect(stored).toMatchObject({ kind: 'status', method: 'GET', status: 'pending', attempts: 0 });
    expect(stored!.url).toContain('token=***');
    expect(stored!.url).not.toContain(route.token);
    await work();
    expect(await view(client, id!)).toMatchObject({ status: 'delivered' });
    expect((await callbacksOf(route.id))[0]).toMatchObject({ status: 'applied', attempts: 1 });
    const delivered = () =>
      receiver.received.filter((r) => r.body.includes(id!) && r.body.includes('"delivered"')).length;
    expect(delivered()).toBe(1);

    // The same report again, and a late contradicting one: stored and applied, but nothing moves.
    expect((await hook('GET', kannelDlr(dlrUrl, 1))).statusCode).toBe(200);
    expect((await hook('GET', kannelDlr(dlrUrl, 2, 'stat:UNDELIV err:001'))).statusCode).toBe(200);
    const eventsBefore = receiver.received.length;
    await work();
    expect(await view(client, id!)).toMatchObject({ status: 'delivered' });
    expect((await callbacksOf(route.id)).map((c) => c.status)).toEqual(['applied', 'applied', 'applied']);
    expect(receiver.received.length).toBe(eventsBefore);
    expect(delivered()).toBe(1);
  });

  it('a wrong or missing token is refused with 401 invalid_signature, counted in the route health', async () => {
    const route = await addRoute('kannel-token', kannelConfig('http://127.0.0.1:9'));
    const base = `/hooks/routes/${route.id}/status`;
    const wrong = await hook('GET', `${base}?token=not-the-token-at-all&ref=msg_1&type=1`);
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['content-type']).toContain('application/problem+json');
    expect(wrong.json()).toMatchObject({
      code: 'invalid_signature',
      detail: expect.stringContaining('wrong token'),
    });
    expect((await hook('GET', `${base}?ref=msg_1&type=1`)).statusCode).toBe(401);
    expect(await callbacksOf(route.id)).toEqual([]);
    expect((await health(route.id)).callbackSignatureFailures).toBe(2);
    // The right one passes, even as a POST with a form body.
    const ok = await hook(
      'POST',
      `${base}?token=${route.token}&ref=msg_1&type=8`,
      'x=1',
      'application/x-www-form-urlencoded',
    );
    expect(ok.statusCode).toBe(200);
    expect((await callbacksOf(route.id))[0]).toMatchObject({ method: 'POST', body: 'x=1' });
  });

  it('with a callback user set, Basic auth must match too', async () => {
    const route = await addRoute(
      'basic',
      kannelConfig('http://127.0.0.1:9', { callbackUsername: 'carrier', callbackPassword: 's3cret' }),
    );
    const url = `/hooks/routes/${route.id}/status?token=${route.token}&ref=x&type=1`;
    const auth = (user: string) => `Basic ${Buffer.from(user).toString('base64')}`;
    expect((await ts.app.inject({ method: 'GET', url })).statusCode).toBe(401);
    expect(
      (await ts.app.inject({ method: 'GET', url, headers: { authorization: auth('carrier:wrong') } }))
        .statusCode,
    ).toBe(401);
    expect(
      (await ts.app.inject({ method: 'GET', url, headers: { authorization: auth('carrier:s3cret') } }))
        .statusCode,
    ).toBe(200);
  });

  it('SMS Gate-style JSON: a DLR for an unknown reference is kept and matched when the message appears', async () => {
    const gate = await startFakeAggregator(() => ({
      status: 202,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'gate-ref-1', state: 'Pending', recipients: [] }),
    }));
    fakes.push(gate);
    const route = await addRoute('gate', smsGateConfig(gate.url));
    const early = await hook(
      'POST',
      `/hooks/routes/${route.id}/status?token=${route.token}`,
      JSON.stringify({
        deviceId: 'd1',
        event: 'sms:delivered',
        id: 'w1',
        payload: { messageId: 'gate-ref-1' },
      }),
    );
    expect(early.statusCode).toBe(200);
    await work();
    expect((await callbacksOf(route.id))[0]).toMatchObject({ status: 'applied' });
    const waiting = await db()
      .selectFrom('delivery_reports')
      .selectAll()
      .where('carrier_ref', '=', 'gate-ref-1')
      .execute();
    expect(waiting).toHaveLength(1);
    expect(waiting[0]).toMatchObject({ status: 'delivered', applied_at: null });

    const client = await signup(ts.app);
    await routeFor(client, [route.id]);
    const [id] = await send(client, ['+37120000032'], 'Labdien "Rīga"\n');
    await work();
    expect(JSON.parse(gate.received[0]!.body)).toEqual({
      id,
      message: 'Labdien "Rīga"\n',
      phoneNumbers: ['+37120000032'],
      withDeliveryReport: true,
    });
    expect(await view(client, id!)).toMatchObject({ status: 'delivered', route: route.id });
  });

  it('inbound callbacks (Kannel GET, SMS Gate JSON) land in the inbox of the number', async () => {
    const kannel = await addRoute('kannel-mo', kannelConfig('http://127.0.0.1:9'));
    const gate = await addRoute('gate-mo', smsGateConfig('http://127.0.0.1:9'));
    const client = await signup(ts.app);
    for (const number of ['+37120009998', '+37120009999']) {
      const r = await admin('POST', '/v1/admin/numbers', { number, accountId: client.accountId });
      expect(r.statusCode, r.body).toBe(201);
    }
    const mo = await hook(
      'GET',
      `/hooks/routes/${kannel.id}/inbound?token=${kannel.token}&from=37129000001&to=37120009998&text=${encodeURIComponent('Sveiki, Ā!')}`,
    );
    expect(mo.statusCode).toBe(200);
    const json = await hook(
      'POST',
      `/hooks/routes/${gate.id}/inbound?token=${gate.token}`,
      JSON.stringify({ event: 'sms:received', payload: { phoneNumber: '+37129000002', message: 'Labdien' } }),
    );
    expect(json.statusCode).toBe(200);
    await work();
    const inbox = await ts.app.inject({ method: 'GET', url: '/v1/inbound', headers: client.headers });
    expect(
      inbox
        .json()
        .data.map((m: { from: string; to: string; text: string }) => [m.from, m.to, m.text])
        .sort(),
    ).toEqual([
      ['+37129000001', '+37120009998', 'Sveiki, Ā!'],
      ['+37129000002', '+37120009999', 'Labdien'],
    ]);
  });

  it('a body the parser refuses marks the stored callback failed with the reason, once', async () => {
    const route = await addRoute('gate-bad', smsGateConfig('http://127.0.0.1:9'));
    const r = await hook(
      'POST',
      `/hooks/routes/${route.id}/status?token=${route.token}`,
      '<xml>nope</xml>',
      'text/xml',
    );
    expect(r.statusCode).toBe(200);
    await work();
    await work();
    const [row] = await callbacksOf(route.id);
    expect(row).toMatchObject({ status: 'failed', attempts: 1, body: '<xml>nope</xml>' });
    expect(row!.error).toContain('not JSON');
  });

  it('answers 404 for an unknown route, a type without callbacks or an unknown kind; 413 past 256 KB', async () => {
    const unknown = await hook('GET', '/hooks/routes/rte_nope/status?token=x');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('not_found');
    const sim = await admin('POST', '/v1/admin/routes', { name: 'sim', type: 'simulator', config: {} });
    expect((await hook('GET', `/hooks/routes/${sim.json().id}/status?token=x`)).statusCode).toBe(404);
    const route = await addRoute('kinds', kannelConfig('http://127.0.0.1:9'));
    expect((await hook('GET', `/hooks/routes/${route.id}/other?token=${route.token}`)).statusCode).toBe(404);
    const head = await ts.app.inject({
      method: 'HEAD',
      url: `/hooks/routes/${route.id}/status?token=${route.token}`,
    });
    expect(head.statusCode).toBe(404);
    const big = await hook(
      'POST',
      `/hooks/routes/${route.id}/status?token=${route.token}`,
      'x'.repeat(270_000),
    );
    expect(big.statusCode).toBe(413);
    expect(await callbacksOf(route.id)).toEqual([]);
  });

  it('stored callbacks are kept 30 days', async () => {
    const route = await addRoute('kept', kannelConfig('http://127.0.0.1:9'));
    expect(
      (await hook('GET', `/hooks/routes/${route.id}/status?token=${route.token}&ref=r&type=4`)).statusCode,
    ).toBe(200);
    await work();
    ts.clock.advance(29 * 86_400_000);
    await ts.system.services.retention.sweepOnce();
    expect(await callbacksOf(route.id)).toHaveLength(1);
    ts.clock.advance(2 * 86_400_000);
    await ts.system.services.retention.sweepOnce();
    expect(await callbacksOf(route.id)).toEqual([]);
  });
});

describe.each(DIALECTS)('a callback flood on %s', (dialect) => {
  let ts: TestSystem;
  let op: Session;
  const { addRoute, routeFor, send, view, work } = httpRouteCalls(
    () => ts,
    () => op,
  );
  beforeAll(async () => {
    ts = await startTestSystem(dialect, { ROUTE_CALLBACKS_PER_SECOND: '2' });
    op = await staffSession(ts, 'operator');
  });
  afterAll(async () => {
    await ts?.close();
  });

  it('is limited per route with 429 and Retry-After; other routes and sends go on', async () => {
    const gate = await startFakeAggregator(() => ({ status: 202, body: '{"id":"g-1","state":"Pending"}' }));
    try {
      const flooded = await addRoute('flooded', kannelConfig('http://127.0.0.1:9'));
      const calm = await addRoute('calm', smsGateConfig(gate.url));
      const url = (r: { id: string; token: string }) =>
        `/hooks/routes/${r.id}/status?token=${r.token}&ref=x&type=4`;
      const codes: number[] = [];
      for (let i = 0; i < 6; i++)
        codes.push((await ts.app.inject({ method: 'GET', url: url(flooded) })).statusCode);
      // A burst of twice the rate, then 429.
      expect(codes).toEqual([200, 200, 200, 200, 429, 429]);
      const limited = await ts.app.inject({ method: 'GET', url: url(flooded) });
      expect(limited.headers['retry-after']).toBe('1');
      expect(limited.json().code).toBe('rate_limited');
      expect((await ts.app.inject({ method: 'GET', url: url(calm) })).statusCode).toBe(200);
      const client = await signup(ts.app);
      await routeFor(client, [calm.id]);
      const [id] = await send(client, ['+37120000033'], 'still sending');
      await work();
      expect(await view(client, id!)).toMatchObject({ status: 'sent' });
      ts.clock.advance(1000);
      expect((await ts.app.inject({ method: 'GET', url: url(flooded) })).statusCode).toBe(200);
    } finally {
      await gate.close();
    }
  });
});
