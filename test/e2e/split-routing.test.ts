import { afterEach, describe, expect, it } from 'vitest';
import { startSmscSimulator } from '../../dev/smsc-simulator';
import type { System } from '../../src/main';
import { DIALECTS, openTestStorage, type TestStorage } from '../helpers/storage';
import {
  createApiKey,
  MailBox,
  registerMailBox,
  signup,
  staffSession,
  startProcessOn,
} from '../helpers/system';

/**
 * A split deployment: an API process where the operator adds a carrier and a routing rule, and a worker
 * process that was already running and dispatches. The worker must send through the new carrier at once,
 * not through the built-in simulator (which would report every message delivered) until its next
 * periodic re-read of routes and rules.
 */
describe.each(DIALECTS)('a carrier added in another process, on %s', (dialect) => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  });
  const mail = new MailBox();

  async function start(test: TestStorage, own: boolean, role?: string): Promise<System> {
    const process = await startProcessOn(test, {
      own,
      mail,
      env: { FREE_CREDITS: '1000' },
      ...(role ? { role } : {}),
    });
    cleanup.push(() => process.close());
    return process.system;
  }

  it('is used by the running worker for the next messages, never the simulator', async () => {
    const test = await openTestStorage(dialect);
    cleanup.push(() => test.dispose());
    const smsc = await startSmscSimulator({ systemId: 'carrier', password: 'secret1' });
    cleanup.push(() => smsc.stop());

    // The worker starts first: it knows no carrier yet, only the built-in simulator.
    const worker = await start(test, false);
    worker.startWorkers();

    const api = await start(test, true);
    const app = await api.http();
    registerMailBox(app, mail);
    const op = (await staffSession({ system: api, app }, 'operator')).headers;
    const route = await app.inject({
      method: 'POST',
      url: '/v1/admin/routes',
      headers: op,
      payload: {
        name: 'carrier',
        type: 'smpp',
        config: { host: '127.0.0.1', port: smsc.port, systemId: 'carrier', password: 'secret1' },
      },
    });
    expect(route.statusCode, route.body).toBe(201);
    const rule = await app.inject({
      method: 'POST',
      url: '/v1/admin/routing-rules',
      headers: op,
      payload: { priority: 10, match: { countries: ['LV'] }, routeIds: [route.json().id] },
    });
    expect(rule.statusCode, rule.body).toBe(201);

    // Sent at once: well within the worker's periodic re-read (5 s).
    const key = await createApiKey(app, await signup(app));
    const to = Array.from({ length: 5 }, (_, i) => `+3712${String(4_000_000 + i)}`);
    const sent = await app.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: key.headers,
      payload: { to, text: 'hi' },
    });
    expect(sent.statusCode, sent.body).toBe(202);

    const db = test.storage.db;
    const deadline = Date.now() + 20_000;
    let rows: Array<{ status: string; route_id: string | null }> = [];
    while (Date.now() < deadline) {
      rows = await db.selectFrom('messages').select(['status', 'route_id']).execute();
      if (rows.length === 5 && rows.every((r) => r.status !== 'queued' && r.status !== 'sending')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(rows.map((r) => r.route_id)).toEqual(Array(5).fill(route.json().id));
    expect(smsc.submitCount()).toBe(5);
  }, 40_000);

  it('leaves the carrier binds to the worker: an API process opens none, and shows the worker’s binds', async () => {
    const test = await openTestStorage(dialect);
    cleanup.push(() => test.dispose());
    const smsc = await startSmscSimulator({ systemId: 'carrier', password: 'secret1' });
    cleanup.push(() => smsc.stop());
    const worker = await start(test, false);
    worker.startWorkers();
    const api = await start(test, true, 'api');
    const app = await api.http();
    registerMailBox(app, mail);
    const op = (await staffSession({ system: api, app }, 'operator')).headers;
    const route = await app.inject({
      method: 'POST',
      url: '/v1/admin/routes',
      headers: op,
      payload: {
        name: 'carrier',
        type: 'smpp',
        config: { host: '127.0.0.1', port: smsc.port, systemId: 'carrier', password: 'secret1', binds: 2 },
      },
    });
    expect(route.statusCode, route.body).toBe(201);
    const id = route.json().id as string;
    await worker.services.registry.sync();
    // The worker's next health write (every 5 s) reaches the API process through the database.
    const deadline = Date.now() + 15_000;
    let health = await app.inject({ method: 'GET', url: `/v1/admin/routes/${id}/health`, headers: op });
    while (health.statusCode !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      health = await app.inject({ method: 'GET', url: `/v1/admin/routes/${id}/health`, headers: op });
    }
    expect(health.statusCode, health.body).toBe(200);
    expect(health.json()).toMatchObject({ connectedBinds: 2 });
    expect(smsc.boundSessions(), 'binds at the carrier: the worker’s two, none of the API’s').toBe(2);
    expect(smsc.binds.filter((b) => b.ok)).toHaveLength(2);
    // The API process still checks the database and so on, not binds it does not hold.
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.json().checks.routes).toBeUndefined();
  }, 40_000);
});
