import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type SmscSimulator, startSmscSimulator } from '../../dev/smsc-simulator';
import { DIALECTS } from '../helpers/storage';
import { type Session, signup, staffSession, startTestSystem, type TestSystem } from '../helpers/system';

const LV = '+37121234567';
const DE = '+4915123456789';
const SIMULATED = 'simulated carrier: not delivered to a real phone';

/** Runs the workers (moving the fake clock along) until `done` holds; SMPP is real TCP, so this waits. */
async function until(ts: TestSystem, done: () => Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    ts.clock.advance(100);
    await ts.system.workOnce();
    if (await done()) return;
    await new Promise((r) => setTimeout(r, 30));
  }
  throw new Error('condition not reached in time');
}

describe.each(DIALECTS)('routing order and the simulator on %s', (dialect) => {
  let ts: TestSystem;
  let smsc: SmscSimulator;
  let op: Session;
  let client: Session;
  const routes: string[] = [];
  const rules: string[] = [];

  beforeAll(async () => {
    ts = await startTestSystem(dialect, { SIMULATOR_DELIVERY_DELAY_MS: '0' });
    op = await staffSession(ts, 'operator');
    client = await signup(ts.app);
    smsc = await startSmscSimulator({ systemId: 'acme', password: 'secret1', receiptDelayMs: 5 });
  });
  afterEach(async () => {
    for (const id of rules.splice(0))
      await ts.app.inject({ method: 'DELETE', url: `/v1/admin/routing-rules/${id}`, headers: op.headers });
    for (const id of routes.splice(0))
      await ts.app.inject({ method: 'DELETE', url: `/v1/admin/routes/${id}`, headers: op.headers });
  });
  afterAll(async () => {
    await smsc?.stop();
    await ts?.close();
  });

  const admin = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    ts.app.inject({ method, url, headers: op.headers, ...(payload ? { payload } : {}) });
  async function addCarrier(name = 'carrier') {
    const r = await admin('POST', '/v1/admin/routes', {
      name,
      type: 'smpp',
      config: { host: '127.0.0.1', port: smsc.port, systemId: 'acme', password: 'secret1' },
    });
    expect(r.statusCode, r.body).toBe(201);
    routes.push(r.json().id);
    return r.json() as { id: string; simulated: boolean };
  }
  async function addRule(payload: object) {
    const r = await admin('POST', '/v1/admin/routing-rules', payload);
    expect(r.statusCode, r.body).toBe(201);
    rules.push(r.json().id);
    return r.json();
  }
  const send = async (to: string, text = 'Hello') => {
    const r = await ts.app.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: client.headers,
      payload: { to, text },
    });
    expect(r.statusCode, r.body).toBe(202);
    return (r.json().data as Array<{ id: string }>)[0]!.id;
  };
  const message = async (id: string) =>
    (await ts.app.inject({ method: 'GET', url: `/v1/messages/${id}`, headers: client.headers })).json();
  const isDone = async (id: string) => ['sent', 'delivered'].includes((await message(id)).status);
  const connected = async (id: string) =>
    (await admin('GET', `/v1/admin/routes/${id}/health`)).json().connectedBinds > 0;

  it('with no route configured a message goes through the simulator and says so in its view and events', async () => {
    const id = await send(LV);
    await until(ts, async () => (await message(id)).status === 'delivered');
    const view = await message(id);
    expect(view).toMatchObject({ route: 'simulator', simulated: true });
    const sent = view.events.find((e: { status: string }) => e.status === 'sent');
    expect(sent.detail).toContain(SIMULATED);
    const delivered = view.events.find((e: { status: string }) => e.status === 'delivered');
    expect(delivered.detail).toContain(SIMULATED);
    const listed = (
      await ts.app.inject({ method: 'GET', url: '/v1/messages', headers: client.headers })
    ).json().data;
    expect(listed.find((m: { id: string }) => m.id === id)).toMatchObject({ simulated: true });
  });

  it('a rule takes the simulator only when the operator allows it, and keeps the chosen order', async () => {
    const carrier = await addCarrier();
    expect(carrier.simulated).toBe(false);
    // The trap: the simulator as a fallback without saying so.
    const refused = await admin('POST', '/v1/admin/routing-rules', {
      priority: 1,
      match: { countries: ['LV'] },
      routeIds: [carrier.id, 'simulator'],
    });
    expect(refused.statusCode, refused.body).toBe(400);
    expect(refused.json()).toMatchObject({
      code: 'validation_failed',
      errors: [expect.objectContaining({ path: '/body/routeIds/1' })],
    });
    // The same route twice says nothing about order.
    const twice = await admin('POST', '/v1/admin/routing-rules', {
      priority: 1,
      match: {},
      routeIds: [carrier.id, carrier.id],
    });
    expect(twice.statusCode, twice.body).toBe(400);

    const rule = await addRule({
      priority: 1,
      match: { countries: ['LV'] },
      routeIds: [carrier.id, 'simulator'],
      allowSimulator: true,
    });
    expect(rule).toMatchObject({ routeIds: [carrier.id, 'simulator'], allowSimulator: true });
    const listed = (await admin('GET', '/v1/admin/routing-rules')).json().data;
    expect(listed).toEqual([expect.objectContaining({ id: rule.id, routeIds: [carrier.id, 'simulator'] })]);

    await until(ts, () => connected(carrier.id));
    const id = await send(LV);
    await until(ts, () => isDone(id));
    expect(await message(id)).toMatchObject({ route: carrier.id, simulated: false });
    expect(JSON.stringify((await message(id)).events)).not.toContain(SIMULATED);

    // Turning the simulator off for the rule while it still names it is refused too.
    const off = await admin('PATCH', `/v1/admin/routing-rules/${rule.id}`, { allowSimulator: false });
    expect(off.statusCode, off.body).toBe(400);
    // Reordered: the simulator first, as the operator chose; the order is kept as given.
    const swapped = await admin('PATCH', `/v1/admin/routing-rules/${rule.id}`, {
      routeIds: ['simulator', carrier.id],
    });
    expect(swapped.statusCode, swapped.body).toBe(200);
    expect((await admin('GET', '/v1/admin/routing-rules')).json().data[0].routeIds).toEqual([
      'simulator',
      carrier.id,
    ]);
    const second = await send(LV);
    await until(ts, () => isDone(second));
    expect(await message(second)).toMatchObject({ route: 'simulator', simulated: true });
    // Without the simulator in its list the rule may drop the permission.
    const only = await admin('PATCH', `/v1/admin/routing-rules/${rule.id}`, {
      routeIds: [carrier.id],
      allowSimulator: false,
    });
    expect(only.json()).toMatchObject({ routeIds: [carrier.id], allowSimulator: false });
  });

  it('an operator-made simulator route is a simulator too', async () => {
    const r = await admin('POST', '/v1/admin/routes', { name: 'staging', type: 'simulator' });
    expect(r.statusCode, r.body).toBe(201);
    routes.push(r.json().id);
    expect(r.json().simulated).toBe(true);
    const refused = await admin('POST', '/v1/admin/routing-rules', {
      priority: 1,
      match: { accountId: client.accountId },
      routeIds: [r.json().id],
    });
    expect(refused.statusCode, refused.body).toBe(400);
  });

  it('without a matching rule, messages go to the real routes once one is enabled, never to the simulator', async () => {
    const carrier = await addCarrier();
    await addRule({ priority: 1, match: { countries: ['EE'] }, routeIds: [carrier.id] });
    await until(ts, () => connected(carrier.id));
    const id = await send(DE);
    await until(ts, () => isDone(id));
    expect(await message(id)).toMatchObject({ route: carrier.id, simulated: false });

    // With every real route disabled the simulator takes over again (as on a fresh install).
    expect((await admin('PATCH', `/v1/admin/routes/${carrier.id}`, { enabled: false })).statusCode).toBe(200);
    const later = await send(DE);
    await until(ts, () => isDone(later));
    expect(await message(later)).toMatchObject({ route: 'simulator', simulated: true });
  });

  it('a rule stored without the permission never reaches the simulator, even if it lists it first', async () => {
    const carrier = await addCarrier();
    const rule = await addRule({ priority: 1, match: { countries: ['LV'] }, routeIds: [carrier.id] });
    // As rules were stored before the permission existed: the simulator listed first.
    await ts.system.storage.db
      .updateTable('routing_rules')
      .set({ route_ids: JSON.stringify(['simulator', carrier.id]), allow_simulator: 0 })
      .where('id', '=', rule.id)
      .execute();
    await ts.system.services.registry.sync();
    await until(ts, () => connected(carrier.id));
    const id = await send(LV);
    await until(ts, () => isDone(id));
    expect(await message(id)).toMatchObject({ route: carrier.id, simulated: false });
  });
});
