import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQualityTracker } from '../../src/modules/dispatch';
import { DIALECTS } from '../helpers/storage';
import { type Session, signup, staffSession, startTestSystem, type TestSystem } from '../helpers/system';

const LV = '+3712123';
const DE = '+49170123';

interface OperatorView {
  id: string;
  status: string;
  route: string;
  segments: number;
  price: number;
  cost: number | null;
  routing: { rule: string | null; strategy: string; reason: string } | null;
}

describe.each(DIALECTS)('carrier costs, least-cost routing and margins on %s', (dialect) => {
  let ts: TestSystem;
  let op: Session;
  let client: Session;
  let cheap: string;
  let dear: string;
  let rule: string;
  let n = 0;

  beforeAll(async () => {
    ts = await startTestSystem(dialect, { SIMULATOR_DELIVERY_DELAY_MS: '0' });
    op = await staffSession(ts, 'operator');
    client = await signup(ts.app);
  });
  afterAll(async () => {
    await ts?.close();
  });

  const admin = (method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, payload?: object | string) =>
    ts.app.inject({
      method,
      url,
      headers: typeof payload === 'string' ? { ...op.headers, 'content-type': 'text/csv' } : op.headers,
      ...(payload === undefined ? {} : { payload }),
    });
  async function addSimulator(name: string) {
    const r = await admin('POST', '/v1/admin/routes', {
      name,
      type: 'simulator',
      config: { deliveryDelayMs: 0 },
    });
    expect(r.statusCode, r.body).toBe(201);
    return r.json().id as string;
  }
  /** Sends `count` messages (one request) and runs the workers until each has its final status. */
  async function sendAndSettle(count: number, to = LV): Promise<OperatorView[]> {
    const recipients = Array.from({ length: count }, () => `${to}${String(n++).padStart(4, '0')}`);
    const r = await ts.app.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: client.headers,
      payload: { to: recipients, text: 'Hello' },
    });
    expect(r.statusCode, r.body).toBe(202);
    const ids = (r.json().data as Array<{ id: string }>).map((m) => m.id);
    for (let i = 0; i < 200; i++) {
      ts.clock.advance(100);
      await ts.system.workOnce();
      const views = await Promise.all(ids.map(view));
      if (views.every((v) => ['delivered', 'undelivered', 'failed'].includes(v.status))) return views;
    }
    throw new Error('messages did not settle');
  }
  const view = async (id: string): Promise<OperatorView> => {
    const r = await admin('GET', `/v1/admin/messages/${id}`);
    expect(r.statusCode, r.body).toBe(200);
    return r.json();
  };

  it('costs are replaced whole by JSON or CSV, audited, and bad input is refused with its line', async () => {
    cheap = await addSimulator('cheap');
    dear = await addSimulator('dear');
    const put = await admin('PUT', `/v1/admin/routes/${cheap}/costs`, {
      default: 0.05,
      countries: { LV: 0.02 },
      prefixes: { '+4915': 0.03 },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect((await admin('GET', `/v1/admin/routes/${cheap}/costs`)).json()).toEqual({
      currency: 'credits',
      default: 0.05,
      countries: { LV: 0.02 },
      prefixes: { '+4915': 0.03 },
    });
    const csv = await admin(
      'PUT',
      `/v1/admin/routes/${dear}/costs.csv`,
      'country,prefix,cost\nLV,,0.04\n*,,0.06\n',
    );
    expect(csv.statusCode, csv.body).toBe(200);
    const exported = await ts.app.inject({
      method: 'GET',
      url: `/v1/admin/routes/${dear}/costs`,
      headers: { ...op.headers, accept: 'text/csv' },
    });
    expect(exported.headers['content-type']).toContain('text/csv');
    expect(exported.body).toBe('country,prefix,cost\r\n*,,0.06\r\nLV,,0.04\r\n');

    const badLine = await admin(
      'PUT',
      `/v1/admin/routes/${dear}/costs.csv`,
      'country,prefix,cost\nLV,,0.04\nZZ,,x\n',
    );
    expect(badLine.statusCode).toBe(400);
    expect(badLine.headers['content-type']).toContain('application/problem+json');
    expect(badLine.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: '/body/line/3' }] });
    const tooBig = await admin(
      'PUT',
      `/v1/admin/routes/${dear}/costs.csv`,
      `country,prefix,cost\n${'LV,,0.04\n'.repeat(120_000)}`,
    );
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json().code).toBe('payload_too_large');
    const badJson = await admin('PUT', `/v1/admin/routes/${dear}/costs`, { countries: { Latvia: 0.01 } });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().code).toBe('validation_failed');
    expect((await admin('GET', '/v1/admin/routes/rte_nope/costs')).statusCode).toBe(404);
    // The refused uploads changed nothing.
    expect((await admin('GET', `/v1/admin/routes/${dear}/costs`)).json()).toMatchObject({ default: 0.06 });

    // Another process's change reaches this one at its next sync: the route's costs mark moved.
    const { db, registry } = ts.system.services;
    const before = await db
      .selectFrom('routes')
      .select('costs_updated_at')
      .where('id', '=', dear)
      .executeTakeFirst();
    expect(Number(before?.costs_updated_at)).toBeGreaterThan(0);
    await db
      .updateTable('route_costs')
      .set({ cost: 45_000 })
      .where('route_id', '=', dear)
      .where('country', '=', 'LV')
      .execute();
    await registry.sync();
    // Unmarked, the row is not re-read (a cost table can be large; routes are re-read every 5 s)…
    expect(registry.costsOf(dear)?.countries.LV).toBe(40_000);
    await db
      .updateTable('routes')
      .set({ costs_updated_at: Number(before?.costs_updated_at) + 1 })
      .where('id', '=', dear)
      .execute();
    await registry.sync();
    // …marked, it is.
    expect(registry.costsOf(dear)?.countries.LV).toBe(45_000);
    expect(
      (await admin('PUT', `/v1/admin/routes/${dear}/costs.csv`, 'country,prefix,cost\nLV,,0.04\n*,,0.06\n'))
        .statusCode,
    ).toBe(200);
    expect(registry.costsOf(dear)?.countries.LV).toBe(40_000);

    const audit = await admin('GET', '/v1/admin/audit-log?limit=50');
    const actions = (audit.json().data as Array<{ action: string; targetId: string | null }>)
      .filter((e) => e.action === 'route.costs_replaced')
      .map((e) => e.targetId);
    expect(actions).toEqual(expect.arrayContaining([cheap, dear]));
  });

  it('least_cost takes the cheap route until its delivery rate falls, probes it, and takes it back', async () => {
    const created = await admin('POST', '/v1/admin/routing-rules', {
      priority: 1,
      match: { countries: ['LV'] },
      // Listed dear first: the strategy, not the order, picks.
      routeIds: [dear, cheap],
      allowSimulator: true,
      strategy: 'least_cost',
      window: 20,
      probeShare: 0,
    });
    expect(created.statusCode, created.body).toBe(201);
    rule = created.json().id;
    expect(created.json()).toMatchObject({
      strategy: 'least_cost',
      window: 20,
      probeShare: 0,
      minDeliveryRate: 0.8,
    });

    const first = await sendAndSettle(5);
    for (const m of first) {
      expect(m).toMatchObject({ route: cheap, status: 'delivered', cost: 0.02 * m.segments });
      expect(m.routing).toEqual({
        rule,
        strategy: 'least_cost',
        reason: `least_cost: ${cheap} 0.02 < ${dear} 0.04`,
      });
    }
    // Clients never see the cost or the decision.
    const clientView = await ts.app.inject({
      method: 'GET',
      url: `/v1/messages/${first[0]!.id}`,
      headers: client.headers,
    });
    expect(clientView.statusCode).toBe(200);
    expect(clientView.json()).not.toHaveProperty('cost');
    expect(clientView.json()).not.toHaveProperty('routing');
    const listed = await ts.app.inject({ method: 'GET', url: '/v1/messages', headers: client.headers });
    expect(listed.body).not.toContain('least_cost');
    expect(listed.json().data[0]).not.toHaveProperty('cost');

    // The cheap carrier stops delivering.
    const broken = await admin('PATCH', `/v1/admin/routes/${cheap}`, { config: { undeliveredRate: 1 } });
    expect(broken.statusCode, broken.body).toBe(200);
    const failing = await sendAndSettle(20);
    expect(failing.every((m) => m.route === cheap && m.status === 'undelivered')).toBe(true);
    const quality = (await admin('GET', `/v1/admin/routes/${cheap}/quality?window=20`)).json();
    expect(quality.countries).toEqual([
      expect.objectContaining({ country: 'LV', samples: 20, deliveryRate: 0, demoted: true }),
    ]);

    const moved = await sendAndSettle(5);
    for (const m of moved) {
      expect(m).toMatchObject({ route: dear, status: 'delivered', cost: 0.04 * m.segments });
      expect(m.routing?.reason).toBe(
        `least_cost: ${dear} 0.04, the only healthy route; ${cheap} demoted (delivery 0% < 80%)`,
      );
    }

    // Repaired, and probed with half of the traffic until its window is healthy again.
    await admin('PATCH', `/v1/admin/routes/${cheap}`, { config: { undeliveredRate: 0 } });
    expect((await admin('PATCH', `/v1/admin/routing-rules/${rule}`, { probeShare: 0.5 })).statusCode).toBe(
      200,
    );
    const probes: OperatorView[] = [];
    let restored: OperatorView[] = [];
    for (let round = 0; round < 40 && restored.length === 0; round++) {
      const batch = await sendAndSettle(5);
      probes.push(...batch.filter((m) => m.routing?.reason.startsWith(`least_cost: probing ${cheap}`)));
      restored = batch.filter((m) => m.routing?.reason === `least_cost: ${cheap} 0.02 < ${dear} 0.04`);
    }
    expect(probes.length).toBeGreaterThan(0);
    expect(probes.every((m) => m.route === cheap && m.status === 'delivered')).toBe(true);
    expect(restored.length).toBeGreaterThan(0);
    expect(restored.every((m) => m.route === cheap)).toBe(true);
    const healed = (await admin('GET', `/v1/admin/routes/${cheap}/quality`)).json();
    // Judged by the thresholds of the rule that uses it (window 20), not the defaults.
    expect(healed).toMatchObject({ window: 20, probeShare: 0.5, minDeliveryRate: 0.8 });
    expect(healed.countries[0]).toMatchObject({ country: 'LV', demoted: false });

    // A process starting now would judge the routes the same from the database.
    const seeded = createQualityTracker();
    for (const r of await ts.system.services.messages.recentReceipts(20_000))
      seeded.record(r.routeId, r.country, r.delivered, r.latencyMs);
    for (const route of [cheap, dear])
      for (const window of [5, 20, 200])
        expect(seeded.stats(route, 'LV', window)).toMatchObject({
          samples: ts.system.services.registry.quality.stats(route, 'LV', window).samples,
          deliveryRate: ts.system.services.registry.quality.stats(route, 'LV', window).deliveryRate,
        });
  });

  it('a message with no cost for its route records null; the margin report equals the message rows', async () => {
    // No rule for DE: the oldest enabled real route... there is none, so the built-in simulator (no costs).
    const [de] = await sendAndSettle(1, DE);
    expect(de).toMatchObject({ route: 'simulator', cost: null });
    expect(de!.routing?.rule).toBeNull();

    const rows = await ts.system.services.db
      .selectFrom('messages')
      .select(['route_id', 'country', 'account_id', 'segments', 'price', 'cost', 'charged', 'sent_at'])
      .where('sent_at', 'is not', null)
      .execute();
    const expected = new Map<
      string,
      { messages: number; revenue: number; cost: number; withoutCost: number }
    >();
    for (const r of rows) {
      const e = expected.get(r.route_id!) ?? { messages: 0, revenue: 0, cost: 0, withoutCost: 0 };
      e.messages++;
      e.revenue += Number(r.charged) === 1 ? Number(r.price) : 0;
      e.cost += Number(r.cost ?? 0);
      if (r.cost === null) e.withoutCost++;
      expected.set(r.route_id!, e);
    }
    const report = await admin('GET', '/v1/admin/reports/margins?groupBy=route');
    expect(report.statusCode, report.body).toBe(200);
    const body = report.json();
    expect(body.rows).toHaveLength(expected.size);
    for (const row of body.rows) {
      const e = expected.get(row.key)!;
      expect(row).toMatchObject({
        messages: e.messages,
        revenue: e.revenue / 1e6,
        cost: e.cost / 1e6,
        margin: (e.revenue - e.cost) / 1e6,
        withoutCost: e.withoutCost,
      });
    }
    expect(body.rows.find((r: { key: string }) => r.key === cheap).name).toBe('cheap');
    const total = [...expected.values()].reduce((a, e) => a + e.messages, 0);
    expect(body.totals.messages).toBe(total);
    // Undelivered messages were refunded: their revenue is gone, their cost stays, the margin says so.
    const cheapRow = body.rows.find((r: { key: string }) => r.key === cheap);
    expect(cheapRow.cost).toBeGreaterThan(0);

    const byDay = (await admin('GET', '/v1/admin/reports/margins?groupBy=day&timezone=Europe/Riga')).json();
    expect(byDay.rows).toHaveLength(30);
    expect(byDay.totals).toEqual(body.totals);
    const byCountry = (await admin('GET', '/v1/admin/reports/margins?groupBy=country')).json();
    expect(byCountry.rows.map((r: { key: string }) => r.key).sort()).toEqual(['DE', 'LV']);
    const byAccount = (await admin('GET', '/v1/admin/reports/margins?groupBy=account')).json();
    expect(byAccount.rows).toEqual([expect.objectContaining({ key: client.accountId, messages: total })]);

    const csv = await ts.app.inject({
      method: 'GET',
      url: '/v1/admin/reports/margins?groupBy=route',
      headers: { ...op.headers, accept: 'text/csv' },
    });
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('key,name,messages,segments,revenue,cost,margin,marginPct,withoutCost');
    expect(lines).toHaveLength(expected.size + 2);
    expect(lines[lines.length - 1]).toMatch(new RegExp(`^total,,${total},`));

    const badZone = await admin('GET', '/v1/admin/reports/margins?timezone=Mars/Base');
    expect(badZone.statusCode).toBe(422);
    expect(badZone.json().code).toBe('invalid_timezone');
    // Clients may not read margins.
    const forbidden = await ts.app.inject({
      method: 'GET',
      url: '/v1/admin/reports/margins',
      headers: client.headers,
    });
    expect([401, 403]).toContain(forbidden.statusCode);
  });
  it('a failover is written into the decision: the route first chosen and why it was passed over', async () => {
    // A carrier that is not there (nothing listens on port 9): no bind ever comes up.
    const absent = await admin('POST', '/v1/admin/routes', {
      name: 'absent',
      type: 'smpp',
      config: { host: '127.0.0.1', port: 9, systemId: 'acme', password: 'secret1' },
    });
    expect(absent.statusCode, absent.body).toBe(201);
    const id = absent.json().id as string;
    const r = await admin('POST', '/v1/admin/routing-rules', {
      priority: 2,
      match: { countries: ['DE'] },
      routeIds: [id, 'simulator'],
      allowSimulator: true,
    });
    expect(r.statusCode, r.body).toBe(201);
    const [m] = await sendAndSettle(1, DE);
    expect(m).toMatchObject({ route: 'simulator', status: 'delivered', cost: null });
    expect(m!.routing).toEqual({
      rule: r.json().id,
      strategy: 'priority',
      reason: `priority: ${id} first in the rule; failover to simulator (${id} unreachable)`,
    });
  });
});
