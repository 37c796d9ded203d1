import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_TYPES } from '../../src/adapters/route-types';
import { DIALECTS } from '../helpers/storage';
import { type Session, signup, staffSession, startTestSystem, type TestSystem } from '../helpers/system';
import { acmeRouteType, acmeSends } from '../helpers/throwaway-route-type';

/**
 * Adding a route type is one registry entry: a type injected into the registry (and nowhere else) is
 * listed with its JSON Schema, validated, masked, stored, built into a live adapter and routed to.
 */
describe.each(DIALECTS)('a throw-away route type on %s', (dialect) => {
  let ts: TestSystem;
  let op: Session;
  let client: Session;
  beforeAll(async () => {
    ts = await startTestSystem(dialect, {}, { routeTypes: [...ROUTE_TYPES, acmeRouteType] });
    op = await staffSession(ts, 'operator');
    client = await signup(ts.app);
  });
  afterAll(async () => {
    await ts?.close();
  });
  const admin = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
    ts.app.inject({ method, url, headers: op.headers, ...(payload ? { payload } : {}) });

  it('is listed with its config as JSON Schema, the secret marked', async () => {
    const r = await admin('GET', '/v1/admin/route-types');
    expect(r.statusCode).toBe(200);
    const acme = r.json().data.find((t: { type: string }) => t.type === 'acme');
    expect(acme).toMatchObject({ label: 'Acme SMS API', simulated: false, secretKeys: ['apiKey'] });
    expect(acme.configSchema.required.sort()).toEqual(['apiKey', 'baseUrl']);
    expect(acme.configSchema.properties).toMatchObject({
      baseUrl: { type: 'string', format: 'uri', title: 'Base URL' },
      apiKey: { type: 'string', writeOnly: true, format: 'password' },
      region: { enum: ['eu', 'us'], default: 'eu' },
      maxRetries: { type: 'integer', minimum: 0, maximum: 5 },
      sandbox: { type: 'boolean' },
    });
  });

  it('validates, stores and masks its config; messages go through its adapter with its failure codes', async () => {
    const bad = await admin('POST', '/v1/admin/routes', {
      name: 'acme',
      type: 'acme',
      config: { baseUrl: 'not a url', apiKey: 'short' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('validation_failed');
    expect(
      bad
        .json()
        .errors.map((e: { path: string }) => e.path)
        .sort(),
    ).toEqual(['/body/config/apiKey', '/body/config/baseUrl']);
    const unknown = await admin('POST', '/v1/admin/routes', { name: 'x', type: 'nope', config: {} });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().code).toBe('validation_failed');

    const created = await admin('POST', '/v1/admin/routes', {
      name: 'acme',
      type: 'acme',
      config: { baseUrl: 'https://api.acme.test', apiKey: 'acme-secret-key' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const route = created.json();
    expect(route).toMatchObject({
      type: 'acme',
      simulated: false,
      config: { baseUrl: 'https://api.acme.test', apiKey: '********', region: 'eu', sandbox: false },
    });
    const list = await admin('GET', '/v1/admin/routes');
    expect(list.body).not.toContain('acme-secret-key');
    // Editing without the key keeps the stored one.
    const patched = await admin('PATCH', `/v1/admin/routes/${route.id}`, { config: { region: 'us' } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().config).toMatchObject({ region: 'us', apiKey: '********' });

    const rule = await admin('POST', '/v1/admin/routing-rules', {
      priority: 1,
      match: { countries: ['LV'] },
      routeIds: [route.id],
    });
    expect(rule.statusCode, rule.body).toBe(201);
    const sent = await ts.app.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: client.headers,
      payload: { to: ['+37120000012', '+37120000021'], text: 'Through Acme' },
    });
    expect(sent.statusCode, sent.body).toBe(202);
    const [ok, refused] = sent.json().data as Array<{ id: string }>;
    for (let i = 0; i < 20; i++) await ts.system.workOnce();
    const view = async (id: string) =>
      (await ts.app.inject({ method: 'GET', url: `/v1/messages/${id}`, headers: client.headers })).json();
    expect(await view(ok!.id)).toMatchObject({ status: 'sent', route: route.id });
    expect(await view(refused!.id)).toMatchObject({
      status: 'failed',
      error: { code: 'invalid_destination', carrierCode: 'ACME-21' },
    });
    expect(acmeSends).toContainEqual({
      routeId: route.id,
      to: '+37120000012',
      text: 'Through Acme',
      apiKey: 'acme-secret-key',
    });
  });
});
