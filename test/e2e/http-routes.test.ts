import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAggregator, startFakeAggregator } from '../helpers/fake-aggregator';
import { httpRouteCalls, kannelConfig, smsGateConfig } from '../helpers/http-routes';
import { DIALECTS } from '../helpers/storage';
import { type Session, signup, staffSession, startTestSystem, type TestSystem } from '../helpers/system';

/**
 * The generic HTTP route sending through fake aggregators (real HTTP servers): each request checked as
 * the protocol describes it, and each kind of answer mapped to what the message and the route become.
 */
describe.each(DIALECTS)('generic HTTP routes sending on %s', (dialect) => {
  let ts: TestSystem;
  let op: Session;
  const fakes: FakeAggregator[] = [];
  const calls = httpRouteCalls(
    () => ts,
    () => op,
  );
  const { addRoute, routeFor, send, view, health, work, admin } = calls;
  const fake = async (...args: Parameters<typeof startFakeAggregator>) => {
    const f = await startFakeAggregator(...args);
    fakes.push(f);
    return f;
  };
  /** Kannel's smsbox: checks the credentials, accepts, or refuses the number 99 as Kannel's SMSC would. */
  const kannel = () =>
    fake((r) => {
      if (r.query.username !== 'kannel-user' || r.query.password !== 'p&ss w0rd')
        return { status: 403, body: 'Authorization failed for sendsms' };
      if (r.query.to?.endsWith('99')) return { status: 400, body: 'Invalid destination number' };
      return { status: 202, body: '0: Accepted for delivery' };
    });

  beforeAll(async () => {
    ts = await startTestSystem(dialect, { PUBLIC_URL: 'https://sms.example.test' });
    op = await staffSession(ts, 'operator');
  });
  afterAll(async () => {
    for (const f of fakes) await f.close();
    await ts?.close();
  });

  it('sends a Kannel sendsms request exactly as documented; our message id is the reference', async () => {
    const smsbox = await kannel();
    const route = await addRoute('kannel', kannelConfig(smsbox.url));
    expect(route.token).toMatch(/^[\w-]{32}$/);
    const client = await signup(ts.app);
    await routeFor(client, [route.id]);
    const [id] = await send(client, ['+37120000012'], 'Sveiki & labdien, Ā!');
    await work();
    expect(await view(client, id!)).toMatchObject({ status: 'sent', route: route.id });
    expect(smsbox.received).toHaveLength(1);
    const r = smsbox.received[0]!;
    expect(r.method).toBe('GET');
    expect(r.path).toBe('/cgi-bin/sendsms');
    expect(r.query).toEqual({
      username: 'kannel-user',
      password: 'p&ss w0rd',
      from: expect.any(String),
      to: '+37120000012',
      text: 'Sveiki & labdien, Ā!',
      coding: '2',
      charset: 'UTF-8',
      'dlr-mask': '19',
      'dlr-url': `https://sms.example.test/hooks/routes/${route.id}/status?token=${route.token}&ref=${id}&type=%d&reply=%A`,
    });
    // The route's secret never shows again.
    const shown = await admin('GET', `/v1/admin/routes/${route.id}`);
    expect(shown.json().config).toMatchObject({ callbackToken: '********', password: '********' });
    expect(shown.body).not.toContain(route.token);
    expect((await health(route.id)).connectedBinds).toBe(1);
  });

  it('fails a message at once when the carrier refuses the number (mapped), or for good (unmapped 4xx)', async () => {
    const smsbox = await kannel();
    const route = await addRoute('kannel-bad-number', kannelConfig(smsbox.url));
    const unmapped = await fake(() => ({ status: 404, body: 'no such subscriber' }));
    const plain = await addRoute('plain-4xx', kannelConfig(unmapped.url, { errors: [] }));
    const client = await signup(ts.app);
    await routeFor(client, [route.id, plain.id]);
    const [bad] = await send(client, ['+37120000099'], 'to nobody');
    await work();
    expect(await view(client, bad!)).toMatchObject({
      status: 'failed',
      error: { code: 'invalid_destination', carrierCode: '400' },
    });
    // Final: no retry, no failover.
    expect(smsbox.received).toHaveLength(1);
    expect(unmapped.received).toHaveLength(0);

    const other = await signup(ts.app);
    await routeFor(other, [plain.id]);
    const [refused] = await send(other, ['+37120000013'], 'refused');
    await work();
    expect(await view(other, refused!)).toMatchObject({
      status: 'failed',
      error: { code: 'rejected_by_carrier', carrierCode: '404' },
    });
  });

  it('fails over to the next route on 5xx and on a timeout', async () => {
    const broken = await fake(() => ({ status: 503, body: 'Temporal failure, try again later' }));
    const slow = await fake(() => ({ status: 202, body: '0: Accepted', delayMs: 1500 }));
    const good = await kannel();
    const r5xx = await addRoute('5xx', kannelConfig(broken.url, { errors: [] }));
    const rSlow = await addRoute('slow', kannelConfig(slow.url, { timeoutMs: 500 }));
    const rGood = await addRoute('good', kannelConfig(good.url));
    const a = await signup(ts.app);
    await routeFor(a, [r5xx.id, rGood.id]);
    const b = await signup(ts.app);
    await routeFor(b, [rSlow.id, rGood.id]);
    const [viaA] = await send(a, ['+37120000014'], 'after a 5xx');
    const [viaB] = await send(b, ['+37120000015'], 'after a timeout');
    await work();
    expect(await view(a, viaA!)).toMatchObject({ status: 'sent', route: rGood.id });
    expect(await view(b, viaB!)).toMatchObject({ status: 'sent', route: rGood.id });
    expect(broken.received).toHaveLength(1);
    expect(slow.received).toHaveLength(1);
    expect(good.received.map((r) => r.query.to).sort()).toEqual(['+37120000014', '+37120000015']);
    expect((await health(rSlow.id)).errorsByCode).toEqual({ timeout: 1 });
    // 503 reached the carrier: still "bound"; the timeout did not.
    expect((await health(r5xx.id)).connectedBinds).toBe(1);
    expect((await health(rSlow.id)).connectedBinds).toBe(0);
  });

  it('wrong credentials: the route goes unhealthy with auth_failed, messages fail over, nothing is lost', async () => {
    const refusing = await fake(() => ({ status: 401, body: '{"error":"bad credentials"}' }));
    const good = await kannel();
    const bad = await addRoute('bad-auth', smsGateConfig(refusing.url));
    const backup = await addRoute('backup', kannelConfig(good.url));
    const client = await signup(ts.app);
    await routeFor(client, [bad.id, backup.id]);
    const [first] = await send(client, ['+37120000016'], 'fail over');
    await work();
    expect(await view(client, first!)).toMatchObject({ status: 'sent', route: backup.id });
    const h = await health(bad.id);
    expect(h).toMatchObject({ connectedBinds: 0, errorsByCode: { auth_failed: 1 } });
    expect(h.lastError).toContain('auth_failed');
    // Once the route is known bad, the next messages skip it instead of paying a refused request each.
    const ids = await send(client, ['+37120000017', '+37120000018'], 'fail over');
    await work();
    for (const id of ids) expect(await view(client, id)).toMatchObject({ status: 'sent', route: backup.id });
    expect(refusing.received).toHaveLength(1);
    expect(good.received).toHaveLength(3);
    // After the cooldown it is tried again.
    ts.clock.advance(31_000);
    expect((await health(bad.id)).connectedBinds).toBe(1);
  });

  it('a carrier that cannot be reached reports no bind, fails over, and recovers', async () => {
    const later = await fake(() => ({ status: 202, body: '0: Accepted' }));
    const port = Number(new URL(later.url).port);
    await later.close();
    fakes.splice(fakes.indexOf(later), 1);
    const good = await kannel();
    const down = await addRoute('down', kannelConfig(`http://127.0.0.1:${port}`));
    const backup = await addRoute('backup-2', kannelConfig(good.url));
    const client = await signup(ts.app);
    await routeFor(client, [down.id, backup.id]);
    const [first] = await send(client, ['+37120000019'], 'first');
    await work();
    expect(await view(client, first!)).toMatchObject({ status: 'sent', route: backup.id });
    expect(await health(down.id)).toMatchObject({ connectedBinds: 0, errorsByCode: { unreachable: 1 } });
    ts.clock.advance(6_000);
    expect((await health(down.id)).connectedBinds).toBe(1);
  });

  it('HTML or an empty body where JSON is expected is a retryable carrier_error with a clear detail', async () => {
    const html = await fake(() => ({ status: 200, body: '<html><body>Gateway</body></html>' }));
    const empty = await fake(() => ({ status: 200, body: '' }));
    const good = await kannel();
    const rHtml = await addRoute('html', smsGateConfig(html.url));
    const rEmpty = await addRoute('empty', smsGateConfig(empty.url));
    const backup = await addRoute('backup-3', kannelConfig(good.url));
    const a = await signup(ts.app);
    await routeFor(a, [rHtml.id, rEmpty.id, backup.id]);
    const [id] = await send(a, ['+37120000020'], 'json please');
    await work();
    expect(await view(a, id!)).toMatchObject({ status: 'sent', route: backup.id });
    expect((await health(rHtml.id)).lastError).toBe('carrier_error: HTTP 200: expected JSON, got HTML');
    expect((await health(rEmpty.id)).lastError).toBe(
      'carrier_error: HTTP 200: expected JSON, got an empty body',
    );
  });

  it('429 with Retry-After pauses the route that long; a long pause is honoured by the retry schedule', async () => {
    const pacing = await fake((_r, i) =>
      i === 0
        ? { status: 429, headers: { 'retry-after': '1' }, body: 'slow down' }
        : { status: 202, body: '0: Accepted' },
    );
    const route = await addRoute('pacing', kannelConfig(pacing.url));
    const client = await signup(ts.app);
    await routeFor(client, [route.id]);
    const [id] = await send(client, ['+37120000021'], 'patience');
    await work();
    expect(await view(client, id!)).toMatchObject({ status: 'sent', route: route.id });
    expect(pacing.received).toHaveLength(2);
    const waited = pacing.received[1]!.at - pacing.received[0]!.at;
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(waited).toBeLessThan(3000);

    const busy = await fake((_r, i) =>
      i === 0
        ? { status: 429, headers: { 'retry-after': '30' }, body: 'slow down' }
        : { status: 202, body: '0: Accepted' },
    );
    const slow = await addRoute('busy', kannelConfig(busy.url));
    const other = await signup(ts.app);
    await routeFor(other, [slow.id]);
    const [later] = await send(other, ['+37120000022'], 'later');
    await work();
    expect((await view(other, later!)).status).not.toBe('sent');
    expect(busy.received).toHaveLength(1);
    expect((await health(slow.id)).pausedForMs).toBeGreaterThan(25_000);
    const attempts = async () =>
      Number(
        (
          await ts.system.storage.db
            .selectFrom('messages')
            .select('attempts')
            .where('id', '=', later!)
            .executeTakeFirstOrThrow()
        ).attempts,
      );
    expect(await attempts()).toBe(1);
    // The dispatcher's own backoff (about 2 s) would have spent attempts long before the carrier's 30 s.
    ts.clock.advance(20_000);
    await work();
    expect(busy.received).toHaveLength(1);
    expect(await attempts()).toBe(1);
    ts.clock.advance(11_000);
    await work();
    expect(busy.received).toHaveLength(2);
    expect(await view(other, later!)).toMatchObject({ status: 'sent', route: slow.id });
  });

  it("keeps to the route's throughput (per process)", async () => {
    const paced = await kannel();
    const route = await addRoute('paced', kannelConfig(paced.url, { throughput: 5 }));
    const client = await signup(ts.app);
    await routeFor(client, [route.id]);
    await send(client, ['+37120000024', '+37120000025', '+37120000026', '+37120000027'], 'paced');
    await work();
    expect(paced.received).toHaveLength(4);
    const at = paced.received.map((r) => r.at).sort((a, b) => a - b);
    // 5 a second: the fourth goes no sooner than 3 × 200 ms after the first.
    expect(at[3]! - at[0]!).toBeGreaterThanOrEqual(550);
    expect(at[3]! - at[0]!).toBeLessThan(3000);
  });

  it('refuses a config with an unknown placeholder or filter when saved, naming the field', async () => {
    const r = await admin('POST', '/v1/admin/routes', {
      name: 'typo',
      type: 'http',
      config: kannelConfig('http://127.0.0.1:9', {
        body: 'msg={{txt}}',
        headers: { 'X-Key': '{{config.apiKey|rot13}}' },
      }),
    });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({
      code: 'validation_failed',
      errors: [
        { path: '/body/config/body', message: 'unknown placeholder {{txt}} at offset 4' },
        { path: '/body/config/headers/X-Key', message: 'unknown filter |rot13 at offset 0' },
      ],
    });
  });

  it('split "udh": one request per part with its concatenation header; the charged segments stay ours', async () => {
    let n = 0;
    const gate = await fake(() => ({
      status: 202,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: `part-${++n}`, state: 'Pending' }),
    }));
    const route = await addRoute(
      'split',
      smsGateConfig(gate.url, {
        split: 'udh',
        body: '{"udh":"{{udh}}","message":"{{text|json}}","part":{{part}},"of":{{parts}},"segments":{{segments}}}',
      }),
    );
    const client = await signup(ts.app);
    await routeFor(client, [route.id]);
    const text = 'x'.repeat(200);
    const [id] = await send(client, ['+37120000023'], text);
    await work();
    expect(await view(client, id!)).toMatchObject({ status: 'sent', segments: 2 });
    const bodies = gate.received.map((r) => JSON.parse(r.body));
    expect(bodies).toHaveLength(2);
    const ref = bodies[0].udh.slice(6, 8);
    expect(bodies).toEqual([
      { udh: `050003${ref}0201`, message: 'x'.repeat(153), part: 1, of: 2, segments: 2 },
      { udh: `050003${ref}0202`, message: 'x'.repeat(47), part: 2, of: 2, segments: 2 },
    ]);
    expect(gate.received[0]!.headers.authorization).toBe(
      `Basic ${Buffer.from('gate-user:gate-pass').toString('base64')}`,
    );
  });
});
