import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_KEY_SCOPES,
  PERMISSIONS,
  type Permission,
  ROLE_PERMISSIONS,
  ROLES,
  type Role,
  STAFF_PERMISSIONS,
  STAFF_ROLE_PERMISSIONS,
  STAFF_ROLES,
  type StaffPermission,
  type StaffRole,
} from '../../src/modules/accounts';
import { multipart } from '../helpers/multipart';
import { DIALECTS } from '../helpers/storage';
import { type Session, staffSession, startTestSystem, type TestSystem } from '../helpers/system';
import { snapshotAccount } from '../helpers/tenant-snapshot';
import {
  addMember,
  type Headers,
  isTwilioCompatibleRoute,
  login,
  type ResourceKind,
  seedTenant,
  setRole,
  type Tenant,
  tinyPng,
} from '../helpers/tenants';

/*
 * The generated authorization suite. Every route Fastify registered is called with every kind of
 * credential; what each answer must be comes from the route's own declaration (`config.auth` and
 * `config.permission`, which the auth hook enforces) and the role matrix in accounts/permissions.ts.
 * A route added tomorrow is walked the day it is added; one the tables below cannot place fails the
 * first test until its declaration (or the table) says what it is.
 */

type RouteRow = TestSystem['app']['routeTable'][number];

/**
 * Signed-in routes that need no permission: any member (or any staff) may use them. Those a person must
 * do themselves declare `sessionOnly`, which refuses API keys.
 */
const NO_PERMISSION = new Set([
  'GET /v1/me',
  'POST /v1/auth/logout',
  'POST /v1/auth/resend-verification',
  'POST /v1/auth/2fa/setup',
  'POST /v1/auth/2fa/enable',
  'POST /v1/auth/2fa/disable',
  'POST /v1/policy/accept',
  'GET /v1/admin/me',
  'POST /v1/admin/auth/logout',
  'POST /v1/admin/auth/2fa/setup',
  'POST /v1/admin/auth/2fa/enable',
  'POST /v1/admin/auth/2fa/disable',
  'GET /v1/admin/api-keys',
  'POST /v1/admin/api-keys',
  'DELETE /v1/admin/api-keys/:id',
]);

/** Routes that end the credential they are called with: walked last. */
const ENDS_SESSION = new Set(['POST /v1/auth/logout', 'POST /v1/admin/auth/logout']);

/** Staff-side things a path parameter can name. */
type StaffKind =
  | 'account'
  | 'message'
  | 'staffKey'
  | 'incident'
  | 'number'
  | 'privacyRequest'
  | 'route'
  | 'routingRule'
  | 'staff'
  | 'subProcessor'
  | 'senderId'
  | 'senderRule'
  | 'protectedName'
  | 'contentRule'
  | 'contentAllow';

/**
 * What each path parameter names, by the route's path up to and including the parameter. `shared`:
 * a platform-wide thing (no tenant owns it); `opaque`: a public code, never seeded.
 */
const PARAM_KINDS: Record<string, ResourceKind | { staff: StaffKind } | 'subProcessor' | 'opaque'> = {
  '/a/:code': 'opaque',
  '/l/:code': 'opaque',
  '/hooks/routes/:routeId': 'opaque',
  '/hooks/routes/:routeId/:kind': 'opaque',
  '/v1/api-keys/:id': 'apiKey',
  '/v1/smpp/credentials/:id': 'smppCredential',
  '/v1/smpp-credentials/:id': 'smppCredential',
  '/v1/attachments/:id': 'attachment',
  '/v1/campaigns/:id': 'campaign',
  '/v1/contacts/:id': 'contact',
  '/v1/groups/:id': 'group',
  '/v1/imports/:id': 'import',
  '/v1/inbound/:id': 'inbound',
  '/v1/keywords/:id': 'keywordRule',
  '/v1/messages/:id': 'message',
  '/v1/notices/:id': 'notice',
  '/v1/privacy/requests/:id': 'privacyRequest',
  '/v1/sub-processors/:id': 'subProcessor',
  '/v1/templates/:id': 'template',
  '/v1/users/:id': 'user',
  '/v1/webhooks/:id': 'webhook',
  '/v1/webhooks/:id/deliveries/:deliveryId': 'delivery',
  '/v1/webhook-deliveries/:id': 'delivery',
  '/v1/admin/accounts/:id': { staff: 'account' },
  '/v1/admin/messages/:id': { staff: 'message' },
  '/v1/admin/api-keys/:id': { staff: 'staffKey' },
  '/v1/admin/incidents/:id': { staff: 'incident' },
  '/v1/admin/numbers/:id': { staff: 'number' },
  '/v1/admin/privacy-requests/:id': { staff: 'privacyRequest' },
  '/v1/admin/routes/:id': { staff: 'route' },
  '/v1/admin/routing-rules/:id': { staff: 'routingRule' },
  '/v1/admin/staff/:id': { staff: 'staff' },
  '/v1/admin/sub-processors/:id': { staff: 'subProcessor' },
  '/v1/sender-ids/:id': 'senderId',
  '/v1/admin/sender-ids/:id': { staff: 'senderId' },
  '/v1/admin/sender-rules/:country': { staff: 'senderRule' },
  '/v1/admin/protected-names/:id': { staff: 'protectedName' },
  '/v1/admin/content-rules/:id': { staff: 'contentRule' },
  '/v1/admin/accounts/:id/content-allows/:allowId': { staff: 'contentAllow' },
  '/v1/admin/held-messages/:id': { staff: 'message' },
  '/v1/admin/review/:id': { staff: 'message' },
};

