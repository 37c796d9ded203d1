import { randomBytes } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstIdAt } from '../../src/kernel/ids';
import { DAY, MINUTE } from '../helpers/fake-clock';
import { DIALECTS } from '../helpers/storage';
import { createApiKey, signup, staffSession, startTestSystem, type TestSystem } from '../helpers/system';

const LV1 = '+37121234567';
const LV2 = '+37122345678';
const LV_UNDELIVERED = '+37120000000';
const LV_FAILED = '+37120009999';
const DE = '+4915123456789';

type Headers = { headers: Record<string, string> };

describe.each(DIALECTS)('the message log on %s', (dialect) => {
  let ts: TestSystem;
  beforeAll(async () => {
    ts = await startTestSystem(dialect, {
      SIMULATOR_DELIVERY_DELAY_MS: '1000',
      SIMULATOR_UNDELIVERED_PATTERN: '0000$',
      SIMULATOR_REJECT_PATTERN: '9999$',
    });
  });
  afterAll(async () => {
    await ts?.close();
  });

  const db = () => ts.system.storage.db;
  const get = (s: Headers, url: string) => ts.app.inject({ method: 'GET', url, headers: s.headers });
  async function ok(r: Promise<LightMyRequestResponse>, status = 200) {
    const response = await r;
    expect(response.statusCode, response.body).toBe(status);
    return response.json();
  }
  const send = (s: Headers, payload: object) =>
    ok(ts.app.inject({ method: 'POST', url: '/v1/messages', headers: s.headers, payload }), 202);
  async function deliverAll() {
    await ts.system.workOnce();
    ts.clock.advance(1001);
    await ts.system.workOnce();
  }
  /** Every message the list gives for a query, page after page. */
  async function listAll(s: Headers, query: string, limit = 2): Promise<Array<Record<string, string>>> {
    const out: Array<Record<string, string>> = [];
    let cursor: string | null = null;
    do {
      const page = await ok(
        get(s, `/v1/messages?limit=${limit}&${query}${cursor ? `&cursor=${cursor}` : ''}`),
      );
      out.push(...page.data);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }
  const ids = (rows: Array<{ id?: string | undefined }>) => rows.map((r) => r.id);
  /** A problem's code and the paths its errors name. */
  async function problem(s: Headers, url: string) {
    const r = await get(s, url);
    const body = r.json();
    return {
      status: r.statusCode,
      code: body.code,
      paths: (body.errors ?? []).map((e: { path: string }) => e.path),
    };
  }

  /**
   * Raw message rows for volume tests (the send path is covered elsewhere): `n` messages a minute apart
   * from `start`, with ids that sort by creation time like real ones.
   */
  async function seed(
    accountId: string,
    n: number,
    start: number,
    extra: (i: number) => object = () => ({}),
  ) {
    const rows = Array.from({ length: n }, (_, i) => {
      const at = start + i * MINUTE;
      return Object.assign(
        {
          id: `${firstIdAt('msg', at).slice(0, -16)}${randomBytes(8).toString('hex')}`,
          account_id: accountId,
          to_number: `+3712${String(1_000_000 + i).slice(1)}`,
          sender: 'Bulk',
          text: `message ${i}`,
          type: 'transactional' as const,
          status: 'delivered' as const,
          encoding: 'GSM-7' as const,
          segments: 1,
          price: 35_000,
          country: 'LV',
          created_at: at,
          updated_at: at,
          attempts: 0,
          charged: 0,
        },
        extra(i),
      );
    });
    for (let i = 0; i < rows.length; i += 500)
      await db()
        .insertInto('messages')
        .values(rows.slice(i, i + 500))
        .execute();
    return rows;
  }

  it('filters by number (whole or prefix), status, sender, dates and campaign, within the account', async () => {
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    const other = await signup(ts.app);
    const firstDay = ts.clock.now();
    await send(key, { to: [LV1, LV2, DE], text: 'hello', from: 'Acme' });
    await send(key, { to: [LV_UNDELIVERED, LV_FAILED], text: 'hello', from: 'Shop' });
    await send(other, { to: LV1, text: 'not yours', from: 'Shop' });
    await deliverAll();
    ts.clock.advance(DAY);
    const [later] = (await send(key, { to: LV1, text: 'again', from: 'Acme' })).data;

    // The number as people write it: spaces, 00 for +; a whole number matches exactly.
    const byNumber = await listAll(key, `to=${encodeURIComponent('00371 2123 4567')}`);
    expect(byNumber.map((m) => m.to)).toEqual([LV1, LV1]);
    expect(byNumber[0]!.id).toBe(later.id);
    // The beginning of a number matches every number starting so.
    const latvian = await listAll(key, `to=${encodeURIComponent('+371 2')}`);
    expect(new Set(latvian.map((m) => m.to))).toEqual(new Set([LV1, LV2, LV_UNDELIVERED, LV_FAILED]));
    expect(latvian).toHaveLength(5);
    expect(await listAll(key, 'to=4915')).toHaveLength(1);
    expect(await problem(key, '/v1/messages?to=call%20me')).toEqual({
      status: 422,
      code: 'invalid_phone_number',
      paths: ['/querystring/to'],
    });

    // Several statuses, repeated or comma-separated; pages of 2 still come newest first with nothing twice.
    const ended = await listAll(key, 'status=undelivered,failed&status=queued');
    expect(ended.map((m) => [m.to, m.status])).toEqual([
      [LV1, 'queued'],
      [LV_FAILED, 'failed'],
      [LV_UNDELIVERED, 'undelivered'],
    ]);
    expect(ids(ended)).toEqual([...ids(ended)].sort().reverse());
    expect(await listAll(key, 'status=delivered')).toHaveLength(3);
    expect(await problem(key, '/v1/messages?status=delivered,bogus')).toMatchObject({
      status: 400,
      code: 'validation_failed',
      paths: ['/querystring/status/1'],
    });

    // The sender: `from` as the API has always named it, or `sender`.
    expect(await listAll(key, 'sender=Shop')).toHaveLength(2);
    expect(await listAll(key, 'from=Acme')).toHaveLength(4);
    expect(await listAll(key, 'sender=Nobody')).toHaveLength(0);
    expect((await problem(key, '/v1/messages?from=Acme&sender=Shop')).paths).toEqual(['/querystring/sender']);

    // Dates: a day (in the given zone) or an instant; the range includes createdAfter and excludes createdBefore.
    const day2 = new Date(ts.clock.now()).toISOString().slice(0, 10);
    expect(ids(await listAll(key, `createdAfter=${day2}`))).toEqual([later.id]);
    expect(await listAll(key, `createdBefore=${day2}`)).toHaveLength(5);
    expect(
      await listAll(key, `createdAfter=${new Date(firstDay).toISOString()}&createdBefore=${day2}&to=%2B4`),
    ).toHaveLength(1);
    // A date is a day in the given zone: day 2 starts at 10:00 UTC on day 1 in Kiribati (UTC+14).
    expect(await listAll(key, `createdBefore=${day2}&timezone=Pacific/Kiritimati`)).toHaveLength(0);
    expect(await problem(key, '/v1/messages?createdAfter=2026-02-30')).toMatchObject({
      status: 400,
      paths: ['/querystring/createdAfter'],
    });
    expect(await problem(key, `/v1/messages?createdAfter=${day2}&createdBefore=2020-01-01`)).toMatchObject({
      status: 400,
      paths: ['/querystring/createdBefore'],
    });
    expect(await problem(key, '/v1/messages?timezone=Mars/Olympus')).toEqual({
      status: 422,
      code: 'invalid_timezone',
      paths: ['/querystring/timezone'],
    });

    // A campaign's messages.
    const group = (
      await ok(
        ts.app.inject({ method: 'POST', url: '/v1/groups', headers: key.headers, payload: { name: 'g' } }),
        201,
      )
    ).id;
    for (const phone of [LV2, DE]) {
      await ok(
        ts.app.inject({
          method: 'POST',
          url: '/v1/contacts',
          headers: key.headers,
          payload: { phone, groupIds: [group] },
        }),
        201,
      );
    }
    const campaign = await ok(
      ts.app.inject({
        method: 'POST',
        url: '/v1/campaigns',
        headers: key.headers,
        payload: {
          name: 'Spring',
          text: 'Spring sale',
          type: 'transactional',
          groupIds: [group],
          quietHours: null,
        },
      }),
      201,
    );
    await ok(
      ts.app.inject({ method: 'POST', url: `/v1/campaigns/${campaign.id}/start`, headers: key.headers }),
    );
    for (let i = 0; i < 5; i++) await ts.system.workOnce();
    const fromCampaign = await listAll(key, `campaignId=${campaign.id}`);
    expect(fromCampaign.map((m) => m.to).sort()).toEqual([DE, LV2].sort());
    expect(fromCampaign.every((m) => m.campaignId === campaign.id)).toBe(true);
    expect(await listAll(key, `campaignId=${campaign.id}&to=4915`)).toHaveLength(1);
    // Another account's campaign id finds nothing here.
    expect(await listAll(other, `campaignId=${campaign.id}`)).toHaveLength(0);
    expect(await listAll(other, '')).toHaveLength(1);
  });

  it('exports the filtered log as CSV: every row, formula cells neutralised, UTF-8, only this account', async () => {
    const s = await signup(ts.app);
    const other = await signup(ts.app);
    const start = ts.clock.now() - 10 * DAY;
    const rows = await seed(s.accountId, 3000, start, (i) =>
      i % 3 === 0
        ? { status: 'undelivered', sender: 'Shop', error_code: 'carrier', error_detail: '-1, "no route"' }
        : {},
    );
    await seed(other.accountId, 10, start);
    const special = await seed(s.accountId, 1, start + 5000 * MINUTE, () => ({
      text: '=HYPERLINK("http://evil.example","Jānis ✓")\nline two',
      reference: '@ref',
    }));

    const response = await get(s, '/v1/messages/export.csv');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe('attachment; filename="messages.csv"');
    const table = parse(response.rawPayload.toString('utf8'), { columns: true }) as Array<
      Record<string, string>
    >;
    expect(table).toHaveLength(3001);
    expect(table.map((r) => r.id)).toEqual(
      [...special, ...rows]
        .map((r) => r.id)
        .sort()
        .reverse(),
    );
    const first = table[0]!;
    expect(first.text).toBe('\'=HYPERLINK("http://evil.example","Jānis ✓")\nline two');
    expect(first.reference).toBe("'@ref");
    expect(first.to).toBe(`'${special[0]!.to_number}`);
    expect(first.price).toBe('0.035');
    const failed = table.find((r) => r.status === 'undelivered')!;
    expect(failed).toMatchObject({ errorCode: 'carrier', errorDetail: '\'-1, "no route"', from: 'Shop' });

    // The same filters as the list, with the same answers.
    const filtered = await get(
      s,
      '/v1/messages/export.csv?status=undelivered&createdBefore=' +
        new Date(start + 1500 * MINUTE).toISOString(),
    );
    const filteredRows = parse(filtered.body, { columns: true }) as Array<Record<string, string>>;
    expect(filteredRows).toHaveLength(500);
    expect(filteredRows.map((r) => r.id)).toEqual(
      ids(
        await listAll(
          s,
          `status=undelivered&createdBefore=${new Date(start + 1500 * MINUTE).toISOString()}`,
          500,
        ),
      ),
    );
    // A bad filter is refused before any row is written.
    const bad = await get(s, '/v1/messages/export.csv?status=lost');
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
  });

  it('streams the export: rows are read page by page as the client takes them, not all at once', async () => {
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    const total = 20_000;
    // Long texts, so the whole export (~26 MB) is far more than socket buffers hold.
    await seed(s.accountId, total, ts.clock.now() - 30 * DAY, (i) => ({ text: `${i} ${'x'.repeat(1200)}` }));
    const address = await ts.app.listen({ port: 0, host: '127.0.0.1' });
    {
      const response = await fetch(`${address}/v1/messages/export.csv`, { headers: key.headers });
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      // About the first thousand rows, then the rest of the log goes.
      let text = '';
      while (text.length < 1_300_000) text += decoder.decode((await reader.read()).value, { stream: true });
      // What was not read yet is deleted now: an export that had loaded every row would still write them.
      await db().deleteFrom('messages').where('account_id', '=', s.accountId).execute();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      const lines = parse(text, { columns: true }) as Array<Record<string, string>>;
      expect(lines.length).toBeGreaterThanOrEqual(1000);
      expect(lines.length).toBeLessThan(total);
      // Those written are whole and in order.
      expect(lines.every((l) => (l.text?.length ?? 0) > 1200 && l.id?.startsWith('msg_'))).toBe(true);
    }
  });

  it('reports per day (in a time zone, across a daylight-saving change) and per country, as the rows say', async () => {
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    // Riga moves its clocks from 03:00 to 04:00 on 29 March 2026: that day has 23 hours.
    const at = (iso: string) => ts.clock.set(Date.parse(iso));
    at('2026-03-28T21:30:00Z'); // 23:30 on the 28th in Riga
    await send(key, { to: [LV1, LV_UNDELIVERED], text: 'a' });
    at('2026-03-28T22:30:00Z'); // 00:30 on the 29th
    await send(key, { to: [DE, LV_FAILED], text: 'b' });
    await deliverAll();
    at('2026-03-29T20:30:00Z'); // 23:30 on the 29th (summer time)
    await send(key, { to: [LV2], text: 'c' });
    await deliverAll();
    at('2026-03-29T21:30:00Z'); // 00:30 on the 30th
    await send(key, { to: [LV1], text: 'd' });

    const range = 'from=2026-03-27&until=2026-03-30&timezone=Europe/Riga';
    const report = await ok(get(key, `/v1/messages/report?${range}`));
    // The figures, counted again from the rows the log lists.
    const rows = await listAll(key, '', 500);
    const dayInRiga = (iso: string) => new Date(iso).toLocaleDateString('sv-SE', { timeZone: 'Europe/Riga' });
    const expected = (subset: Array<Record<string, string>>) => {
      const byStatus: Record<string, number> = {};
      for (const m of subset) byStatus[m.status!] = (byStatus[m.status!] ?? 0) + 1;
      const delivered = byStatus.delivered ?? 0;
      const failed = ['undelivered', 'expired', 'failed', 'rejected'].reduce(
        (n, st) => n + (byStatus[st] ?? 0),
        0,
      );
      const pending = ['scheduled', 'queued', 'sending', 'sent'].reduce(
        (n, st) => n + (byStatus[st] ?? 0),
        0,
      );
      return {
        total: subset.length,
        byStatus,
        delivered,
        failed,
        pending,
        deliveryRate: delivered + failed === 0 ? null : delivered / (delivered + failed),
      };
    };
    expect(report).toMatchObject({
      from: '2026-03-27',
      until: '2026-03-30',
      timezone: 'Europe/Riga',
      groupBy: 'day',
    });
    expect(report.days).toEqual(
      ['2026-03-27', '2026-03-28', '2026-03-29', '2026-03-30'].map((day) => ({
        day,
        ...expected(rows.filter((m) => dayInRiga(m.createdAt!) === day)),
      })),
    );
    expect(report.days.map((d: { total: number }) => d.total)).toEqual([0, 2, 3, 1]);
    expect(report.days[2]).toMatchObject({ delivered: 2, failed: 1, deliveryRate: 2 / 3 });
    expect(report.totals).toEqual(expected(rows));

    const countries = await ok(get(key, `/v1/messages/report?${range}&groupBy=country`));
    expect(countries.countries).toEqual([
      { country: 'LV', ...expected(rows.filter((m) => m.country === 'LV')) },
      { country: 'DE', ...expected(rows.filter((m) => m.country === 'DE')) },
    ]);
    expect(countries.totals).toEqual(report.totals);
    // In UTC the first two sends fall on the 28th.
    const utc = await ok(get(key, '/v1/messages/report?from=2026-03-28&until=2026-03-29'));
    expect(utc.days.map((d: { total: number }) => d.total)).toEqual([4, 2]);

    // The operator, by route, for this account and for the platform.
    const op = await staffSession(ts, 'support');
    const routes = await ok(
      get(op, `/v1/admin/reports/messages?${range}&groupBy=route&accountId=${s.accountId}`),
    );
    const routed = rows.filter((m) => m.route);
    expect(routes.routes).toContainEqual({
      route: 'simulator',
      routeName: expect.any(String),
      ...expected(routed.filter((m) => m.route === 'simulator')),
    });
    expect(routes.totals).toEqual(report.totals);
    const platform = await ok(get(op, `/v1/admin/reports/messages?${range}`));
    expect(platform.totals.total).toBeGreaterThanOrEqual(report.totals.total);

    // Bad ranges name their field; clients cannot read the operator's report.
    expect(await problem(key, '/v1/messages/report?from=2026-03-30&until=2026-03-01')).toMatchObject({
      status: 400,
      paths: ['/querystring/until'],
    });
    expect(await problem(key, '/v1/messages/report?from=2024-01-01&until=2026-01-01')).toMatchObject({
      status: 400,
      paths: ['/querystring/until'],
    });
    expect(await problem(key, '/v1/messages/report?timezone=Nowhere')).toMatchObject({
      status: 422,
      code: 'invalid_timezone',
      paths: ['/querystring/timezone'],
    });
    expect((await get(key, '/v1/messages/report?groupBy=route')).statusCode).toBe(400);
    expect([401, 403]).toContain((await get(key, '/v1/admin/reports/messages')).statusCode);
    // Without a range: the last 30 days up to today.
    const recent = await ok(get(key, '/v1/messages/report'));
    expect(recent.days).toHaveLength(30);
    expect(recent.until).toBe(new Date(ts.clock.now()).toISOString().slice(0, 10));
  });
});
