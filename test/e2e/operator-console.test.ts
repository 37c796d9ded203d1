import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmscSimulator, startSmscSimulator } from '../../dev/smsc-simulator';
import { createSecretBox } from '../../src/kernel/secret-box';
import { DIALECTS } from '../helpers/storage';
import {
  createApiKey,
  type Session,
  signup,
  staffSession,
  startTestSystem,
  TEST_SECRETS_KEY,
  type TestSystem,
} from '../helpers/system';

const PHONE = '+37121234567';

/** Runs the workers (moving the fake clock along) until `done` holds. */
async function until(ts: TestSystem, done: () => Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    ts.clock.advance(100);
    await ts.system.workOnce();
    if (await done()) return;
    await new Promise((r) => setTimeout(r, 30));
  }
  throw new Error('condition not reached in time');
}

describe.each(DIALECTS)('operator console APIs on %s', (dialect) => {
  let ts: TestSystem;
  let smsc: SmscSimulator;
  let op: Session;
  let support: Session;
  let client: Session;
  let clientKey: Record<string, string>;

  beforeAll(async () => {
    ts = await startTestSystem(dialect, { SIMULATOR_DELIVERY_DELAY_MS: '0' });
    op = await staffSession(ts, 'operator');
    support = await staffSession(ts, 'support');
    client = await signup(ts.app);
    clientKey = (await createApiKey(ts.app, client)).headers;
    smsc = await startSmscSimulator({ systemId: 'acme', password: 'secret1', receiptDelayMs: 5 });
  });
  afterAll(async () => {
    await ts?.close();
    await smsc?.stop();
  });

  const as =
    (headers: Record<string, string>) =>
    (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
      ts.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  const admin = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    as(op.headers)(method, url, payload);
  async function addCarrier(enabled = true) {
    const r = await admin('POST', '/v1/admin/routes', {
      name: 'carrier',
      type: 'smpp',
      enabled,
      config: { host: '127.0.0.1', port: smsc.port, systemId: 'acme', password: 'secret1' },
    });
    expect(r.statusCode, r.body).toBe(201);
    return r.json() as { id: string; config: Record<string, unknown> };
  }
  // The password as stored is sealed under the deployment's key: opened here as the adapter opens it.
  const box = createSecretBox(Buffer.from(TEST_SECRETS_KEY, 'hex'));
  const storedConfig = async (id: string) => {
    const row = await ts.system.services.db
      .selectFrom('routes')
      .select('config')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const config = JSON.parse(row.config) as Record<string, unknown>;
    expect(config.password).toMatch(/^sb1:/);
    return { ...config, password: box.open(String(config.password)) };
  };

  it('describes each route type: its config as JSON Schema, secret fields marked, labels', async () => {
    const r = await admin('GET', '/v1/admin/route-types');
    expect(r.statusCode, r.body).toBe(200);
    const types = r.json().data as Array<{
      type: string;
      label: string;
      secretKeys: string[];
      configSchema: { properties: Record<string, Record<string, unknown>>; required?: string[] };
    }>;
    // The vendor HTTP types (twilio, infobip, …) are described in test/e2e/vendor-routes.test.ts.
    expect(types.map((t) => t.type)).toEqual(expect.arrayContaining(['simulator', 'smpp']));
    const smpp = types.find((t) => t.type === 'smpp')!;
    expect(smpp.secretKeys).toEqual(['password']);
    expect(smpp.label).toBe('SMPP carrier');
    expect(smpp.configSchema.properties.password).toMatchObject({ writeOnly: true, format: 'password' });
    expect(smpp.configSchema.properties.port).toMatchObject({ type: 'integer', title: 'Port' });
    expect(smpp.configSchema.properties.bindMode).toMatchObject({
      enum: ['transceiver', 'transmitter_receiver'],
    });
    // Fields with defaults are optional on input.
    expect(smpp.configSchema.required).toEqual(
      expect.arrayContaining(['host', 'port', 'systemId', 'password']),
    );
    expect(smpp.configSchema.required).not.toContain('binds');

    // Staff without routes:manage, and clients, are refused.
    expect((await as(support.headers)('GET', '/v1/admin/route-types')).statusCode).toBe(403);
    expect([401, 403, 404]).toContain((await as(clientKey)('GET', '/v1/admin/route-types')).statusCode);
    expect([401, 403, 404]).toContain((await as(client.headers)('GET', '/v1/admin/route-types')).statusCode);
  });

  it('edits and disables a route, keeping a secret left blank; bad config is a 400 naming the field', async () => {
    const route = await addCarrier();
    expect(route.config.password).toBe('********');
    const edit = await admin('PATCH', `/v1/admin/routes/${route.id}`, {
      name: 'carrier-b',
      enabled: false,
      config: { password: '', window: 20 },
    });
    expect(edit.statusCode, edit.body).toBe(200);
    expect(edit.json()).toMatchObject({
      name: 'carrier-b',
      enabled: false,
      config: { password: '********', window: 20 },
    });
    expect(await storedConfig(route.id)).toMatchObject({ password: 'secret1', window: 20 });
    // The mask sent back keeps it too; a new value replaces it; null takes an optional field out.
    await admin('PATCH', `/v1/admin/routes/${route.id}`, { config: { password: '********', sourceTon: 5 } });
    expect(await storedConfig(route.id)).toMatchObject({ password: 'secret1', sourceTon: 5 });
    await admin('PATCH', `/v1/admin/routes/${route.id}`, {
      config: { password: 'secret2', sourceTon: null },
    });
    const stored = await storedConfig(route.id);
    expect(stored.password).toBe('secret2');
    expect(stored).not.toHaveProperty('sourceTon');

    const bad = await admin('PATCH', `/v1/admin/routes/${route.id}`, { config: { port: 'x', nope: 1 } });
    expect(bad.statusCode, bad.body).toBe(400);
    expect(bad.json().code).toBe('validation_failed');
    expect(bad.json().errors.map((e: { path: string }) => e.path)).toContain('/body/config/port');
    expect((await admin('PATCH', '/v1/admin/routes/rte_nope', { enabled: true })).statusCode).toBe(404);
    expect(
      (await as(support.headers)('PATCH', `/v1/admin/routes/${route.id}`, { enabled: true })).statusCode,
    ).toBe(403);
    expect([401, 403, 404]).toContain(
      (await as(clientKey)('PATCH', `/v1/admin/routes/${route.id}`, { enabled: true })).statusCode,
    );
    expect((await admin('DELETE', `/v1/admin/routes/${route.id}`)).statusCode).toBe(204);
  });

  it('refuses to delete a route that routing rules use, naming them', async () => {
    const route = await addCarrier(false);
    const rule = (
      await admin('POST', '/v1/admin/routing-rules', {
        priority: 5,
        match: { countries: ['EE'] },
        routeIds: [route.id],
      })
    ).json();
    const refused = await admin('DELETE', `/v1/admin/routes/${route.id}`);
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.json()).toMatchObject({ code: 'conflict', rules: [rule.id] });
    expect(refused.json().detail).toContain(rule.id);
    expect((await admin('DELETE', `/v1/admin/routing-rules/${rule.id}`)).statusCode).toBe(204);
    expect((await admin('DELETE', `/v1/admin/routes/${route.id}`)).statusCode).toBe(204);
  });

  it('test-sends through one SMPP route: the carrier accepts, the receipt comes back, nobody is charged', async () => {
    const route = await addCarrier();
    const balanceBefore = (await as(client.headers)('GET', '/v1/balance')).json().credits;
    const before = smsc.submits.length;
    const r = await admin('POST', `/v1/admin/routes/${route.id}/test`, {
      to: PHONE,
      text: 'Route test',
      waitSeconds: 10,
    });
    expect(r.statusCode, r.body).toBe(200);
    const test = r.json();
    expect(test).toMatchObject({
      routeId: route.id,
      to: PHONE,
      status: 'accepted',
      error: null,
      segments: 1,
    });
    expect(test.carrierRef).toEqual(expect.any(String));
    expect(test.receipt).toMatchObject({ status: 'delivered' });
    expect(smsc.submits.length).toBe(before + 1);
    expect(smsc.submits.at(-1)?.destinationAddr).toContain(PHONE.slice(1));
    // No client's message, no charge; an audited operator action.
    expect((await as(client.headers)('GET', '/v1/balance')).json().credits).toBe(balanceBefore);
    const messages = await ts.system.services.db
      .selectFrom('messages')
      .select('id')
      .where('to_number', '=', PHONE)
      .execute();
    expect(messages).toEqual([]);
    const audit = (await as(op.headers)('GET', '/v1/admin/audit-log?limit=20')).json().data as Array<{
      action: string;
    }>;
    expect(audit.map((e) => e.action)).toContain('route.tested');
    const listed = (await admin('GET', `/v1/admin/routes/${route.id}/tests`)).json();
    expect(listed.data[0]).toMatchObject({ id: test.id, receipt: { status: 'delivered' } });
    await admin('DELETE', `/v1/admin/routes/${route.id}`);
  });

  it('tests a disabled route too, and reports the carrier error when the submit is refused', async () => {
    const route = await addCarrier(false);
    const ok = await admin('POST', `/v1/admin/routes/${route.id}/test`, {
      to: PHONE,
      text: 'Before enabling',
      waitSeconds: 0,
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'accepted' });

    const refusing = await startSmscSimulator({
      systemId: 'acme',
      password: 'secret1',
      failWith: () => 0x0b,
    });
    try {
      await admin('PATCH', `/v1/admin/routes/${route.id}`, { config: { port: refusing.port } });
      const failed = await admin('POST', `/v1/admin/routes/${route.id}/test`, {
        to: PHONE,
        text: 'Refused',
        waitSeconds: 1,
      });
      expect(failed.statusCode, failed.body).toBe(200);
      expect(failed.json()).toMatchObject({ status: 'failed', carrierRef: null, receipt: null });
      expect(failed.json().error.code).toEqual(expect.any(String));
      expect(failed.json().error.detail).toEqual(expect.any(String));
    } finally {
      await refusing.stop();
      await admin('DELETE', `/v1/admin/routes/${route.id}`);
    }
  });

  it('test-sends through the built-in simulator; a receipt after the wait still lands on the test', async () => {
    const r = await admin('POST', '/v1/admin/routes/simulator/test', {
      to: PHONE,
      text: 'Sim test',
      waitSeconds: 0,
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ status: 'accepted', receipt: null });
    const id = r.json().id;
    const latest = async () => (await admin('GET', '/v1/admin/routes/simulator/tests')).json().data[0];
    await until(ts, async () => (await latest()).receipt !== null);
    expect(await latest()).toMatchObject({ id, receipt: { status: 'delivered' } });
  });

  it('refuses bad test input with stable codes, and anyone but routes staff', async () => {
    const bad = async (payload: object, status: number, code: string) => {
      const r = await admin('POST', '/v1/admin/routes/simulator/test', payload);
      expect(r.statusCode, r.body).toBe(status);
      expect(r.json().code).toBe(code);
    };
    await bad({ to: 'not a number', text: 'x' }, 422, 'invalid_phone_number');
    await bad({ to: PHONE }, 400, 'validation_failed');
    await bad({ to: PHONE, text: '' }, 400, 'validation_failed');
    await bad({ to: PHONE, text: 'x', waitSeconds: 999 }, 400, 'validation_failed');
    await bad({ to: PHONE, text: 'x', from: 'way too long a sender' }, 400, 'validation_failed');
    const unknown = await admin('POST', '/v1/admin/routes/rte_nope/test', { to: PHONE, text: 'x' });
    expect(unknown.statusCode).toBe(404);
    const payload = { to: PHONE, text: 'x', waitSeconds: 0 };
    expect((await as(support.headers)('POST', '/v1/admin/routes/simulator/test', payload)).statusCode).toBe(
      403,
    );
    expect([401, 403, 404]).toContain(
      (await as(clientKey)('POST', '/v1/admin/routes/simulator/test', payload)).statusCode,
    );
  });

  it('shows one account in full: users with 2FA, volume by status, balance, ledger, settings, prices', async () => {
    const sent = await as(client.headers)('POST', '/v1/messages', { to: PHONE, text: 'Hello' });
    expect(sent.statusCode, sent.body).toBe(202);
    const r = await as(support.headers)('GET', `/v1/admin/accounts/${client.accountId}`);
    expect(r.statusCode, r.body).toBe(200);
    const detail = r.json();
    expect(detail.account).toMatchObject({ id: client.accountId, status: 'active' });
    expect(detail.users).toEqual([
      expect.objectContaining({ email: client.email, role: 'owner', twoFactorEnabled: false }),
    ]);
    expect(detail.volume.total).toBe(1);
    expect(detail.volume.byStatus).toEqual({ queued: 1 });
    expect(detail.balance.credits).toEqual(expect.any(Number));
    expect(detail.settings.refundPolicy).toEqual(expect.any(String));
    expect(detail.prices).toBeNull();

    await admin('PUT', `/v1/admin/accounts/${client.accountId}/prices`, {
      default: 0.05,
      countries: { LV: 0.03 },
    });
    const priced = (await admin('GET', `/v1/admin/accounts/${client.accountId}`)).json();
    expect(priced.prices).toMatchObject({ default: 0.05, countries: { LV: 0.03 } });

    const ledger = await admin('GET', `/v1/admin/accounts/${client.accountId}/ledger?limit=1`);
    expect(ledger.statusCode, ledger.body).toBe(200);
    expect(ledger.json().data).toHaveLength(1);
    expect(ledger.json().nextCursor).toEqual(expect.any(String));
    const next = await admin(
      'GET',
      `/v1/admin/accounts/${client.accountId}/ledger?limit=1&cursor=${ledger.json().nextCursor}`,
    );
    expect(next.json().data[0].id).not.toBe(ledger.json().data[0].id);

    expect((await admin('GET', '/v1/admin/accounts/acc_nope')).statusCode).toBe(404);
    expect((await admin('GET', '/v1/admin/accounts/acc_nope/ledger')).statusCode).toBe(404);
    expect((await admin('GET', `/v1/admin/accounts/${client.accountId}/ledger?limit=0`)).statusCode).toBe(
      400,
    );
    expect([401, 403, 404]).toContain(
      (await as(clientKey)('GET', `/v1/admin/accounts/${client.accountId}`)).statusCode,
    );
  });

  it("lists a staff member's own API keys without their secrets", async () => {
    const made = await admin('POST', '/v1/admin/api-keys', { name: 'ops script' });
    expect(made.statusCode, made.body).toBe(201);
    const list = await admin('GET', '/v1/admin/api-keys');
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().data).toEqual([
      expect.objectContaining({ id: made.json().id, name: 'ops script', revokedAt: null }),
    ]);
    expect(list.body).not.toContain(made.json().key);
    // Another staff member does not see them.
    expect((await as(support.headers)('GET', '/v1/admin/api-keys')).json().data).toEqual([]);
    expect([401, 403, 404]).toContain((await as(clientKey)('GET', '/v1/admin/api-keys')).statusCode);
  });
});
