import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateRouteConfig } from '../../src/adapters/route-types';
import { DAY, HOUR, MINUTE } from '../helpers/fake-clock';
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

// Neither route is the built-in simulator, which would make up receipts of its own: these carriers never
// send one. `rte_quick` has an operator-set receipt timeout of 10 minutes; `rte_silent` is not in the
// routes table at all, so the default (48 hours) applies.
const QUICK = 'rte_quick';
const SILENT = 'rte_silent';

describe.each(DIALECTS)('a receipt that never comes on %s', (dialect) => {
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

  async function client(refundPolicy: 'none' | 'undelivered_and_expired') {
    const s = await signup(ts.app);
    const staff = await staffSession(ts);
    const set = await ts.app.inject({
      method: 'PATCH',
      url: `/v1/admin/accounts/${s.accountId}/settings`,
      headers: staff.headers,
      payload: { refundPolicy },
    });
    expect(set.statusCode, set.body).toBe(200);
    const hook = await ts.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: s.headers,
      payload: { url: `${receiver.url}/${s.accountId}`, events: ['message.status'] },
    });
    expect(hook.statusCode, hook.body).toBe(201);
    return s;
  }

  async function send(s: Session, to: string, routeId: string, validUntil?: number) {
    const key = await createApiKey(ts.app, s);
    const r = await ts.app.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: key.headers,
      payload: {
        to: [to],
        text: 'Hello',
        ...(validUntil ? { validUntil: new Date(validUntil).toISOString() } : {}),
      },
    });
    expect(r.statusCode, r.body).toBe(202);
    const { db } = ts.system.storage;
    // The test plays the dispatcher: the job is dropped and the carrier's answer recorded directly.
    await db.deleteFrom('jobs').execute();
    const message = await db
      .selectFrom('messages')
      .selectAll()
      .where('id', '=', r.json().data[0].id)
      .executeTakeFirstOrThrow();
    await db
      .transaction()
      .execute((tx) =>
        ts.system.services.outcomes.applySendOutcomes(tx, [
          { message, outcome: { kind: 'sent', routeId, carrierRef: `ref-${message.id}` } },
        ]),
      );
    return message;
  }

  const status = async (id: string) =>
    ts.system.storage.db
      .selectFrom('messages')
      .select(['status', 'error_code', 'charged'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  it('a route accepts receiptTimeoutSeconds in its config', () => {
    expect(validateRouteConfig('simulator', { receiptTimeoutSeconds: 600 })).toMatchObject({
      receiptTimeoutSeconds: 600,
    });
    expect(() => validateRouteConfig('simulator', { receiptTimeoutSeconds: -1 })).toThrow();
  });

  it('sent becomes expired after the timeout, refunded per policy, with event and webhook', async () => {
    const { db } = ts.system.storage;
    const now = ts.clock.now();
    await db
      .insertInto('routes')
      .values({
        id: QUICK,
        name: 'quick',
        type: 'simulator',
        enabled: 0,
        config: JSON.stringify({ receiptTimeoutSeconds: 600 }),
        created_at: now,
        updated_at: now,
      })
      .execute();
    const refunding = await client('undelivered_and_expired');
    const keeping = await client('none');
    const quick = await send(refunding, '+37121000001', QUICK);
    const silent = await send(refunding, '+37121000002', SILENT);
    const kept = await send(keeping, '+37121000003', SILENT);
    // Valid for 3 days: the carrier may still deliver until then, so it waits past the 48 hours.
    const longValid = await send(refunding, '+37121000004', SILENT, now + 3 * DAY);
    const balance = (s: Session) => ts.system.services.ledger.balance(db, s.accountId);
    const refundingBefore = await balance(refunding);
    const keepingBefore = await balance(keeping);

    // Within every timeout: nothing changes.
    ts.clock.advance(9 * MINUTE);
    await ts.system.workOnce();
    for (const m of [quick, silent, kept, longValid]) expect((await status(m.id)).status).toBe('sent');

    // Past the route's 10 minutes: only that one.
    ts.clock.advance(2 * MINUTE);
    await ts.system.workOnce();
    expect(await status(quick.id)).toMatchObject({ status: 'expired', error_code: 'receipt_timeout' });
    for (const m of [silent, kept, longValid]) expect((await status(m.id)).status).toBe('sent');

    // Past the default 48 hours: the two without validity.
    ts.clock.advance(2 * DAY);
    await ts.system.workOnce();
    expect(await status(silent.id)).toMatchObject({ status: 'expired', error_code: 'receipt_timeout' });
    expect(await status(kept.id)).toMatchObject({ status: 'expired', error_code: 'receipt_timeout' });
    expect((await status(longValid.id)).status).toBe('sent');

    // Past the validity and its grace hour: the last one too.
    ts.clock.advance(DAY + HOUR);
    await ts.system.workOnce();
    expect(await status(longValid.id)).toMatchObject({ status: 'expired', error_code: 'receipt_timeout' });

    // Refund policy: undelivered_and_expired gives back the three; none keeps the charge.
    const price = Number(quick.price) / 1_000_000;
    expect((await balance(refunding)).credits).toBeCloseTo(refundingBefore.credits + 3 * price, 6);
    expect((await balance(refunding)).reserved).toBe(0);
    expect((await balance(keeping)).credits).toBeCloseTo(keepingBefore.credits, 6);
    expect((await status(silent.id)).charged).toBe(0);
    expect((await status(kept.id)).charged).toBe(1);

    // An event in the message's history and a webhook for each.
    const events = await db
      .selectFrom('message_events')
      .select(['message_id', 'status'])
      .where('status', '=', 'expired')
      .execute();
    expect(events.map((e) => e.message_id).sort()).toEqual(
      [quick.id, silent.id, kept.id, longValid.id].sort(),
    );
    const expired = receiver.received
      .map(
        (r) =>
          JSON.parse(r.body) as { data: { messageId: string; status: string; error?: { code: string } } },
      )
      .filter((b) => b.data.status === 'expired');
    expect(expired.map((b) => b.data.messageId).sort()).toEqual(
      [quick.id, silent.id, kept.id, longValid.id].sort(),
    );
    expect(expired.every((b) => b.data.error?.code === 'receipt_timeout')).toBe(true);

    // A receipt that comes after all is stored and matched, but a final status does not change.
    await db.transaction().execute((tx) =>
      ts.system.services.outcomes.applyReports(tx, [
        {
          routeId: SILENT,
          carrierRef: `ref-${silent.id}`,
          status: 'delivered',
          errorCode: null,
          raw: 'late',
          at: ts.clock.now(),
        },
      ]),
    );
    expect(await status(silent.id)).toMatchObject({ status: 'expired', charged: 0 });
    const report = await db
      .selectFrom('delivery_reports')
      .select(['message_id', 'applied_at'])
      .where('carrier_ref', '=', `ref-${silent.id}`)
      .executeTakeFirstOrThrow();
    expect(report.message_id).toBe(silent.id);
  });
});
