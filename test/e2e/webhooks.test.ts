import type { KyselyPlugin } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { webhookNet } from '../../src/adapters/webhooks';
import { createIdGenerator } from '../../src/kernel/ids';
import { createLogger } from '../../src/kernel/logger';
import {
  createWebhooks,
  RETRY_LADDER_MS,
  signWebhook,
  verifyWebhookSignature,
  type WebhookEvent,
  type Webhooks,
} from '../../src/modules/webhooks';
import { DIALECTS } from '../helpers/storage';
import { type Session, signup, startTestSystem, type TestSystem } from '../helpers/system';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

/** Counts the statements a piece of code runs (at their results: statements compiled once and reused too). */
function queryCounter() {
  const counter = { count: 0, plugin: null as unknown as KyselyPlugin };
  counter.plugin = {
    transformQuery(args) {
      return args.node;
    },
    async transformResult(args) {
      counter.count++;
      return args.result;
    },
  };
  return counter;
}

describe.each(DIALECTS)('webhooks on %s', (dialect) => {
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
  // deliverDue works on the whole table: settle what a test left pending so the next starts clean.
  afterEach(async () => {
    await db()
      .updateTable('webhook_deliveries')
      .set({ status: 'cancelled', lease_until: 0 })
      .where('status', '=', 'pending')
      .execute();
  });

  const db = () => ts.system.storage.db;

  /** Another worker on the same database (its own sender), e.g. with a short timeout. */
  function otherWorker(settings: { timeoutMs?: number; allowPrivate?: boolean } = {}) {
    return createWebhooks({
      db: db(),
      clock: ts.clock,
      ids: createIdGenerator(ts.clock),
      audit: ts.system.services.audit,
      logger: createLogger({ level: 'silent' }),
      capabilities: ts.system.storage.capabilities,
      settings: { allowPrivate: settings.allowPrivate ?? true, ...settings },
      net: webhookNet,
    });
  }

  async function createEndpoint(
    session: Session,
    path = '/hook',
    events: string[] = ['message.status'],
  ): Promise<{ id: string; secret: string; url: string }> {
    const response = await ts.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: session.headers,
      payload: { url: `${receiver.url}${path}`, events },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json();
  }

  async function emit(events: WebhookEvent[]): Promise<number> {
    return db()
      .transaction()
      .execute((tx) => webhooks.enqueue(tx, events));
  }

  const statusEvent = (accountId: string, n = 0): WebhookEvent => ({
    accountId,
    type: 'message.status',
    data: { messageId: `msg_${n}`, status: 'delivered' },
  });

  async function deliveriesOf(endpointId: string) {
    return db()
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('endpoint_id', '=', endpointId)
      .orderBy('id')
      .execute();
  }

  it('creates, lists, reads, changes and deletes endpoints; the secret is shown only once; all audited', async () => {
    const s = await signup(ts.app);
    const created = await createEndpoint(s, '/crud', ['message.status', 'message.received']);
    expect(created).toMatchObject({
      id: expect.stringMatching(/^whk_/),
      url: `${receiver.url}/crud`,
      events: ['message.status', 'message.received'],
      enabled: true,
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
    });
    const list = await ts.app.inject({ method: 'GET', url: '/v1/webhooks', headers: s.headers });
    expect(list.statusCode).toBe(200);
    expect(list.json().data).toHaveLength(1);
    expect(list.json().data[0]).not.toHaveProperty('secret');
    const one = await ts.app.inject({ method: 'GET', url: `/v1/webhooks/${created.id}`, headers: s.headers });
    expect(one.json()).toMatchObject({ id: created.id, enabled: true });
    expect(one.json()).not.toHaveProperty('secret');

    const patched = await ts.app.inject({
      method: 'PATCH',
      url: `/v1/webhooks/${created.id}`,
      headers: s.headers,
      payload: { events: ['message.received'], description: 'inbox' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ events: ['message.received'], description: 'inbox' });

    const rotated = await ts.app.inject({
      method: 'POST',
      url: `/v1/webhooks/${created.id}/rotate-secret`,
      headers: s.headers,
    });
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json().secret).toMatch(/^whsec_/);
    expect(rotated.json().secret).not.toBe(created.secret);

    // Idempotency-Key replays the first answer instead of creating a second endpoint.
    const idempotent = () =>
      ts.app.inject({
        method: 'POST',
        url: '/v1/webhooks',
        headers: { ...s.headers, 'idempotency-key': 'create-hook-1' },
        payload: { url: `${receiver.url}/once`, events: ['message.status'] },
      });
    const firstTry = await idempotent();
    const secondTry = await idempotent();
    expect(firstTry.statusCode).toBe(201);
    expect(secondTry.json().id).toBe(firstTry.json().id);
    const listed = await ts.app.inject({ method: 'GET', url: '/v1/webhooks', headers: s.headers });
    expect(listed.json().data).toHaveLength(2);

    const openapi = await ts.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(Object.keys(openapi.json().paths)).toEqual(
      expect.arrayContaining(['/v1/webhooks', '/v1/webhooks/{id}', '/v1/webhooks/{id}/deliveries']),
    );

    const removed = await ts.app.inject({
      method: 'DELETE',
      url: `/v1/webhooks/${created.id}`,
      headers: s.headers,
    });
    expect(removed.statusCode).toBe(204);
    const gone = await ts.app.inject({
      method: 'GET',
      url: `/v1/webhooks/${created.id}`,
      headers: s.headers,
    });
    expect(gone.statusCode).toBe(404);
    expect(gone.json().code).toBe('not_found');

    const audit = await ts.app.inject({ method: 'GET', url: '/v1/audit-log', headers: s.headers });
    expect(audit.json().data.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining([
        'webhook.created',
        'webhook.updated',
        'webhook.secret_rotated',
        'webhook.deleted',
      ]),
    );
  });

  it('delivers a signed event: Standard Webhooks headers, the stored body, a signature that verifies', async () => {
    const s = await signup(ts.app);
    const endpoint = await createEndpoint(s, '/signed');
    expect(await emit([statusEvent(s.accountId, 1)])).toBe(1);
    const [stored] = await deliveriesOf(endpoint.id);

    expect(await webhooks.deliverDue()).toBe(1);
    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0]!;
    expect(got.method).toBe('POST');
    expect(got.path).toBe('/signed');
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['user-agent']).toBe('smsgate-webhooks/1');
    expect(got.headers['webhook-id']).toMatch(/^evt_/);
    expect(got.headers['webhook-timestamp']).toBe(String(Math.floor(ts.clock.now() / 1000)));
    expect(got.body).toBe(stored!.body);
    expect(JSON.parse(got.body)).toEqual({
      id: got.headers['webhook-id'],
      type: 'message.status',
      createdAt: new Date(ts.clock.now()).toISOString(),
      data: { messageId: 'msg_1', status: 'delivered' },
    });
    expect(stored!.event_id).toBe(got.headers['webhook-id']);

    const now = ts.clock.now();
    expect(verifyWebhookSignature(endpoint.secret, got.headers, got.body, 300, now)).toBe(true);
    expect(got.headers['webhook-signature']).toBe(
      signWebhook(endpoint.secret, stored!.event_id, Math.floor(now / 1000), got.body),
    );
    const wrong = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    expect(verifyWebhookSignature(wrong, got.headers, got.body, 300, now)).toBe(false);
    expect(verifyWebhookSignature(endpoint.secret, got.headers, `${got.body} `, 300, now)).toBe(false);

    const [after] = await deliveriesOf(endpoint.id);
    expect(after).toMatchObject({ status: 'delivered', lease_until: 0 });
    expect(Number(after!.attempts)).toBe(1);
    expect(Number(after!.last_status_code)).toBe(200);
    expect(await webhooks.deliverDue()).toBe(0);
    expect(receiver.received).toHaveLength(1);
  });

  it('after a rotation, deliveries carry a signature with each secret for 24 h', async () => {
    const s = await signup(ts.app);
    const endpoint = await createEndpoint(s, '/rotated');
    const rotated = await ts.app.inject({
      method: 'POST',
      url: `/v1/webhooks/${endpoint.id}/rotate-secret`,
      headers: s.headers,
    });
    const newSecret = rotated.json().secret as string;
    await emit([statusEvent(s.accountId)]);
    await webhooks.deliverDue();
    const got = receiver.received[0]!;
    expect(String(got.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifyWebhookSignature(newSecret, got.headers, got.body, 300, ts.clock.now())).toBe(true);
    expect(verifyWebhookSignature(endpoint.secret, got.headers, got.body, 300, ts.clock.now())).toBe(true);

    ts.clock.advance(24 * 3600_000 + 1);
    await emit([statusEvent(s.accountId)]);
    await webhooks.deliverDue();
    const later = receiver.received[1]!;
    expect(String(later.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifyWebhookSignature(newSecret, later.headers, later.body, 300, ts.clock.now())).toBe(true);
    expect(verifyWebhookSignature(endpoint.secret, later.headers, later.body, 300, ts.clock.now())).toBe(
      false,
    );
  });

  it('enqueues in batches: one query finds the endpoints, multi-row inserts of at most 500 rows', async () => {
    const a = await signup(ts.app);
    const b = await signup(ts.app);
    const statusOnly = await createEndpoint(a, '/status', ['message.status']);
    const receivedOnly = await createEndpoint(a, '/received', ['message.received']);
    const both = await createEndpoint(a, '/both', ['message.status', 'message.received']);
    const disabled = await createEndpoint(a, '/disabled', ['message.status']);
    await ts.app.inject({
      method: 'PATCH',
      url: `/v1/webhooks/${disabled.id}`,
      headers: a.headers,
      payload: { enabled: false },
    });
    const events: WebhookEvent[] = [];
    for (let i = 0; i < 400; i++) events.push(statusEvent(a.accountId, i));
    for (let i = 0; i < 200; i++)
      events.push({ accountId: a.accountId, type: 'message.received', data: { i } });
    for (let i = 0; i < 300; i++) events.push(statusEvent(b.accountId, i));

    const counter = queryCounter();
    const created = await db()
      .transaction()
      .execute((tx) => webhooks.enqueue(tx.withPlugin(counter.plugin), events));
    // 400 × (statusOnly, both) + 200 × (receivedOnly, both); B has no endpoint, the disabled one gets nothing.
    expect(created).toBe(1200);
    expect(counter.count).toBe(1 + Math.ceil(1200 / 500));
    expect(await deliveriesOf(statusOnly.id)).toHaveLength(400);
    expect(await deliveriesOf(receivedOnly.id)).toHaveLength(200);
    expect(await deliveriesOf(both.id)).toHaveLength(600);
    expect(await deliveriesOf(disabled.id)).toHaveLength(0);
    // One event, one id, whichever endpoint it goes to.
    const first = (await deliveriesOf(statusOnly.id))[0]!;
    const twin = (await deliveriesOf(both.id)).find((d) => d.event_id === first.event_id);
    expect(twin?.body).toBe(first.body);

    // Accounts without endpoints cost one query and write nothing.
    const quiet = queryCounter();
    const none = await db()
      .transaction()
      .execute((tx) => webhooks.enqueue(tx.withPlugin(quiet.plugin), [statusEvent(b.accountId)]));
    expect(none).toBe(0);
    expect(quiet.count).toBe(1);
    expect(await webhooks.enqueue(db(), [])).toBe(0);

    // Clean up so that later deliverDue calls in this suite only see their own work.
    for (const id of [statusOnly.id, receivedOnly.id, both.id, disabled.id]) {
      await ts.app.inject({ method: 'DELETE', url: `/v1/webhooks/${id}`, headers: a.headers });
    }
  });

  it('filters message.status events by status: filtered-out events create no delivery rows', async () => {
    const s = await signup(ts.app);
    const finals = ['delivered', 'undelivered', 'expired', 'failed', 'rejected'];
    const created = await ts.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: s.headers,
      payload: {
        url: `${receiver.url}/finals`,
        events: ['message.status', 'message.received'],
        statuses: [...finals, 'delivered'],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const finalOnly = created.json();
    expect(finalOnly.statuses).toEqual(finals);
    const all = await createEndpoint(s, '/all');
    expect(
      (await ts.app.inject({ method: 'GET', url: `/v1/webhooks/${all.id}`, headers: s.headers })).json(),
    ).toMatchObject({ statuses: null });
    expect(
      (
        await ts.app.inject({ method: 'GET', url: `/v1/webhooks/${finalOnly.id}`, headers: s.headers })
      ).json(),
    ).toMatchObject({ statuses: finals });

    const status = (n: number, value: string): WebhookEvent => ({
      accountId: s.accountId,
      type: 'message.status',
      data: { messageId: `msg_f${n}`, status: value },
    });
    const events: WebhookEvent[] = [];
    for (let i = 0; i < 10; i++) events.push(status(i, 'queued'), status(i, 'sent'));
    for (let i = 0; i < 10; i++) events.push(status(i, i % 2 === 0 ? 'delivered' : 'undelivered'));
    events.push({ accountId: s.accountId, type: 'message.received', data: { from: '+37120000000' } });
    // 31 for the unfiltered endpoint (no message.received for it), 10 finals + 1 received for the other.
    expect(await emit(events)).toBe(30 + 11);
    const rows = await deliveriesOf(finalOnly.id);
    expect(rows).toHaveLength(11);
    expect(
      rows.filter((r) => r.event_type === 'message.status').map((r) => JSON.parse(r.body).data.status),
    ).toEqual(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? 'delivered' : 'undelivered')));
    expect(await deliveriesOf(all.id)).toHaveLength(30);

    while ((await webhooks.deliverDue()) > 0) {}
    const got = receiver.received.filter((r) => r.path === '/finals');
    expect(got).toHaveLength(11);
    // One callback per message: its final status.
    const perMessage = new Map<string, string[]>();
    for (const r of got) {
      const body = JSON.parse(r.body);
      if (body.type !== 'message.status') continue;
      perMessage.set(body.data.messageId, [...(perMessage.get(body.data.messageId) ?? []), body.data.status]);
    }
    expect([...perMessage.values()].every((list) => list.length === 1 && finals.includes(list[0]!))).toBe(
      true,
    );
    expect(perMessage.size).toBe(10);

    // PATCH changes the filter, null removes it; both are shown and audited.
    const narrowed = await ts.app.inject({
      method: 'PATCH',
      url: `/v1/webhooks/${finalOnly.id}`,
      headers: s.headers,
      payload: { statuses: ['delivered'] },
    });
    expect(narrowed.statusCode, narrowed.body).toBe(200);
    expect(narrowed.json().statuses).toEqual(['delivered']);
    expect(await emit([status(20, 'undelivered'), status(21, 'delivered')])).toBe(2 + 1);
    expect((await deliveriesOf(finalOnly.id)).map((r) => JSON.parse(r.body).data.status).slice(-1)).toEqual([
      'delivered',
    ]);
    const cleared = await ts.app.inject({
      method: 'PATCH',
      url: `/v1/webhooks/${finalOnly.id}`,
      headers: s.headers,
      payload: { statuses: null },
    });
    expect(cleared.json().statuses).toBeNull();
    expect(await emit([status(22, 'sent')])).toBe(2);
    const audit = await db()
      .selectFrom('audit_events')
      .select(['action', 'data'])
      .where('target_id', '=', finalOnly.id)
      .orderBy('seq')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['webhook.created', 'webhook.updated', 'webhook.updated']);
    expect(JSON.parse(String(audit[1]!.data))).toMatchObject({ statuses: ['delivered'] });

    // Dropping message.status drops the filter with it: it would filter nothing.
    await ts.app.inject({
      method: 'PATCH',
      url: `/v1/webhooks/${finalOnly.id}`,
      headers: s.headers,
      payload: { statuses: ['delivered'] },
    });
    const dropped = await ts.app.inject({
      method: 'PATCH',
      url: `/v1/webhooks/${finalOnly.id}`,
      headers: s.headers,
      payload: { events: ['message.received'] },
    });
    expect(dropped.json()).toMatchObject({ events: ['message.received'], statuses: null });
    for (const id of [finalOnly.id, all.id]) {
      await ts.app.inject({ method: 'DELETE', url: `/v1/webhooks/${id}`, headers: s.headers });
    }
  });

  it('refuses a status filter with unknown statuses, an empty list, or without message.status (400)', async () => {
    const s = await signup(ts.app);
    const url = `${receiver.url}/bad-filter`;
    const cases: unknown[] = [
      { url, events: ['message.status'], statuses: ['deliverd'] },
      { url, events: ['message.status'], statuses: ['delivered', 'DELIVERED'] },
      { url, events: ['message.status'], statuses: [] },
      { url, events: ['message.status'], statuses: 'delivered' },
      { url, events: ['message.status'], statuses: [42] },
      { url, events: ['message.status'], statuses: Array.from({ length: 100 }, () => 'delivered') },
      { url, events: ['message.received'], statuses: ['delivered'] },
    ];
    for (const payload of cases) {
      const response = await ts.app.inject({
        method: 'POST',
        url: '/v1/webhooks',
        headers: s.headers,
        payload: payload as object,
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json().code).toBe('validation_failed');
    }
    const endpoint = await createEndpoint(s, '/bad-filter', ['message.received']);
    for (const payload of [{ statuses: ['nope'] }, { statuses: [] }, { statuses: ['delivered'] }]) {
      const response = await ts.app.inject({
        method: 'PATCH',
        url: `/v1/webhooks/${endpoint.id}`,
        headers: s.headers,
        payload,
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().code).toBe('validation_failed');
    }
    // Subscribing to message.status in the same change makes the filter valid.
    const ok = await ts.app.inject({
      method: 'PATCH',
      url: `/v1/webhooks/${endpoint.id}`,
      headers: s.headers,
      payload: { events: ['message.status'], statuses: ['delivered'] },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ events: ['message.status'], statuses: ['delivered'] });
    // The service checks the same for callers that are not the HTTP API.
    await expect(
      webhooks.createEndpoint(
        {
          kind: 'user',
          accountId: s.accountId,
          id: 'usr_x',
          role: null,
          permissions: new Set(),
          sessionId: null,
          csrfToken: null,
          ip: null,
        },
        { url, events: ['message.status'], statuses: ['bogus'] },
      ),
    ).rejects.toMatchObject({ code: 'validation_failed' });
    await ts.app.inject({ method: 'DELETE', url: `/v1/webhooks/${endpoint.id}`, headers: s.headers });
  });

  it('an event enqueued in a transaction that rolls back creates nothing', async () => {
    const s = await signup(ts.app);
    const endpoint = await createEndpoint(s, '/rollback');
    await expect(
      db()
        .transaction()
        .execute(async (tx) => {
          expect(await webhooks.enqueue(tx, [statusEvent(s.accountId)])).toBe(1);
          throw new Error('the business change failed');
        }),
    ).rejects.toThrow('the business change failed');
    expect(await deliveriesOf(endpoint.id)).toHaveLength(0);
    expect(await webhooks.deliverDue()).toBe(0);
    expect(receiver.received).toHaveLength(0);
  });

  it('retries a failing endpoint at exactly the ladder offsets, then gives up', async () => {
    const s = await signup(ts.app);
    const endpoint = await createEndpoint(s, '/ladder');
    receiver.respondWith({ status: 500, body: 'down' });
    await emit([statusEvent(s.accountId)]);
    const [created] = await deliveriesOf(endpoint.id);
    expect(Number(created!.next_attempt_at)).toBe(ts.clock.now()); // attempt 1: immediately

    for (let attempt = 1; attempt <= RETRY_LADDER_MS.length; attempt++) {
      expect(await webhooks.deliverDue(), `attempt ${attempt}`).toBe(1);
      const [row] = await deliveriesOf(endpoint.id);
      expect(Number(row!.attempts)).toBe(attempt);
      expect(Number(row!.last_status_code)).toBe(500);
      if (attempt === RETRY_LADDER_MS.length) {
        expect(row!.status).toBe('failed');
        expect(Number(row!.completed_at)).toBe(ts.clock.now());
        break;
      }
      const offset = RETRY_LADDER_MS[attempt]!;
      expect(row!.status).toBe('pending');
      expect(Number(row!.next_attempt_at)).toBe(ts.clock.now() + offset);
      ts.clock.advance(offset - 1);
      expect(await webhooks.deliverDue()).toBe(0);
      ts.clock.advance(1);
    }
    expect(receiver.received).toHaveLength(10);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    ts.clock.advance(48 * 3600_000);
    expect(await webhooks.deliverDue()).toBe(0);

    const list = await ts.app.inject({
      method: 'GET',
      url: `/v1/webhooks/${endpoint.id}/deliveries`,
      headers: s.headers,
    });
    const [delivery] = list.json().data;
    expect(delivery).toMatchObject({ status: 'failed', attemptCount: 10, nextAttemptAt: null });
    expect(delivery.attempts.map((a: { attempt: number }) => a.attempt)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    expect(delivery.attempts.every((a: { statusCode: number }) => a.statusCode === 500)).toBe(true);
    expect(delivery.attempts[0].responseBody).toBe('down');
  });

  it('a 410 disables the endpoint and stops its pending deliveries; re-enabling is allowed', async () => {
    const s = await signup(ts.app);
    const endpoint = await createEndpoint(s, '/gone');
    receiver.respondWith({ status: 410 });
    await emit([statusEvent(s.accountId, 1), statusEvent(s.accountId, 2), statusEvent(s.accountId, 3)]);
    expect(await webhooks.deliverDue(1)).toBe(1);

    const view = await ts.app.inject({
      method: 'GET',
      url: `/v1/webhooks/${endpoint.id}`,
      headers: s.headers,
    });
    expect(view.json()).toMatchObject({ enabled: false, disabledReason: expect.stringContaining('410') });
    const rows = await deliveriesOf(endpoint.id);
    expect(rows.map((r) => r.status)).toEqual(['failed', 'cancelled', 'cancelled']);
    expect(await webhooks.deliverDue()).toBe(0);
    expect(receiver.received).toHaveLength(1);
    expect(await emit([statusEvent(s.accountId, 4)])).toBe(0);
    const audit = await ts.app.inject({ method: 'GET', url: '/v1/audit-log', headers: s.headers });
    expect(audit.json().data).toEqual(
      expect.arrayContaining([expect.objectContaining({ action: 'webhook.disabled', actorType: 'system' })]),
    );

    receiver.respondWith({ status: 204 });
    const enabled = await ts.app.inject({
      method: 'PATCH',
      url: `/v1/webhooks/${endpoint.id}`,
      headers: s.headers,
      payload: { enabled: true },
    });
    expect(enabled.json()).toMatchObject({ enabled: true, disabledReason: null });
    expect(await emit([statusEvent(s.accountId, 5)])).toBe(1);
    expect(await webhooks.deliverDue()).toBe(1);
    expect(receiver.received).toHaveLength(2);
    expect((await deliveriesOf(endpoint.id)).at(-1)!.status).toBe('delivered');
  });

  it('does not follow redirects: a 3xx is a failed attempt', async () => {
    const s = await signup(ts.app);
    const endpoint = await createEndpoint(s, '/moved');
    const target = await startWebhookReceiver();
    try {
      receiver.respondWith({ redirectTo: `${target.url}/elsewhere` });
      await emit([statusEvent(s.accountId)]);
      expect(await webhooks.deliverDue()).toBe(1);
      expect(receiver.received).toHaveLength(1);
      expect(target.received).toHaveLength(0);
      const [row] = await deliveriesOf(endpoint.id);
      expect(row).toMatchObject({ status: 'pending' });
      expect(Number(row!.last_status_code)).toBe(302);
      expect(Number(row!.next_attempt_at)).toBe(ts.clock.now() + RETRY_LADDER_MS[1]!);
    } finally {
      await target.close();
    }
  });

  it('counts a timeout as a failed attempt', async () => {
    const s = await signup(ts.app);
    const endpoint = await createEndpoint(s, '/slow');
    const worker = otherWorker({ timeoutMs: 150 });
    try {
      receiver.respondWith({ status: 200, delayMs: 2_000 });
      await emit([statusEvent(s.accountId)]);
      const started = Date.now();
      expect(await worker.deliverDue()).toBe(1);
      expect(Date.now() - started).toBeLessThan(1_500);
      const [row] = await deliveriesOf(endpoint.id);
      expect(row).toMatchObject({ status: 'pending', last_status_code: null });
      expect(row!.last_error).toMatch(/timed out after 150 ms/);
      const attempt = await db()
        .selectFrom('webhook_attempts')
        .selectAll()
        .where('delivery_id', '=', row!.id)
        .executeTakeFirstOrThrow();
      expect(attempt.status_code).toBeNull();
      expect(Number(attempt.duration_ms)).toBeGreaterThanOrEqual(140);
    } finally {
      worker.close();
    }
  });

  it('two workers delivering at once never send a delivery twice', async () => {
    const s = await signup(ts.app);
    const endpoint = await createEndpoint(s, '/race');
    receiver.respondWith({ status: 200, delayMs: 20 });
    const events = Array.from({ length: 90 }, (_, i) => statusEvent(s.accountId, i));
    expect(await emit(events)).toBe(90);
    const other = otherWorker();
    try {
      const counts = await Promise.all([
        webhooks.deliverDue(50),
        other.deliverDue(50),
        webhooks.deliverDue(50),
        other.deliverDue(50),
      ]);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(90);
      const ids = receiver.received.map((r) => r.headers['webhook-id']);
      expect(ids).toHaveLength(90);
      expect(new Set(ids).size).toBe(90);
      const rows = await deliveriesOf(endpoint.id);
      expect(rows.every((r) => r.status === 'delivered' && Number(r.attempts) === 1)).toBe(true);
      // Each delivery lists exactly one attempt (a first attempt that succeeded is kept on its row).
      const listed = await ts.app.inject({
        method: 'GET',
        url: `/v1/webhooks/${endpoint.id}/deliveries?limit=100`,
        headers: s.headers,
      });
      const views = listed.json().data as Array<{ attempts: Array<{ attempt: number; statusCode: number }> }>;
      expect(views).toHaveLength(90);
      for (const view of views) expect(view.attempts).toMatchObject([{ attempt: 1, statusCode: 200 }]);
    } finally {
      other.close();
    }
  });

  it('lists deliveries with their attempts and status codes, paged, and redelivers on request', async () => {
    const s = await signup(ts.app);
    const endpoint = await createEndpoint(s, '/log');
    receiver.respondNext(
      { status: 503, body: 'x'.repeat(5000) },
      { status: 503, body: 'x'.repeat(5000) },
      { status: 503, body: 'x'.repeat(5000) },
    );
    await emit([statusEvent(s.accountId, 1), statusEvent(s.accountId, 2), statusEvent(s.accountId, 3)]);
    expect(await webhooks.deliverDue()).toBe(3);
    ts.clock.advance(RETRY_LADDER_MS[1]!);
    expect(await webhooks.deliverDue()).toBe(3);

    const first = await ts.app.inject({
      method: 'GET',
      url: `/v1/webhooks/${endpoint.id}/deliveries?limit=2`,
      headers: s.headers,
    });
    expect(first.statusCode).toBe(200);
    const page1 = first.json();
    expect(page1.data).toHaveLength(2);
    expect(page1.nextCursor).toBe(page1.data[1].id);
    const second = await ts.app.inject({
      method: 'GET',
      url: `/v1/webhooks/${endpoint.id}/deliveries?limit=2&cursor=${page1.nextCursor}`,
      headers: s.headers,
    });
    const page2 = second.json();
    expect(page2.data).toHaveLength(1);
    expect(page2.nextCursor).toBeNull();
    const all = [...page1.data, ...page2.data];
    for (const d of all) {
      expect(d).toMatchObject({ status: 'delivered', attemptCount: 2, eventType: 'message.status' });
      expect(d.attempts).toMatchObject([
        { attempt: 1, statusCode: 503, error: null },
        { attempt: 2, statusCode: 200, error: null, responseBody: 'ok' },
      ]);
      expect(Buffer.byteLength(d.attempts[0].responseBody)).toBe(1024);
      expect(d.payload).toMatchObject({ id: d.eventId, type: 'message.status' });
    }
    const filtered = await ts.app.inject({
      method: 'GET',
      url: `/v1/webhooks/${endpoint.id}/deliveries?status=failed`,
      headers: s.headers,
    });
    expect(filtered.json().data).toHaveLength(0);

    receiver.clear();
    const retry = await ts.app.inject({
      method: 'POST',
      url: `/v1/webhooks/${endpoint.id}/deliveries/${all[0].id}/retry`,
      headers: s.headers,
    });
    expect(retry.statusCode, retry.body).toBe(202);
    expect(retry.json()).toMatchObject({ eventId: all[0].eventId, status: 'pending' });
    expect(await webhooks.deliverDue()).toBe(1);
    expect(receiver.received[0]!.headers['webhook-id']).toBe(all[0].eventId);
  });

  it('refuses bad input with problem+json', async () => {
    const s = await signup(ts.app);
    const cases: Array<[unknown, number, string]> = [
      [{ url: `${receiver.url}/x`, events: ['message.sent'] }, 400, 'validation_failed'],
      [{ url: `${receiver.url}/x`, events: [] }, 400, 'validation_failed'],
      [{ url: `${receiver.url}/x` }, 400, 'validation_failed'],
      [{ url: `${receiver.url}/x`, events: ['message.status'], secret: 'mine' }, 400, 'validation_failed'],
      [{ url: 'not a url', events: ['message.status'] }, 400, 'validation_failed'],
      [
        { url: `https://example.com/${'a'.repeat(2048)}`, events: ['message.status'] },
        400,
        'validation_failed',
      ],
      [{ url: 'ftp://example.com/hook', events: ['message.status'] }, 422, 'webhook_url_refused'],
      [{ url: 'javascript:alert(1)', events: ['message.status'] }, 422, 'webhook_url_refused'],
      [{ url: 'https://user:pass@example.com/hook', events: ['message.status'] }, 422, 'webhook_url_refused'],
    ];
    for (const [payload, status, code] of cases) {
      const response = await ts.app.inject({
        method: 'POST',
        url: '/v1/webhooks',
        headers: s.headers,
        payload: payload as object,
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(status);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json().code).toBe(code);
    }
    const endpoint = await createEndpoint(s, '/valid');
    const patch = await ts.app.inject({
      method: 'PATCH',
      url: `/v1/webhooks/${endpoint.id}`,
      headers: s.headers,
      payload: { secret: 'x' },
    });
    expect(patch.statusCode).toBe(400);
    const badEvents = await ts.app.inject({
      method: 'PATCH',
      url: `/v1/webhooks/${endpoint.id}`,
      headers: s.headers,
      payload: { events: ['message.nope'] },
    });
    expect(badEvents.statusCode).toBe(400);
    expect(
      (await ts.app.inject({ method: 'GET', url: '/v1/webhooks', headers: s.headers })).json().data,
    ).toHaveLength(1);
  });

  it("another account's endpoints and deliveries answer 404", async () => {
    const a = await signup(ts.app);
    const b = await signup(ts.app);
    const endpoint = await createEndpoint(a, '/mine');
    await emit([statusEvent(a.accountId)]);
    const [delivery] = await deliveriesOf(endpoint.id);
    const attempts: Array<[string, string, unknown]> = [
      ['GET', `/v1/webhooks/${endpoint.id}`, undefined],
      ['PATCH', `/v1/webhooks/${endpoint.id}`, { enabled: false }],
      ['DELETE', `/v1/webhooks/${endpoint.id}`, undefined],
      ['GET', `/v1/webhooks/${endpoint.id}/deliveries`, undefined],
      ['POST', `/v1/webhooks/${endpoint.id}/rotate-secret`, undefined],
      ['POST', `/v1/webhooks/${endpoint.id}/deliveries/${delivery!.id}/retry`, undefined],
    ];
    for (const [method, url, payload] of attempts) {
      const response = await ts.app.inject({
        method: method as 'GET',
        url,
        headers: b.headers,
        payload: payload as object,
      });
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      expect(response.json().code).toBe('not_found');
    }
    const listB = await ts.app.inject({ method: 'GET', url: '/v1/webhooks', headers: b.headers });
    expect(listB.json().data).toEqual([]);
    const still = await ts.app.inject({
      method: 'GET',
      url: `/v1/webhooks/${endpoint.id}`,
      headers: a.headers,
    });
    expect(still.json()).toMatchObject({ enabled: true });
    expect(await webhooks.deliverDue()).toBe(1);
  });
});

describe.each(DIALECTS)('webhook address policy on %s (private addresses not allowed)', (dialect) => {
  let ts: TestSystem;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    ts = await startTestSystem(dialect);
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await ts?.close();
  });

  it('refuses private, loopback, link-local and similar URLs with 422 webhook_url_refused', async () => {
    const s = await signup(ts.app);
    const refused = [
      'http://127.0.0.1:1/',
      'http://10.0.0.1/',
      'http://[::1]/',
      'http://169.254.169.254/latest/meta-data',
      'http://100.64.0.1/',
      'http://192.168.1.10/',
      'http://172.16.0.1/',
      'http://0.0.0.0/',
      'http://[fd00::1]/',
      'http://[fe80::1]/',
      'http://[::ffff:10.0.0.1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://2130706433/', // 127.0.0.1 as a number
      'http://0x7f.1/',
      'http://localhost:8080/',
      'http://224.0.0.1/',
    ];
    for (const url of refused) {
      const response = await ts.app.inject({
        method: 'POST',
        url: '/v1/webhooks',
        headers: s.headers,
        payload: { url, events: ['message.status'] },
      });
      expect(response.statusCode, `${url}: ${response.body}`).toBe(422);
      expect(response.json().code).toBe('webhook_url_refused');
    }
    // A public address is accepted (an IP literal: no DNS needed), and cannot be changed to a private one.
    const ok = await ts.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: s.headers,
      payload: { url: 'https://93.184.215.14/hook', events: ['message.status'] },
    });
    expect(ok.statusCode, ok.body).toBe(201);
    const patch = await ts.app.inject({
      method: 'PATCH',
      url: `/v1/webhooks/${ok.json().id}`,
      headers: s.headers,
      payload: { url: 'http://10.1.1.1/' },
    });
    expect(patch.statusCode).toBe(422);
    expect(patch.json().code).toBe('webhook_url_refused');
  });

  it('re-checks the address at delivery time: a host that now resolves privately fails the attempt', async () => {
    const s = await signup(ts.app);
    const db = ts.system.storage.db;
    const webhooks = ts.system.services.webhooks;
    const port = new URL(receiver.url).port;
    // As if these names had resolved publicly when the endpoints were created (DNS rebinding).
    const urls = [`http://localhost:${port}/rebound`, `${receiver.url}/literal`];
    const now = ts.clock.now();
    await db
      .insertInto('webhook_endpoints')
      .values(
        urls.map((url, i) => ({
          id: `whk_rebound${i}`,
          account_id: s.accountId,
          url,
          description: null,
          events: '["message.status"]',
          secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
          previous_secret: null,
          previous_secret_expires_at: null,
          enabled: 1,
          disabled_reason: null,
          disabled_at: null,
          created_at: now,
          updated_at: now,
        })),
      )
      .execute();
    await db
      .transaction()
      .execute((tx) => webhooks.enqueue(tx, [{ accountId: s.accountId, type: 'message.status', data: {} }]));
    expect(await webhooks.deliverDue()).toBe(2);
    expect(receiver.received).toHaveLength(0);
    const rows = await db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('account_id', '=', s.accountId)
      .execute();
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.status).toBe('pending');
      expect(row.last_status_code).toBeNull();
      expect(row.last_error).toMatch(/not a public internet address/);
      expect(Number(row.next_attempt_at)).toBe(now + RETRY_LADDER_MS[1]!);
    }
  });
});
