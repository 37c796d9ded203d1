import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_KEY_SCOPES,
  type Permission,
  ROLE_PERMISSIONS,
  ROLES,
  type Role,
  STAFF_ROLE_PERMISSIONS,
  STAFF_ROLES,
  type StaffPermission,
} from '../../src/modules/accounts';
import { DIALECTS } from '../helpers/storage';
import {
  cookieFrom,
  createApiKey,
  PASSWORD,
  type Session,
  signup,
  staffSession,
  startTestSystem,
  type TestSystem,
  uniqueEmail,
} from '../helpers/system';

/** Adds a member with a role and signs them in through the invitation link. */
async function member(ts: TestSystem, owner: Session, role: Role): Promise<Session> {
  const email = uniqueEmail(role);
  const invite = await ts.app.inject({
    method: 'POST',
    url: '/v1/users',
    headers: owner.headers,
    payload: { email, name: role, role },
  });
  expect(invite.statusCode).toBe(201);
  const token = ts.mail.lastToken(email);
  await ts.app.inject({
    method: 'POST',
    url: '/v1/auth/password-reset/confirm',
    payload: { token, password: PASSWORD },
  });
  const login = await ts.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { email, password: PASSWORD },
  });
  expect(login.statusCode).toBe(200);
  const cookie = cookieFrom(login, 'sg_session');
  const csrf = login.json().csrfToken;
  return {
    cookie,
    csrf,
    accountId: owner.accountId,
    userId: invite.json().id,
    email,
    headers: { cookie, 'x-csrf-token': csrf },
  };
}

const fill = (url: string, id: string) => url.replace(/:[a-zA-Z]+/g, id);

