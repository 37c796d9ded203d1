import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../helpers/fake-clock';
import { DIALECTS } from '../helpers/storage';
import { type Session, signup, startTestSystem, type TestSystem } from '../helpers/system';

type Method = 'GET' | 'POST';
const SENT = ['sending', 'sent', 'delivered', 'undelivered', 'expired'];

interface Figures {
  recipients: number;
  queued: number;
  sent: number;
  delivered: number;
  undelivered: number;
  failed: number;
  byCountry: Array<{ country: string | null; messages: number; sent: number; delivered: number }>;
  overTime: Array<{ hour: string; sent: number; delivered: number }>;
}

/**
 * A campaign's figures, checked against its message rows at several points of its life: paced at one
 * message a minute across an hour boundary, the simulator reporting 2.5 minutes after each send, and
 * numbers ending in 9 coming back undelivered.
 */
describe.each(DIALECTS)('campaign figures match the message rows on %s', (dialect) => {
  let ts: TestSystem;
  let s: Session;
  let serial = 0;
  beforeAll(async () => {
    ts = await startTestSystem(dialect, {
      SIMULATOR_DELIVERY_DELAY_MS: String(2.5 * MINUTE),
      SIMULATOR_UNDELIVERED_PATTERN: '9$',
    });
  });
  afterAll(async () => {
    await ts?.close();
  });

  const call = (method: Method, url: string, payload?: object) =>
    ts.app.inject({ method, url, headers: s.headers, ...(payload ? { payload } : {}) });
  async function ok(r: Promise<LightMyRequestResponse>, status = 200) {
    const response = await r;
    expect(response.statusCode, response.body).toBe(status);
    return response.json();
  }
  /** Ten contacts in a new group; three of the numbers end in 9 (undelivered). */
  async function audience() {
    const g = (await ok(call('POST', '/v1/groups', { name: `g${++serial}` }), 201)).id as string;
    for (let i = 0; i < 10; i++) {
      const last = i < 3 ? 9 : 1;
      const phone = `+3712${String(100_000 + ++serial * 10).padStart(6, '0')}${last}`;
      await ok(call('POST', '/v1/contacts', { phone, groupIds: [g] }), 201);
    }
    return g;
  }
  async function startCampaign(name: string) {
    const g = await audience();
    const c = await ok(
      call('POST', '/v1/campaigns', {
        name,
        text: 'Figures check',
        type: 'transactional',
        groupIds: [g],
        speedPerMinute: 1,
        quietHours: null,
      }),
      201,
    );
    await ok(call('POST', `/v1/campaigns/${c.id}/start`));
    return c.id as string;
  }
  const hourOf = (ms: number) => new Date(ms - (ms % HOUR)).toISOString();

  /** The figures the API gives, and the same figures counted from the message rows. */
  async function check(id: string) {
    const rows = await ts.system.storage.db
      .selectFrom('messages')
      .select(['status', 'sent_at', 'done_at', 'country'])
      .where('campaign_id', '=', id)
      .execute();
    const count = (statuses: string[]) => rows.filter((r) => statuses.includes(r.status)).length;
    const summary = (await ok(call('GET', `/v1/campaigns/${id}`))).stats as Figures;
    const detail = (await ok(call('GET', `/v1/campaigns/${id}/stats`))) as Figures;
    const expected = {
      recipients: rows.length,
      queued: count(['scheduled', 'queued']),
      sent: count(SENT),
      delivered: count(['delivered']),
      undelivered: count(['undelivered', 'expired']),
      failed: count(['failed', 'rejected', 'cancelled']),
    };
    expect(summary).toMatchObject(expected);
    expect(detail).toMatchObject(expected);
    // Every message is in exactly one of: waiting, handed to a carrier, failed.
    expect(expected.queued + expected.sent + expected.failed).toBe(rows.length);

    const hours = new Map<string, { sent: number; delivered: number }>();
    const bucket = (ms: number) => {
      const key = hourOf(ms);
      const entry = hours.get(key) ?? { sent: 0, delivered: 0 };
      hours.set(key, entry);
      return entry;
    };
    for (const r of rows) {
      if (r.sent_at !== null) bucket(Number(r.sent_at)).sent += 1;
      if (r.status === 'delivered' && r.done_at !== null) bucket(Number(r.done_at)).delivered += 1;
    }
    expect(detail.overTime).toEqual(
      [...hours].sort(([a], [b]) => a.localeCompare(b)).map(([hour, v]) => ({ hour, ...v })),
    );
    expect(detail.byCountry).toEqual([
      expect.objectContaining({
        country: 'LV',
        messages: rows.length,
        sent: expected.sent,
        delivered: expected.delivered,
      }),
    ]);
    return expected;
  }
  async function work(minutes = 0) {
    if (minutes > 0) ts.clock.advance(minutes * MINUTE);
    await ts.system.workOnce();
  }

  it('while paced across an hour boundary, after delivery reports, and once finished', async () => {
    // 12:56: sends at 12:56 … 13:05, so the hourly figures span two hours.
    ts.clock.set(Date.parse('2026-03-02T12:56:00Z'));
    s = await signup(ts.app);
    const id = await startCampaign('Paced');
    await work();
    expect(await check(id)).toMatchObject({ recipients: 10, queued: 9, sent: 1 });

    for (let i = 0; i < 4; i++) await work(1);
    // Half handed to the carrier, half still waiting.
    expect(await check(id)).toMatchObject({ queued: 5, sent: 5, delivered: 0 });

    await work(1);
    await work(1);
    const some = await check(id);
    expect(some.delivered + some.undelivered).toBeGreaterThan(0);
    expect(some.queued).toBeGreaterThan(0);

    for (let i = 0; i < 10; i++) await work(1);
    expect(await check(id)).toMatchObject({ queued: 0, sent: 10, delivered: 7, undelivered: 3, failed: 0 });
    const done = await ok(call('GET', `/v1/campaigns/${id}`));
    expect(done.status).toBe('completed');
    const detail = (await ok(call('GET', `/v1/campaigns/${id}/stats`))) as Figures;
    expect(detail.overTime.map((h) => h.hour)).toEqual([
      '2026-03-02T12:00:00.000Z',
      '2026-03-02T13:00:00.000Z',
    ]);
    expect(detail.overTime.reduce((n, h) => n + h.sent, 0)).toBe(10);
  });

  it('after a cancel, the unsent ones count as failed and nothing as waiting', async () => {
    ts.clock.set(Date.parse('2026-03-03T09:00:00Z'));
    s = await signup(ts.app);
    const id = await startCampaign('Cancelled');
    await work();
    await work(1);
    await work(1);
    expect(await check(id)).toMatchObject({ queued: 7, sent: 3 });
    expect((await ok(call('POST', `/v1/campaigns/${id}/cancel`))).status).toBe('cancelled');
    await work();
    expect(await check(id)).toMatchObject({ queued: 0, sent: 3, failed: 7 });
    for (let i = 0; i < 5; i++) await work(1);
    const end = await check(id);
    expect(end).toMatchObject({ queued: 0, sent: 3, failed: 7 });
    expect(end.delivered + end.undelivered).toBe(3);
  });
});
