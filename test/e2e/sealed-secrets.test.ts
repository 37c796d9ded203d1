import { generateSync } from 'otplib';
import { afterEach, describe, expect, it } from 'vitest';
import { startSmscSimulator } from '../../dev/smsc-simulator';
import type { System } from '../../src/main';
import { SecretsKeyMismatch } from '../../src/storage/secrets-key-check';
import { DIALECTS, openTestStorage, type TestStorage } from '../helpers/storage';
import {
  createApiKey,
  MailBox,
  PASSWORD,
  registerMailBox,
  signup,
  staffSession,
  startProcessOn,
} from '../helpers/system';

/**
 * Credentials the platform must read back are sealed in the database (AES-256-GCM under the deployment's
 * secrets key): a copy of the database gives away no carrier password and no second factor.
 */
describe.each(DIALECTS)('sealed secrets at rest, on %s', (dialect) => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  });
  const mail = new MailBox();

  async function start(test: TestStorage, env: Record<string, string> = {}): Promise<System> {
    const process = await startProcessOn(test, { own: false, mail, env: { FREE_CREDITS: '1000', ...env } });
    cleanup.push(() => process.close());
    return process.system;
  }

  async function open(dialectStorage = dialect) {
    const test = await openTestStorage(dialectStorage);
    cleanup.push(() => test.dispose());
    return test;
  }

  it('keeps a route password sealed, and the route still binds and sends with it', async () => {
    const test = await open();
    const smsc = await startSmscSimulator({ systemId: 'carrier', password: 'pass-9x1' });
    cleanup.push(() => smsc.stop());
    const system = await start(test);
    system.startWorkers();
    const app = await system.http();
    registerMailBox(app, mail);
    const op = (await staffSession({ system, app }, 'operator')).headers;
    const route = await app.inject({
      method: 'POST',
      url: '/v1/admin/routes',
      headers: op,
      payload: {
        name: 'carrier',
        type: 'smpp',
        config: { host: '127.0.0.1', port: smsc.port, systemId: 'carrier', password: 'pass-9x1' },
      },
    });
    expect(route.statusCode, route.body).toBe(201);
    const row = await test.storage.db
      .selectFrom('routes')
      .select('config')
      .where('id', '=', route.json().id)
      .executeTakeFirstOrThrow();
    expect(row.config).not.toContain('pass-9x1');
    expect(JSON.parse(row.config).password).toMatch(/^sb1:/);
    expect(JSON.parse(row.config).systemId).toBe('carrier');

    // A change of another field keeps the sealed password usable (the form never sends it back).
    const renamed = await app.inject({
      method: 'PATCH',
      url: `/v1/admin/routes/${route.json().id}`,
      headers: op,
      payload: { name: 'carrier one', config: { password: '' } },
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json().config.password).not.toContain('pass');
    const rule = await app.inject({
      method: 'POST',
      url: '/v1/admin/routing-rules',
      headers: op,
      payload: { priority: 10, match: { countries: ['LV'] }, routeIds: [route.json().id] },
    });
    expect(rule.statusCode, rule.body).toBe(201);
    const key = await createApiKey(app, await signup(app));
    const sent = await app.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: key.headers,
      payload: { to: '+37120000001', text: 'sealed' },
    });
    expect(sent.statusCode, sent.body).toBe(202);
    const deadline = Date.now() + 20_000;
    while (smsc.submitCount() < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(smsc.submitCount()).toBe(1);
  }, 40_000);

  it('seals a route password and a 2FA secret stored in clear when a process starts, and both still work', async () => {
    const test = await open();
    const first = await start(test);
    const app = await first.http();
    registerMailBox(app, mail);
    const s = await signup(app);
    const setup = await app.inject({ method: 'POST', url: '/v1/auth/2fa/setup', headers: s.headers });
    const { secret } = setup.json();
    const db = test.storage.db;
    const user = await db
      .selectFrom('users')
      .select(['id', 'totp_secret'])
      .where('email', '=', s.email)
      .executeTakeFirstOrThrow();
    expect(user.totp_secret).toMatch(/^sb1:/);
    expect(user.totp_secret).not.toContain(secret);
    const epoch = Math.floor(Date.now() / 1000);
    const enable = await app.inject({
      method: 'POST',
      url: '/v1/auth/2fa/enable',
      headers: s.headers,
      payload: { code: generateSync({ secret, epoch }) },
    });
    expect(enable.statusCode, enable.body).toBe(204);

    // Rows as a version before sealing wrote them: the secret and a route password in clear.
    await db
      .updateTable('users')
      .set({ totp_secret: secret, totp_last_step: null })
      .where('id', '=', user.id)
      .execute();
    const now = Date.now();
    await db
      .insertInto('routes')
      .values({
        id: 'rte_clear',
        name: 'old',
        type: 'smpp',
        enabled: 0,
        config: JSON.stringify({ host: '127.0.0.1', port: 2775, systemId: 'old', password: 'clear-pw' }),
        created_at: now,
        updated_at: now,
      })
      .execute();

    const second = await start(test);
    const route = await db
      .selectFrom('routes')
      .select('config')
      .where('id', '=', 'rte_clear')
      .executeTakeFirstOrThrow();
    expect(route.config).not.toContain('clear-pw');
    expect(JSON.parse(route.config).password).toMatch(/^sb1:/);
    const sealed = await db
      .selectFrom('users')
      .select('totp_secret')
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(sealed.totp_secret).toMatch(/^sb1:/);

    const app2 = await second.http();
    const login = await app2.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: s.email, password: PASSWORD, totpCode: generateSync({ secret, epoch }) },
    });
    expect(login.statusCode, login.body).toBe(200);
    // The operator reads the old route back masked, and it opens for its adapter.
    const op = (await staffSession({ system: second, app: app2 }, 'operator')).headers;
    const view = await app2.inject({ method: 'GET', url: '/v1/admin/routes/rte_clear', headers: op });
    expect(view.statusCode, view.body).toBe(200);
    expect(JSON.stringify(view.json())).not.toContain('clear-pw');
  }, 40_000);

  it('refuses to start a process whose secrets key is not the database’s', async () => {
    const test = await open();
    await start(test);
    await expect(start(test, { SECRETS_KEY: 'b2'.repeat(32) })).rejects.toBeInstanceOf(SecretsKeyMismatch);
  }, 40_000);
});
