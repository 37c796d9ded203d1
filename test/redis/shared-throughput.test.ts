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

const REDIS_URL = process.env.TEST_REDIS_URL;
const LIMIT = 40;
const MESSAGES = 240;

/** The most submits the carrier received in any one-second span. */
function busiestSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while (sorted[last]! - sorted[first]! >= 1000) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

/**
 * Three processes each hold a bind of one route limited to 40 messages a second, and all of them
 * dispatch: with Redis the limit holds for the three together, as the carrier receives the submits.
 */
describe.skipIf(!REDIS_URL).each(DIALECTS)('a route throughput limit shared over Redis, on %s', (dialect) => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  });
  const mail = new MailBox();

  async function start(test: TestStorage, own: boolean, prefix: string): Promise<System> {
    const process = await startProcessOn(test, {
      own,
      mail,
      env: { FREE_CREDITS: '1000', REDIS_URL: REDIS_URL!, REDIS_PREFIX: prefix },
    });
    cleanup.push(() => process.close());
    return process.system;
  }

  it('never lets the carrier see more than the limit in any second, with three processes sending', async () => {
    const test = await openTestStorage(dialect);
    cleanup.push(() => test.dispose());
    const smsc = await startSmscSimulator({ systemId: 'limited', password: 'secret1' });
    cleanup.push(() => smsc.stop());
    const prefix = `throughput-${Date.now()}`;
    const api = await start(test, true, prefix);
    const app = await api.http();
    registerMailBox(app, mail);
    const op = (await staffSession({ system: api, app }, 'operator')).headers;
    const route = await app.inject({
      method: 'POST',
      url: '/v1/admin/routes',
      headers: op,
      payload: {
        name: 'limited',
        type: 'smpp',
        config: {
          host: '127.0.0.1',
          port: smsc.port,
          systemId: 'limited',
          password: 'secret1',
          throughput: LIMIT,
        },
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
    const workers = [api, await start(test, false, prefix), await start(test, false, prefix)];
    for (const w of workers) await w.services.registry.sync();
    const deadline = Date.now() + 20_000;
    while (smsc.boundSessions() < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(smsc.boundSessions()).toBe(3);

    const key = await createApiKey(app, await signup(app));
    // Many small sends: many dispatch jobs, taken by whichever process is free.
    for (let r = 0; r < MESSAGES / 10; r++) {
      const to = Array.from({ length: 10 }, (_, i) => `+3712${String(5_000_000 + r * 10 + i)}`);
      const sent = await app.inject({
        method: 'POST',
        url: '/v1/messages',
        headers: key.headers,
        payload: { to, text: 'x' },
      });
      expect(sent.statusCode, sent.body).toBe(202);
    }
    const started = Date.now();
    for (const w of workers) w.startWorkers();
    while (smsc.submitCount() < MESSAGES && Date.now() - started < 40_000)
      await new Promise((r) => setTimeout(r, 50));
    const seconds = (Date.now() - started) / 1000;
    expect(smsc.submitCount()).toBe(MESSAGES);

    const times = smsc.submits.map((s) => s.at);
    expect(busiestSecond(times)).toBeLessThanOrEqual(LIMIT);
    // Shared, not starved: the three together come near the limit.
    expect(MESSAGES / seconds).toBeGreaterThan(LIMIT * 0.6);
    const sessions = new Set(smsc.submits.map((s) => s.session));
    expect(sessions.size, 'every process sent some').toBeGreaterThanOrEqual(2);
  }, 90_000);
});
