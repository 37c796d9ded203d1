import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RETRY_LADDER_MS, verifyWebhookSignature, type WebhookEvent } from '../../src/modules/webhooks';
import { DIALECTS } from '../helpers/storage';
import { type Session, signup, startTestSystem, type TestSystem } from '../helpers/system';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

const DAY = 24 * 3600_000;

/** A local port with nothing listening on it (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.each(DIALECTS)('webhook test events and redelivery on %s', (dialect) => {
  let ts: TestSystem;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    ts = await startTestSystem(dialect, { WEBHOOK_ALLOW_PRIVATE: 'true' });
    receiver = await startWebhookReceiver();
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
  const webhooks = () => ts.system.services.webhooks;

  async function createEndpoint(session: Session, url = `${receiver.url}/hook`) {
    const response = await ts.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: session.headers,
      payload: { url, events: ['message.status'] },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as { id: string; secret: string };
  }

  const post = (session: Session, url: string) =>
    ts.app.inject({ method: 'POST', url, headers: session.headers });

  async function emit(accountId: string, n: number) {
    const event: WebhookEvent = {
      accountId,
      type: 'message.status',
      data: { messageId: `msg_console_${n}`, status: 'delivered' },
    };
    await db()
      .transaction()
      .execute((tx) => webhooks().enqueue(tx, [event]));
  }

  async function listDeliveries(session: Session, endpointId: string) {
    const response = await ts.app.inject({
      method: 'GET',
      url: `/v1/webhooks/${endpointId}/deliveries`,
      headers: session.headers,
    });
    expect(response.statusCode).toBe(200);
    return response.json().data as Array<Record<string, unknown> & { id: string; attempts: unknown[] }>;
  }

  it('sends a signed webhook.test event now and answers the attempt; it is listed with the deliveries', async () => {
    const s = await signup(ts.app);
    const endpoint = await createEndpoint(s);
    receiver.respondNext({ status: 200, body: '{"received":true}', contentType: 'application/json' });
    const response = await post(s, `/v1/webhooks/${endpoint.id}/test`);
    expect(response.statusCode, response.body).toBe(200);
    const answer = response.json();
    expect(answer).toMatchObject({
      ok: true,
      attempt: {
        attempt: 1,
        statusCode: 200,
        error: null,
        responseBody: '{"received":true}',
        responseBytes: 17,
        responseBinary: false,
        trigger: 'test',
      },
      delivery: { eventType: 'webhook.test', status: 'delivered', attemptCount: 1 },
    });
    expect(answer.attempt.durationMs).toBeGreaterThanOrEqual(0);

    // Same headers and signing as real deliveries (Standard Webhooks).
    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0]!;
    expect(got.headers['webhook-id']).toBe(answer.delivery.eventId);
    expect(got.headers['content-type']).toBe('application/json');
    expect(verifyWebhookSignature(endpoint.secret, got.headers, got.body, 300, ts.clock.now())).toBe(true);
    expect(JSON.parse(got.body)).toMatchObject({
      id: answer.delivery.eventId,
      type: 'webhook.test',
      data: { endpointId: endpoint.id },
    });

    await emit(s.accountId, 1);
    await webhooks().deliverDue();
    const listed = await listDeliveries(s, endpoint.id);
    expect(listed.map((d) => d.eventType)).toEqual(['message.status', 'webhook.test']);
    expect(listed[0]!.attempts).toMatchObject([{ attempt: 1, trigger: 'schedule', statusCode: 200 }]);
    expect(listed[1]!.attempts).toMatchObject([{ attempt: 1, trigger: 'test', statusCode: 200 }]);

    const audit = await db()
      .selectFrom('audit_events')
      .select('action')
      .where('account_id', '=', s.accountId)
      .where('action', '=', 'webhook.test_sent')
      .execute();
    expect(audit).toHaveLength(1);
  });

  it('a failing test event answers the status and a bounded excerpt, and is not retried', async () => {
    const s = await signup(ts.app);
    const endpoint = await createEndpoint(s);
    receiver.respondNext({ status: 500, body: `<b>boom</b>${'é'.repeat(3000)}` });
    const response = await post(s, `/v1/webhooks/${endpoint.id}/test`);
    expect(response.statusCode).toBe(200);
    const { ok, attempt, delivery } = response.json();
    expect(ok).toBe(false);
    expect(attempt).toMatchObject({ statusCode: 500, error: null, responseBinary: false });
    // 1 KiB at most, never half a character, stored as the receiver sent it (the page escapes it).
    expect(Buffer.byteLength(attempt.responseBody)).toBeLessThanOrEqual(1024);
    expect(Buffer.byteLength(attempt.responseBody)).toBeGreaterThan(1020);
    expect(attempt.responseBody.startsWith('<b>boom</b>')).toBe(true);
    expect(attempt.responseBody).not.toContain('\uFFFD');
    expect(attempt.responseBytes).toBe(11 + 6000);
    expect(delivery).toMatchObject({ status: 'failed', lastStatusCode: 500, nextAttemptAt: null });

    ts.clock.advance(RETRY_LADDER_MS[1]! + 1000);
    expect(await webhooks().deliverDue()).toBe(0);
    expect(receiver.received).toHaveLength(1);
  });

  it('answers a network error as the attempt: no status, the error, a duration', async () => {
    const s = await signup(ts.app);
    const endpoint = await createEndpoint(s, `http://127.0.0.1:${await closedPort()}/hook`);
    const response = await post(s, `/v1/webhooks/${endpoint.id}/test`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      ok: false,
      attempt: { statusCode: null, error: expect.stringContaining('ECONNREFUSED'), responseBody: null },
      delivery: { status: 'failed' },
    });
  });

  it('keeps no excerpt of a binary answer, only its size (NUL bytes included, on every database)', async () => {
    const s = await signup(ts.app);
    const endpoint = await createEndpoint(s);
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48]);
    const cases: Array<{ body: Buffer; contentType?: string }> = [
      { body: png, contentType: 'image/png' },
      // Declared as text, but NUL bytes: PostgreSQL text cannot hold them.
      { body: Buffer.from('ok\u0000\u0000done'), contentType: 'text/plain' },
      // Not UTF-8 (Latin-1 bytes).
      { body: Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x6f, 0x6b]) },
    ];
    for (const c of cases) {
      receiver.respondNext({ status: 200, body: c.body, contentType: c.contentType ?? 'text/plain' });
      const response = await post(s, `/v1/webhooks/${endpoint.id}/test`);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({
        ok: true,
        attempt: { responseBody: null, responseBinary: true, responseBytes: c.body.length },
      });
    }
    // The ladder records them the same way: a binary answer never stops the delivery from being recorded.
    receiver.respondNext({ status: 200, body: Buffer.from('\u0000\u0001'), contentType: 'text/plain' });
    await emit(s.accountId, 2);
    expect(await webhooks().deliverDue()).toBe(1);
    const [latest] = await listDeliveries(s, endpoint.id);
    expect(latest).toMatchObject({ eventType: 'message.status', status: 'delivered' });
    expect(latest!.attempts).toMatchObject([{ responseBody: null, responseBinary: true, responseBytes: 2 }]);
  });

  it('a first attempt that succeeded lists like any other, and keeps its place when redelivered', async () => {
    const s = await signup(ts.app);
    const endpoint = await createEndpoint(s);
    receiver.respondNext({ status: 200, body: Buffer.from('thanks'), contentType: 'text/plain' });
    await emit(s.accountId, 4);
    expect(await webhooks().deliverDue()).toBe(1);
    const [first] = await listDeliveries(s, endpoint.id);
    const kept = {
      attempt: 1,
      statusCode: 200,
      error: null,
      responseBody: 'thanks',
      responseBytes: 6,
      responseBinary: false,
      trigger: 'schedule',
    };
    expect(first).toMatchObject({ status: 'delivered', attemptCount: 1, attempts: [kept] });
    const firstAttempt = first!.attempts[0] as { durationMs: number };
    expect(firstAttempt.durationMs).toBeGreaterThanOrEqual(0);
    receiver.respondNext({ status: 202, body: Buffer.from('again'), contentType: 'text/plain' });
    const again = await post(s, `/v1/webhook-deliveries/${first!.id}/redeliver`);
    expect(again.json()).toMatchObject({
      ok: true,
      attempt: { attempt: 2, statusCode: 202, responseBody: 'again', trigger: 'redeliver' },
      delivery: { status: 'delivered', attemptCount: 2 },
    });
    const [after] = await listDeliveries(s, endpoint.id);
    expect(after!.attempts).toEqual([
      firstAttempt,
      expect.objectContaining({ attempt: 2, statusCode: 202, responseBody: 'again', trigger: 'redeliver' }),
    ]);
  });

  it('redelivers now as a new attempt with the same webhook-id; a pending delivery keeps its ladder', async () => {
    const s = await signup(ts.app);
    const endpoint = await createEndpoint(s);
    receiver.respondWith({ status: 503, body: 'down' });
    await emit(s.accountId, 3);
    expect(await webhooks().deliverDue()).toBe(1);
    const [pending] = await listDeliveries(s, endpoint.id);
    expect(pending).toMatchObject({ status: 'pending', attemptCount: 1 });
    const dueAt = pending!.nextAttemptAt;

    // Still failing: recorded, but the delivery stays where it was on its ladder.
    const failed = await post(s, `/v1/webhook-deliveries/${pending!.id}/redeliver`);
    expect(failed.statusCode, failed.body).toBe(200);
    expect(failed.json()).toMatchObject({
      ok: false,
      attempt: { attempt: 2, statusCode: 503, responseBody: 'down', trigger: 'redeliver' },
      delivery: { id: pending!.id, status: 'pending', attemptCount: 2, nextAttemptAt: dueAt },
    });
    // The ladder's next step is still its second one (5 s), then its third (5 min).
    ts.clock.advance(RETRY_LADDER_MS[1]!);
    expect(await webhooks().deliverDue()).toBe(1);
    const [after] = await listDeliveries(s, endpoint.id);
    expect(after).toMatchObject({ status: 'pending', attemptCount: 3 });
    expect(Date.parse(String(after!.nextAttemptAt)) - ts.clock.now()).toBe(RETRY_LADDER_MS[2]);

    // Fixed: redelivering succeeds, the delivery is delivered, the ladder stops.
    receiver.respondWith({ status: 204 });
    const ok = await post(s, `/v1/webhook-deliveries/${pending!.id}/redeliver`);
    expect(ok.json()).toMatchObject({
      ok: true,
      attempt: { attempt: 4, statusCode: 204, trigger: 'redeliver' },
      delivery: { status: 'delivered', attemptCount: 4, nextAttemptAt: null },
    });
    const ids = receiver.received.map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(1);
    expect(ids).toHaveLength(4);
    ts.clock.advance(DAY);
    expect(await webhooks().deliverDue()).toBe(0);

    // A delivered one can be sent again too (a receiver that lost it); it stays delivered.
    receiver.respondWith({ status: 500 });
    const again = await post(s, `/v1/webhook-deliveries/${pending!.id}/redeliver`);
    expect(again.json()).toMatchObject({
      ok: false,
      attempt: { attempt: 5, statusCode: 500 },
      delivery: { status: 'delivered', attemptCount: 5 },
    });
    expect(
      (await listDeliveries(s, endpoint.id))[0]!.attempts.map((a) => (a as { trigger: string }).trigger),
    ).toEqual(['schedule', 'redeliver', 'schedule', 'redeliver', 'redeliver']);
  });

  it('refuses to redeliver while a worker attempts the delivery, or when the endpoint is disabled (409)', async () => {
    const s = await signup(ts.app);
    const endpoint = await createEndpoint(s);
    await emit(s.accountId, 4);
    const [delivery] = await listDeliveries(s, endpoint.id);
    await db()
      .updateTable('webhook_deliveries')
      .set({ lease_until: ts.clock.now() + 60_000, lease_owner: 'another-worker/1' })
      .where('id', '=', delivery!.id)
      .execute();
    const busy = await post(s, `/v1/webhook-deliveries/${delivery!.id}/redeliver`);
    expect(busy.statusCode).toBe(409);
    expect(busy.headers['content-type']).toContain('application/problem+json');
    expect(busy.json().code).toBe('conflict');
    expect(receiver.received).toHaveLength(0);

    await db()
      .updateTable('webhook_deliveries')
      .set({ lease_until: 0, lease_owner: null })
      .where('id', '=', delivery!.id)
      .execute();
    await ts.app.inject({
      method: 'PATCH',
      url: `/v1/webhooks/${endpoint.id}`,
      headers: s.headers,
      payload: { enabled: false },
    });
    const disabled = await post(s, `/v1/webhook-deliveries/${delivery!.id}/redeliver`);
    expect(disabled.statusCode).toBe(409);
    expect(disabled.json().code).toBe('conflict');
    // A test event still goes out: a way to check the receiver before enabling the endpoint again.
    const test = await post(s, `/v1/webhooks/${endpoint.id}/test`);
    expect(test.json()).toMatchObject({ ok: true, delivery: { status: 'delivered' } });
  });

  it('bad and foreign ids answer 404 problems; nothing is sent', async () => {
    const a = await signup(ts.app);
    const b = await signup(ts.app);
    const endpoint = await createEndpoint(a);
    await emit(a.accountId, 5);
    const [delivery] = await listDeliveries(a, endpoint.id);
    const cases: Array<[Session, string, number, string]> = [
      [a, '/v1/webhooks/whk_nope/test', 404, 'not_found'],
      [a, `/v1/webhooks/${'x'.repeat(65)}/test`, 400, 'validation_failed'],
      [a, '/v1/webhook-deliveries/whd_nope/redeliver', 404, 'not_found'],
      [a, `/v1/webhook-deliveries/${endpoint.id}/redeliver`, 404, 'not_found'],
      [b, `/v1/webhooks/${endpoint.id}/test`, 404, 'not_found'],
      [b, `/v1/webhook-deliveries/${delivery!.id}/redeliver`, 404, 'not_found'],
    ];
    for (const [session, url, status, code] of cases) {
      const response = await post(session, url);
      expect(response.statusCode, url).toBe(status);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json().code).toBe(code);
    }
    expect(receiver.received).toHaveLength(0);
    const foreignList = await ts.app.inject({
      method: 'GET',
      url: `/v1/webhooks/${endpoint.id}/deliveries`,
      headers: b.headers,
    });
    expect(foreignList.statusCode).toBe(404);
  });

  it('test deliveries and client attempts go with the other finished deliveries after 30 days', async () => {
    const s = await signup(ts.app);
    const endpoint = await createEndpoint(s);
    const test = (await post(s, `/v1/webhooks/${endpoint.id}/test`)).json();
    await emit(s.accountId, 6);
    await webhooks().deliverDue();
    const [delivered] = await listDeliveries(s, endpoint.id);
    await post(s, `/v1/webhook-deliveries/${delivered!.id}/redeliver`);
    const ids = [test.delivery.id, delivered!.id];
    const count = async () => ({
      deliveries: (await db().selectFrom('webhook_deliveries').select('id').where('id', 'in', ids).execute())
        .length,
      attempts: (
        await db().selectFrom('webhook_attempts').select('id').where('delivery_id', 'in', ids).execute()
      ).length,
    });
    expect(await count()).toEqual({ deliveries: 2, attempts: 3 });
    ts.clock.advance(30 * DAY - 60_000);
    await ts.system.services.retention.sweepOnce();
    expect(await count()).toEqual({ deliveries: 2, attempts: 3 });
    ts.clock.advance(120_000);
    await ts.system.services.retention.sweepOnce();
    expect(await count()).toEqual({ deliveries: 0, attempts: 0 });
  });
});