const MISSING = 'zzz_missing0000000000000000';

/** The path parameters of a route, each with the path that names its kind. */
function paramsOf(url: string): Array<{ name: string; prefix: string }> {
  return [...url.matchAll(/:([A-Za-z]+)/g)].map((m) => ({
    name: m[1]!,
    prefix: url.slice(0, m.index! + m[0].length),
  }));
}

const fillUrl = (url: string, values: Record<string, string>) =>
  url.replace(/:([A-Za-z]+)/g, (_m, name: string) => encodeURIComponent(values[name] ?? MISSING));

type Body = { payload?: object | Buffer | string; headers?: Headers };

/**
 * A valid body for each route that takes one and names a tenant's resource, so that a foreign id is
 * looked up (and must be 404) instead of failing validation first. Ids inside bodies are the caller's
 * own (`own`) unless the case says otherwise.
 */
function sampleBody(key: string, own: Record<string, string>, png: Buffer): Body | undefined {
  const json = (payload: object): Body => ({ payload });
  switch (key) {
    case 'PATCH /v1/users/:id':
      return json({ name: 'renamed' });
    case 'PATCH /v1/campaigns/:id':
      return json({ name: 'renamed' });
    case 'PATCH /v1/contacts/:id':
      return json({ firstName: 'renamed' });
    case 'POST /v1/contacts/:id/consents':
      return json({ purpose: 'marketing', granted: true, source: 'test' });
    case 'POST /v1/contacts/:id/avatar': {
      const body = multipart({ name: 'file', fileName: 'a.png', contentType: 'image/png', data: png });
      return { payload: body.payload, headers: body.headers };
    }
    case 'PATCH /v1/groups/:id':
      return json({ name: 'renamed' });
    case 'POST /v1/groups/:id/contacts':
    case 'DELETE /v1/groups/:id/contacts':
      return json({ contactIds: [own.contact!] });
    case 'PATCH /v1/templates/:id':
      return json({ name: 'renamed' });
    case 'PATCH /v1/webhooks/:id':
      return json({ description: 'renamed' });
    case 'PATCH /v1/keywords/:id':
      return json({ reply: 'Hello again' });
    case 'POST /v1/privacy/requests/:id/complete':
      return json({ note: 'done' });
    case 'POST /v1/privacy/requests/:id/reject':
      return json({ reason: 'no' });
    case 'POST /v1/sub-processors/:id/objections':
      return json({ reason: 'no' });
    default:
      return undefined;
  }
}

/** Routes whose body is multipart (not described in the OpenAPI document). */
const MULTIPART = new Set([
  'POST /v1/contacts/:id/avatar',
  'POST /v1/attachments',
  'POST /v1/imports',
  'POST /v1/imports/preview',
]);

const keyOf = (r: { method: string; url: string }) => `${r.method} ${r.url}`;
/** Enough of an answer to see what went wrong without drowning the report. */
const short = (body: string) => (body.length > 300 ? `${body.slice(0, 300)}…` : body);

