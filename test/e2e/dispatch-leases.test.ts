import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type SmscSimulator, startSmscSimulator } from '../../dev/smsc-simulator';
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
const TRANSPORTS = REDIS_URL ? (['database', 'redis'] as const) : (['database'] as const);
const CASES = DIALECTS.flatMap((dialect) => TRANSPORTS.map((transport) => [dialect, transport] as const));

/**
 * Two dispatch workers on one database, on the real clock, with leases far shorter than a batch takes
 * against a throttling carrier: leases must be renewed while the work runs, and no message may reach
 * the carrier twice.
 */
describe.each(CASES)('two dispatch workers on %s with the %s queue', (dialect, transport) => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  });

  /** Mail of the systems started here: `signup` confirms the e-mail through it. */
  const mail = new MailBox();
  async function worker(test: TestStorage, env: Record<string, string>, own: boolean): Promise<System> {
    // A lease far shorter than the batch: only the heartbeat keeps it.
    const process = await startProcessOn(test, {
      own,
      mail,
      env,
      dispatch: { leaseMs: 1500, heartbeatMs: 300 },
    });
    cleanup.push(() => process.close());
    return process.system;
  }

  it('a carrier throttling at 50/s gets 500 messages in at most 15 s (10 s at the limit, with room for a busy machine), none of them twice', async () => {
    const test = await openTestStorage(dialect);
    cleanup.push(() => test.dispose());
    const smsc: SmscSimulator = await startSmscSimulator({
      systemId: 'slowco',
      password: 'secret1',
      maxPerSecond: 50,
      receiptDelayMs: 20,
    });
    cleanup.push(() => smsc.stop());
    const env: Record<string, string> = { FREE_CREDITS: '10000' };
    if (transport === 'redis') {
      env.REDIS_URL = REDIS_URL!;
      env.REDIS_PREFIX = `l${randomBytes(4).toString('hex')}`;
    }
    const a = await worker(test, env, true);
    const app = await a.http();
    registerMailBox(app, mail);
    const op = (await staffSession({ system: a, app }, 'operator')).headers;
    const route = await app.inject({
      method: 'POST',
      url: '/v1/admin/routes',
      headers: op,
      payload: {
        name: 'slow',
        type: 'smpp',
        config: { host: '127.0.0.1', port: smsc.port, systemId: 'slowco', password: 'secret1', window: 10 },
      },
    });
    expect(route.statusCode, route.body).toBe(201);
    const rule = await app.inject({
      method: 'POST',
      url: '/v1/admin/routing-rules',
      headers: op,
      payload: { priority: 10, match: { countries: ['LV'] }, routeIds: [route.json().id] },
    });
    expect(rule.statusCode).toBe(201);
    // The second worker loads the route from the database.
    const b = await worker(test, env, false);
    const client = await signup(app);
    const key = await createApiKey(app, client);

    const started = Date.now();
    for (let r = 0; r < 2; r++) {
      const to = Array.from({ length: 250 }, (_, i) => `+3712${String(3_000_000 + r * 250 + i)}`);
      const sent = await app.inject({
        method: 'POST',
        url: '/v1/messages',
        headers: key.headers,
        payload: { to, text: 'x' },
      });
      expect(sent.statusCode).toBe(202);
    }
    a.startWorkers();
    b.startWorkers();
    const db = test.storage.db;
    const done = async () =>
      Number(
        (
          await db
            .selectFrom('messages')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('status', 'in', ['sent', 'delivered'])
            .executeTakeFirstOrThrow()
        ).n,
      );
    const deadline = Date.now() + 60_000;
    while ((await done()) < 500 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const elapsed = Date.now() - started;

    const accepted = new Map<string, number>();
    for (const s of smsc.submits)
      if (s.status === 0) accepted.set(s.destinationAddr, (accepted.get(s.destinationAddr) ?? 0) + 1);
    const twice = [...accepted.values()].filter((n) => n > 1).length;
    expect(await done()).toBe(500);
    expect(twice, 'messages the carrier accepted twice').toBe(0);
    expect(accepted.size).toBe(500);
    console.log(`${dialect}/${transport}: 500 messages through a 50/s carrier in ${elapsed} ms`);
    expect(elapsed, 'time to hand 500 messages to a 50/s carrier').toBeLessThanOrEqual(15_000);
    const failed = await db.selectFrom('messages').select('id').where('status', '=', 'failed').execute();
    expect(failed).toEqual([]);
  }, 90_000);
});
