import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/server-process';
import { DIALECTS } from '../helpers/storage';
import { createApiKey, signup, staffSession, startTestSystem, type TestSystem } from '../helpers/system';

const TOKEN = 'scrape-token-0123456789';

/** The value of one series in a Prometheus text exposition, or undefined when it is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe.each(DIALECTS)('metrics and readiness on %s', (dialect) => {
  let ts: TestSystem | null = null;
  afterEach(async () => {
    await ts?.close().catch(() => undefined);
    ts = null;
  });

  it('GET /metrics: open without METRICS_TOKEN, only to its bearer with it, 404 when turned off', async () => {
    ts = await startTestSystem(dialect, { METRICS: 'false' });
    const off = await ts.app.inject({ method: 'GET', url: '/metrics' });
    expect(off.statusCode).toBe(404);
    expect(off.json().code).toBe('not_found');
    await ts.close();
    ts = await startTestSystem(dialect, { METRICS: 'true' });
    const open = await ts.app.inject({ method: 'GET', url: '/metrics' });
    expect(open.statusCode, open.body).toBe(200);
    expect(open.body).toContain('# TYPE smsgate_message_status_changes_total counter');
    await ts.close();
    ts = await startTestSystem(dialect, { METRICS: 'true', METRICS_TOKEN: TOKEN });
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789', TOKEN]) {
      const r = await ts.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: authorization ? { authorization } : {},
      });
      expect(r.statusCode).toBe(401);
      expect(r.headers['content-type']).toContain('application/problem+json');
    }
  });

  it('counts what messages became, receipts by route and country, and reads queues and binds when scraped', async () => {
    ts = await startTestSystem(dialect, {
      METRICS: 'true',
      METRICS_TOKEN: TOKEN,
      SIMULATOR_DELIVERY_DELAY_MS: '1000',
      SIMULATOR_REJECT_PATTERN: '9999$',
    });
    const scrape = async () => {
      const r = await ts!.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toContain('text/plain');
      expect(r.headers['cache-control']).toBe('no-store');
      return r.body;
    };
    const key = await createApiKey(ts.app, await signup(ts.app));
    const sent = await ts.app.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: key.headers,
      payload: { to: ['+37120000001', '+37120000002', '+37120009999'], text: 'hi' },
    });
    expect(sent.statusCode, sent.body).toBe(202);
    const queued = await scrape();
    expect(sample(queued, 'smsgate_message_status_changes_total{status="queued"}')).toBe(3);
    expect(sample(queued, 'smsgate_jobs{kind="dispatch"}')).toBeGreaterThanOrEqual(1);
    // The process's own figures come along (event-loop lag is what a busy server shows first).
    expect(queued).toContain('nodejs_eventloop_lag_seconds');
    expect(queued).toMatch(/smsgate_route_binds\{route="simulator"\} 1/);

    await ts.system.workOnce();
    ts.clock.advance(1001);
    await ts.system.workOnce();
    const done = await scrape();
    expect(sample(done, 'smsgate_message_status_changes_total{status="sent"}')).toBe(2);
    expect(sample(done, 'smsgate_message_status_changes_total{status="delivered"}')).toBe(2);
    const receipts = done.split('\n').filter((l) => l.startsWith('smsgate_receipts_total{'));
    expect(
      receipts.some(
        (l) => l.includes('country="LV"') && l.includes('outcome="delivered"') && l.endsWith(' 2'),
      ),
    ).toBe(true);
    expect(done).toMatch(/smsgate_delivery_latency_seconds_count\{route="[^"]+"\} 2/);

    // The Grafana dashboard in deploy/ asks only for series the server exports.
    const dashboard = JSON.parse(readFileSync('deploy/grafana-dashboard.json', 'utf8')) as {
      panels: Array<{ targets: Array<{ expr: string }> }>;
    };
    const asked = new Set(
      dashboard.panels.flatMap((p) =>
        p.targets.flatMap((t) => t.expr.match(/\b(smsgate|nodejs|process)_\w+/g) ?? []),
      ),
    );
    expect(asked.size).toBeGreaterThan(8);
    for (const name of asked) expect(done).toContain(`# TYPE ${name.replace(/_(bucket|count|sum)$/, '')} `);
  });

  it('/readyz says routes: unbound while every enabled carrier is without a connection', async () => {
    ts = await startTestSystem(dialect);
    const op = (await staffSession(ts, 'operator')).headers;
    const route = await ts.app.inject({
      method: 'POST',
      url: '/v1/admin/routes',
      headers: op,
      payload: {
        name: 'nowhere',
        type: 'smpp',
        config: { host: '127.0.0.1', port: await freePort(), systemId: 'x', password: 'y' },
      },
    });
    expect(route.statusCode, route.body).toBe(201);
    const ready = await ts.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks).toMatchObject({ database: 'ok', migrations: 'ok', routes: 'unbound' });
  });
});