describe.each(DIALECTS)('generated authorization suite on %s', (dialect) => {
  let ts: TestSystem;
  let routes: RouteRow[];
  let openapi: { paths: Record<string, Record<string, { requestBody?: unknown }>> };
  let superadmin: Session;
  let a: Tenant;
  let b: Tenant;
  let shared: { subProcessor: string };
  let staffIds: Partial<Record<StaffKind, string>>;
  let png: Buffer;
  /** Per team role of A: a session and an API key acting as that role. */
  const sessions = {} as Record<Role, Headers>;
  const keys = {} as Record<Role, Headers>;
  const staffSessions = {} as Record<StaffRole, Headers>;
  const staffKeys = {} as Record<StaffRole, Headers>;
  let removedMemberKey: Headers;
  let bBefore: Record<string, string[]>;

  const call = (method: string, url: string, headers: Headers, body?: Body) =>
    ts.app.inject({
      method: method as 'GET',
      url,
      headers: { ...headers, ...body?.headers },
      ...(body?.payload === undefined ? {} : { payload: body.payload }),
    });

  async function makeKey(headers: Headers, url = '/v1/api-keys'): Promise<{ id: string; headers: Headers }> {
    const r = await call('POST', url, headers, { payload: { name: 'suite key' } });
    expect(r.statusCode, r.body).toBe(201);
    return { id: r.json().id, headers: { authorization: `Bearer ${r.json().key}` } };
  }

  beforeAll(async () => {
    ts = await startTestSystem(dialect, { WEBHOOK_ALLOW_PRIVATE: 'true' });
    routes = ts.app.routeTable.filter((r) => r.url !== '*' && !isTwilioCompatibleRoute(r.url));
    openapi = (await ts.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    png = await tinyPng();
    superadmin = await staffSession(ts, 'superadmin');

    const seededA = await seedTenant(ts, superadmin, 'Alpha');
    const seededB = await seedTenant(ts, superadmin, 'Bravo');
    // Publishing a sub-processor leaves a notice in every account.
    const sp = await call('POST', '/v1/admin/sub-processors', superadmin.headers, {
      payload: { name: 'Suite Cloud', purpose: 'hosting', location: 'EU' },
    });
    expect(sp.statusCode, sp.body).toBe(201);
    shared = { subProcessor: sp.json().id };
    const noticeOf = async (t: typeof seededA) => {
      const r = await call('GET', '/v1/notices', t.owner.headers);
      expect(r.json().data.length, r.body).toBeGreaterThan(0);
      return r.json().data[0].id as string;
    };
    a = { ...seededA, ids: { ...seededA.ids, notice: await noticeOf(seededA) } };
    b = { ...seededB, ids: { ...seededB.ids, notice: await noticeOf(seededB) } };

    // A's team: one session per role; keys act with the intersection of their scopes and the
    // creator's current role, so sender and viewer keys are made by admins who are then demoted.
    sessions.owner = a.owner.headers;
    keys.owner = a.ownerKey.headers;
    for (const role of ['admin', 'developer'] as const) {
      const m = await addMember(ts, a.owner, role);
      sessions[role] = m.headers;
      keys[role] = (await makeKey(m.headers)).headers;
    }
    for (const role of ['sender', 'viewer'] as const) {
      const m = await addMember(ts, a.owner, 'admin');
      keys[role] = (await makeKey(m.headers)).headers;
      await setRole(ts, a.owner, m.userId, role);
      sessions[role] = m.headers;
    }
    const leaver = await addMember(ts, a.owner, 'admin');
    removedMemberKey = (await makeKey(leaver.headers)).headers;
    const removed = await call('DELETE', `/v1/users/${leaver.userId}`, a.owner.headers);
    expect(removed.statusCode, removed.body).toBe(204);

    for (const role of STAFF_ROLES) {
      const s = role === 'superadmin' ? superadmin : await staffSession(ts, role);
      staffSessions[role] = s.headers;
      staffKeys[role] = (await makeKey(s.headers, '/v1/admin/api-keys')).headers;
    }
    const staffKey = await makeKey(superadmin.headers, '/v1/admin/api-keys');
    const incident = await call('POST', '/v1/admin/incidents', superadmin.headers, {
      payload: {
        title: 'Suite incident',
        description: 'nothing happened',
        discoveredAt: new Date(ts.clock.now()).toISOString(),
      },
    });
    const route = await call('POST', '/v1/admin/routes', superadmin.headers, {
      payload: { name: 'suite-sim', type: 'simulator' },
    });
    const numbers = await call('GET', '/v1/admin/numbers', superadmin.headers);
    const requests = await call('GET', '/v1/admin/privacy-requests', superadmin.headers);
    const staffList = await call('GET', '/v1/admin/staff', superadmin.headers);
    staffIds = {
      account: a.owner.accountId,
      message: a.ids.message,
      staffKey: staffKey.id,
      incident: incident.json().id,
      route: route.json().id,
      number: numbers.json().data?.[0]?.id,
      privacyRequest: requests.json().data?.[0]?.id,
      staff: staffList.json().data?.[0]?.id,
      subProcessor: shared.subProcessor,
      senderId: a.ids.senderId,
      senderRule: 'IN',
      contentRule: (await call('GET', '/v1/admin/content-rules', superadmin.headers)).json().data[0].id,
    };
    bBefore = await snapshotAccount(ts, dialect, b.owner.accountId);
  });
  afterAll(async () => {
    await ts?.close();
  });

  /** Path values for a route: the caller's own seeded things for reads, missing ids for changes. */
  function ownValues(route: RouteRow): Record<string, string> {
    const values: Record<string, string> = {};
    if (route.method !== 'GET') return values;
    for (const p of paramsOf(route.url)) {
      const kind = PARAM_KINDS[p.prefix];
      if (kind === undefined || kind === 'opaque') continue;
      const value =
        kind === 'subProcessor'
          ? shared.subProcessor
          : typeof kind === 'object'
            ? staffIds[kind.staff]
            : a.ids[kind];
      if (value) values[p.name] = value;
    }
    return values;
  }

  /** The routes of one kind, those that end the session last. */
  const walk = (auth: string) =>
    routes
      .filter((r) => r.auth === auth)
      .sort((x, y) => Number(ENDS_SESSION.has(keyOf(x))) - Number(ENDS_SESSION.has(keyOf(y))));

  const bodyFor = (route: RouteRow): Body | undefined =>
    route.method === 'GET' || route.method === 'DELETE' ? undefined : { payload: {} };

  function expectAllowed(r: LightMyRequestResponse, what: string) {
    expect(r.statusCode, `${what}: ${short(r.body)}`).toBeLessThan(500);
    expect(r.statusCode, `${what} must be allowed: ${short(r.body)}`).not.toBe(401);
    if (r.statusCode === 403)
      expect(r.json().code, `${what} must be allowed: ${short(r.body)}`).not.toBe('forbidden');
  }
  function expectRefused(r: LightMyRequestResponse, status: 401 | 403, what: string) {
    expect(r.statusCode, `${what}: ${short(r.body)}`).toBe(status);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.json().code, what).toBe(status === 401 ? 'unauthorized' : 'forbidden');
  }

  it('every route is in the matrix: declared reach, a known permission, known path parameters', () => {
    expect(routes.length).toBeGreaterThan(150);
    const problems: string[] = [];
    for (const route of routes) {
      const key = keyOf(route);
      const admin = route.url.startsWith('/v1/admin/');
      if (route.auth === 'client') {
        if (admin) problems.push(`${key}: a client route under /v1/admin`);
        if (route.permission === undefined) {
          if (!NO_PERMISSION.has(key))
            problems.push(`${key}: no permission and not listed as open to every member`);
        } else if (!(PERMISSIONS as readonly string[]).includes(route.permission)) {
          problems.push(`${key}: unknown client permission ${route.permission}`);
        }
      } else if (route.auth === 'staff') {
        if (!admin) problems.push(`${key}: a staff route outside /v1/admin`);
        if (route.permission === undefined) {
          if (!NO_PERMISSION.has(key))
            problems.push(`${key}: no permission and not listed as open to all staff`);
        } else if (!(STAFF_PERMISSIONS as readonly string[]).includes(route.permission)) {
          problems.push(`${key}: unknown staff permission ${route.permission}`);
        }
      } else if (route.auth !== 'public') {
        problems.push(`${key}: unknown auth ${route.auth}`);
      } else if (route.permission !== undefined || route.sessionOnly) {
        problems.push(`${key}: a public route with a permission`);
      }
      for (const p of paramsOf(route.url)) {
        if (!PARAM_KINDS[p.prefix])
          problems.push(`${key}: path parameter ${p.prefix} has no kind in PARAM_KINDS`);
      }
      // A client route naming a tenant's resource must have a valid sample body when it takes one.
      if (route.auth === 'client' && paramsOf(route.url).length > 0 && route.method !== 'GET') {
        const op = openapi.paths[route.url.replace(/:([A-Za-z]+)/g, '{$1}')]?.[route.method.toLowerCase()];
        const takesBody = Boolean(op?.requestBody) || MULTIPART.has(key);
        if (takesBody && !sampleBody(key, a.ids, png)) problems.push(`${key}: no sample body`);
      }
    }
    for (const key of NO_PERMISSION) {
      if (!routes.some((r) => keyOf(r) === key)) problems.push(`${key}: listed but not registered`);
    }
    expect(problems).toEqual([]);
  });

  it('without a credential, every client and staff route answers 401 and every public one does not', async () => {
    for (const route of routes) {
      const r = await call(route.method, fillUrl(route.url, {}), {}, bodyFor(route));
      const what = `anonymous ${keyOf(route)}`;
      if (route.auth === 'public') {
        expect(r.statusCode, `${what}: ${short(r.body)}`).not.toBe(401);
        expect(r.statusCode, `${what}: ${short(r.body)}`).toBeLessThan(500);
      } else expectRefused(r, 401, what);
    }
  });

  /** What a team role may do with a session or a key, from the matrix. */
  function clientMay(role: Role, credential: 'session' | 'key', route: RouteRow): boolean {
    if (route.sessionOnly && credential === 'key') return false;
    if (route.permission === undefined) return true;
    const permission = route.permission as Permission;
    if (!ROLE_PERMISSIONS[role].has(permission)) return false;
    return credential === 'session' || API_KEY_SCOPES.includes(permission);
  }

  async function walkTeamRole(role: Role, credential: 'session' | 'key') {
    const headers = credential === 'session' ? sessions[role] : keys[role];
    for (const route of walk('client')) {
      const r = await call(route.method, fillUrl(route.url, ownValues(route)), headers, bodyFor(route));
      const what = `${role} ${credential} ${keyOf(route)}`;
      if (clientMay(role, credential, route)) expectAllowed(r, what);
      else expectRefused(r, 403, what);
    }
    // The same credential never reaches the operators' routes.
    for (const route of walk('staff')) {
      const r = await call(route.method, fillUrl(route.url, {}), headers, bodyFor(route));
      expectRefused(r, 401, `${role} ${credential} on ${keyOf(route)}`);
    }
  }

  for (const role of ROLES) {
    it(`a ${role} session gets exactly what the role matrix gives a ${role}`, async () => {
      await walkTeamRole(role, 'session');
    });
    // Keys act with their scopes AND their creator's current role: the sender and viewer keys were made
    // by admins since demoted, and must do no more than the role their creator has now.
    it(`an API key of a ${role} gets the key scopes the ${role} role allows, nothing more`, async () => {
      await walkTeamRole(role, 'key');
    });
  }

  // Removing a member revokes their keys at once.
  it('a removed member’s API key is refused on every route', async () => {
    for (const route of [...walk('client'), ...walk('staff')]) {
      const r = await call(route.method, fillUrl(route.url, {}), removedMemberKey, bodyFor(route));
      expectRefused(r, 401, `removed member's key on ${keyOf(route)}`);
    }
  });

  function staffMay(role: StaffRole, credential: 'session' | 'key', route: RouteRow): boolean {
    if (route.sessionOnly && credential === 'key') return false;
    return (
      route.permission === undefined || STAFF_ROLE_PERMISSIONS[role].has(route.permission as StaffPermission)
    );
  }

  for (const role of STAFF_ROLES) {
    it(`a ${role} (session and staff key) gets exactly what the staff matrix gives, and no client route`, async () => {
      for (const credential of ['key', 'session'] as const) {
        const headers = credential === 'session' ? staffSessions[role] : staffKeys[role];
        for (const route of walk('staff')) {
          const r = await call(route.method, fillUrl(route.url, ownValues(route)), headers, bodyFor(route));
          const what = `${role} ${credential} ${keyOf(route)}`;
          if (staffMay(role, credential, route)) expectAllowed(r, what);
          else expectRefused(r, 403, what);
        }
        for (const route of walk('client')) {
          const r = await call(route.method, fillUrl(route.url, {}), headers, bodyFor(route));
          expectRefused(r, 401, `${role} ${credential} on ${keyOf(route)}`);
        }
      }
    });
  }

  it("another account's ids answer 404 not_found on every route, by session and by key, and leak nothing", async () => {
    // Fresh credentials: the role walks above signed the first sessions out.
    const session = await login(ts, a.owner.email);
    const actors = [
      {
        name: 'owner session',
        headers: session.headers,
        may: (p: string) => ROLE_PERMISSIONS.owner.has(p as Permission),
      },
      {
        name: 'owner key',
        headers: a.ownerKey.headers,
        may: (p: string) => API_KEY_SCOPES.includes(p as Permission),
      },
    ];
    let checked = 0;
    for (const route of routes.filter((r) => r.auth === 'client')) {
      const params = paramsOf(route.url);
      const tenantParams = params.filter((p) => {
        const kind = PARAM_KINDS[p.prefix];
        return typeof kind === 'string' && kind !== 'opaque' && kind !== 'subProcessor';
      });
      if (tenantParams.length === 0) continue;
      const key = keyOf(route);
      for (const actor of actors) {
        if (route.permission && !actor.may(route.permission)) continue;
        // Each tenant parameter in turn names B's thing while the others name A's own.
        for (const foreign of tenantParams) {
          const values: Record<string, string> = {};
          for (const p of params) {
            const kind = PARAM_KINDS[p.prefix] as ResourceKind | 'subProcessor';
            const owner = p.name === foreign.name ? b : a;
            values[p.name] = kind === 'subProcessor' ? shared.subProcessor : owner.ids[kind];
          }
          const body = sampleBody(key, a.ids, png) ?? bodyFor(route);
          const r = await call(route.method, fillUrl(route.url, values), actor.headers, body);
          const what = `${actor.name} ${key} with B's ${foreign.name}`;
          expect(r.statusCode, `${what}: ${short(r.body)}`).toBe(404);
          expect(r.json().code, what).toBe('not_found');
          expect(r.body, what).not.toContain('Bravo');
          expect(r.body, what).not.toContain(b.phone);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  it("another account's ids inside bodies are refused or ignored, never acted on or shown", async () => {
    const cases: Array<[string, string, object]> = [
      ['POST', `/v1/groups/${a.ids.group}/contacts`, { contactIds: [b.ids.contact] }],
      ['DELETE', `/v1/groups/${a.ids.group}/contacts`, { contactIds: [b.ids.contact] }],
      ['POST', '/v1/contacts/delete', { ids: [b.ids.contact] }],
      ['POST', '/v1/contacts/restore', { ids: [b.ids.contact] }],
      ['POST', '/v1/messages/delete', { ids: [b.ids.message] }],
      ['POST', '/v1/messages/restore', { ids: [b.ids.message] }],
      ['POST', '/v1/campaigns', { name: 'x', type: 'transactional', groupIds: [b.ids.group], text: 'Hi' }],
      [
        'POST',
        '/v1/campaigns',
        { name: 'x', type: 'transactional', groupIds: [a.ids.group], templateId: b.ids.template },
      ],
      ['PATCH', `/v1/campaigns/${a.ids.campaign}`, { groupIds: [b.ids.group] }],
      ['POST', '/v1/templates/preview', { templateId: b.ids.template }],
      ['POST', '/v1/templates/preview', { text: 'Hi {{first_name}}', contactIds: [b.ids.contact] }],
      ['POST', '/v1/messages/preview', { to: b.phone, text: 'x', templateId: b.ids.template }],
    ];
    const session = await login(ts, a.owner.email);
    for (const [method, url, payload] of cases) {
      for (const headers of [session.headers, a.ownerKey.headers]) {
        const r = await call(method, url, headers, { payload });
        const what = `${method} ${url} ${JSON.stringify(payload)}`;
        expect(r.statusCode, `${what}: ${short(r.body)}`).toBeLessThan(500);
        expect(r.body, what).not.toContain('Bravo');
      }
    }
  });

  it('nothing of the other account changed while all of the above ran', async () => {
    expect(await snapshotAccount(ts, dialect, b.owner.accountId)).toEqual(bBefore);
  });
});