describe.each(DIALECTS)('role matrix and tenant isolation on %s', (dialect) => {
  let ts: TestSystem;
  beforeAll(async () => {
    ts = await startTestSystem(dialect, { WEBHOOK_ALLOW_PRIVATE: 'true' });
  });
  afterAll(async () => {
    await ts?.close();
  });

  it('every client route enforces the role matrix, role by role', async () => {
    const owner = await signup(ts.app);
    const routes = ts.app.routeTable.filter((r) => r.auth === 'client' && r.permission);
    expect(routes.length).toBeGreaterThan(5);
    for (const role of ROLES) {
      const session = role === 'owner' ? owner : await member(ts, owner, role);
      for (const route of routes) {
        const response = await ts.app.inject({
          method: route.method as 'GET',
          url: fill(route.url, 'zzz_unknown'),
          headers: session.headers,
          payload: route.method === 'GET' || route.method === 'DELETE' ? undefined : {},
        });
        const allowed = ROLE_PERMISSIONS[role].has(route.permission as Permission);
        if (allowed) expect(response.statusCode, `${role} ${route.method} ${route.url}`).not.toBe(403);
        else {
          expect(response.statusCode, `${role} ${route.method} ${route.url}`).toBe(403);
          expect(response.json().code).toBe('forbidden');
        }
      }
    }
  });

  it('every staff route enforces the staff role matrix', async () => {
    const routes = ts.app.routeTable.filter((r) => r.auth === 'staff' && r.permission);
    expect(routes.length).toBeGreaterThan(3);
    for (const role of STAFF_ROLES) {
      const session = await staffSession(ts, role);
      for (const route of routes) {
        const response = await ts.app.inject({
          method: route.method as 'GET',
          url: fill(route.url, 'zzz_unknown'),
          headers: session.headers,
          payload: route.method === 'GET' || route.method === 'DELETE' ? undefined : {},
        });
        const allowed = STAFF_ROLE_PERMISSIONS[role].has(route.permission as StaffPermission);
        if (allowed) expect(response.statusCode, `${role} ${route.method} ${route.url}`).not.toBe(403);
        else expect(response.statusCode, `${role} ${route.method} ${route.url}`).toBe(403);
      }
    }
  });

  it('client credentials never reach staff routes, and staff sessions never reach client routes', async () => {
    const owner = await signup(ts.app);
    const key = await createApiKey(ts.app, owner);
    const staff = await staffSession(ts);
    for (const headers of [owner.headers, key.headers]) {
      const r = await ts.app.inject({ method: 'GET', url: '/v1/admin/accounts', headers });
      expect(r.statusCode).toBe(401);
    }
    const r = await ts.app.inject({ method: 'GET', url: '/v1/me', headers: staff.headers });
    expect(r.statusCode).toBe(401);
  });

  it("a user or API key of account A can neither read nor change account B's resources (404, not 403)", async () => {
    const a = await signup(ts.app, { company: 'A' });
    const b = await signup(ts.app, { company: 'B' });
    const aKey = await createApiKey(ts.app, a);
    const bKey = await createApiKey(ts.app, b);
    const bMember = await member(ts, b, 'viewer');
    const bMessage = await ts.app.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: bKey.headers,
      payload: { to: '+37121234567', text: 'private' },
    });
    const bHook = await ts.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: bKey.headers,
      payload: { url: 'http://127.0.0.1:9/hook', events: ['message.status'] },
    });
    const foreignIds = [b.userId, bKey.id, bMember.userId, b.accountId, bMessage.json().data[0].id];
    expect(bHook.statusCode).toBe(201);
    foreignIds.push(bHook.json().id);
    const routes = ts.app.routeTable.filter((r) => r.auth === 'client' && r.url.includes(':'));
    expect(routes.length).toBeGreaterThan(0);
    // A route the actor may not use at all answers 403 whatever the id (it reveals nothing); every route it
    // may use must answer a foreign id exactly as a missing one.
    const actors = [
      { headers: a.headers, may: new Set<string>(ROLE_PERMISSIONS.owner) },
      { headers: aKey.headers, may: new Set<string>(API_KEY_SCOPES) },
    ];
    for (const { headers: actor, may } of actors) {
      for (const route of routes.filter((r) => !r.permission || may.has(r.permission))) {
        for (const id of foreignIds) {
          const response = await ts.app.inject({
            method: route.method as 'GET',
            url: fill(route.url, id),
            headers: actor,
            payload: route.method === 'PATCH' ? { name: 'hijack' } : undefined,
          });
          expect([404, 400], `${route.method} ${route.url} with ${id}: ${response.body}`).toContain(
            response.statusCode,
          );
        }
      }
    }
    // Lists show only A's own things.
    const users = await ts.app.inject({ method: 'GET', url: '/v1/users', headers: a.headers });
    expect(users.json().data.map((u: { id: string }) => u.id)).toEqual([a.userId]);
    const keys = await ts.app.inject({ method: 'GET', url: '/v1/api-keys', headers: a.headers });
    expect(keys.json().data.map((k: { id: string }) => k.id)).toEqual([aKey.id]);
    const audit = await ts.app.inject({ method: 'GET', url: '/v1/audit-log', headers: a.headers });
    expect(audit.json().data.every((e: { accountId: string }) => e.accountId === a.accountId)).toBe(true);
    const messages = await ts.app.inject({ method: 'GET', url: '/v1/messages', headers: a.headers });
    expect(messages.json().data).toEqual([]);
    // B is untouched.
    const bKeyStill = await ts.app.inject({ method: 'GET', url: '/v1/me', headers: bKey.headers });
    expect(bKeyStill.statusCode).toBe(200);
    const bMemberRow = await ts.system.storage.db
      .selectFrom('users')
      .select('name')
      .where('id', '=', bMember.userId)
      .executeTakeFirstOrThrow();
    expect(bMemberRow.name).toBe('viewer');
  });

  it('removing a member ends their session on the very next request; the last owner stays', async () => {
    const owner = await signup(ts.app);
    const dev = await member(ts, owner, 'developer');
    expect((await ts.app.inject({ method: 'GET', url: '/v1/me', headers: dev.headers })).statusCode).toBe(
      200,
    );
    const removed = await ts.app.inject({
      method: 'DELETE',
      url: `/v1/users/${dev.userId}`,
      headers: owner.headers,
    });
    expect(removed.statusCode).toBe(204);
    expect((await ts.app.inject({ method: 'GET', url: '/v1/me', headers: dev.headers })).statusCode).toBe(
      401,
    );
    const last = await ts.app.inject({
      method: 'DELETE',
      url: `/v1/users/${owner.userId}`,
      headers: owner.headers,
    });
    expect(last.statusCode).toBe(409);
    expect(last.json().code).toBe('last_owner');
    const admin = await member(ts, owner, 'admin');
    const promote = await ts.app.inject({
      method: 'PATCH',
      url: `/v1/users/${admin.userId}`,
      headers: admin.headers,
      payload: { role: 'owner' },
    });
    expect(promote.statusCode).toBe(403);
    const demoteOwner = await ts.app.inject({
      method: 'PATCH',
      url: `/v1/users/${owner.userId}`,
      headers: admin.headers,
      payload: { role: 'viewer' },
    });
    expect(demoteOwner.statusCode).toBe(403);
  });

  it('operators manage accounts and credits; every staff action is audited, also in the account log', async () => {
    const client = await signup(ts.app);
    const op = await staffSession(ts, 'operator');
    const credit = await ts.app.inject({
      method: 'POST',
      url: `/v1/admin/accounts/${client.accountId}/credits`,
      headers: op.headers,
      payload: { amount: 5.5, reason: 'goodwill' },
    });
    expect(credit.statusCode).toBe(200);
    expect(credit.json().credits).toBe(15.5);
    const suspend = await ts.app.inject({
      method: 'POST',
      url: `/v1/admin/accounts/${client.accountId}/suspend`,
      headers: op.headers,
    });
    expect(suspend.json().status).toBe('suspended');
    const list = await ts.app.inject({ method: 'GET', url: '/v1/admin/accounts', headers: op.headers });
    expect(list.json().data.find((a: { id: string }) => a.id === client.accountId)).toMatchObject({
      status: 'suspended',
      balance: 15.5,
    });
    const log = await ts.app.inject({ method: 'GET', url: '/v1/audit-log', headers: client.headers });
    const staffEvents = log.json().data.filter((e: { actorType: string }) => e.actorType === 'staff');
    expect(staffEvents.map((e: { action: string }) => e.action).sort()).toEqual([
      'account.suspended',
      'credits.adjusted',
    ]);
    const unknown = await ts.app.inject({
      method: 'POST',
      url: '/v1/admin/accounts/acc_nope/credits',
      headers: op.headers,
      payload: { amount: 1, reason: 'x' },
    });
    expect(unknown.statusCode).toBe(404);
    const zero = await ts.app.inject({
      method: 'POST',
      url: `/v1/admin/accounts/${client.accountId}/credits`,
      headers: op.headers,
      payload: { amount: 0, reason: 'x' },
    });
    expect(zero.statusCode).toBe(400);
  });

  it('a disabled staff member loses access at once, keys included', async () => {
    const boss = await staffSession(ts, 'superadmin');
    const victim = await staffSession(ts, 'operator');
    const keyResponse = await ts.app.inject({
      method: 'POST',
      url: '/v1/admin/api-keys',
      headers: victim.headers,
      payload: { name: 'ops' },
    });
    expect(keyResponse.statusCode).toBe(201);
    const key = keyResponse.json().key as string;
    expect(key.startsWith('sg_staff_')).toBe(true);
    expect(
      (
        await ts.app.inject({
          method: 'GET',
          url: '/v1/admin/accounts',
          headers: { authorization: `Bearer ${key}` },
        })
      ).statusCode,
    ).toBe(200);
    const disable = await ts.app.inject({
      method: 'POST',
      url: `/v1/admin/staff/${victim.userId}/disable`,
      headers: boss.headers,
    });
    expect(disable.statusCode).toBe(204);
    expect(
      (await ts.app.inject({ method: 'GET', url: '/v1/admin/me', headers: victim.headers })).statusCode,
    ).toBe(401);
    expect(
      (
        await ts.app.inject({
          method: 'GET',
          url: '/v1/admin/accounts',
          headers: { authorization: `Bearer ${key}` },
        })
      ).statusCode,
    ).toBe(401);
    const log = await ts.app.inject({ method: 'GET', url: '/v1/admin/audit-log', headers: boss.headers });
    expect(log.json().data.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['staff.disabled', 'staff_api_key.created', 'staff.login']),
    );
  });
});
