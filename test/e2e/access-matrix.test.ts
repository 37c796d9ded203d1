import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/modules/accounts';
import { DIALECTS } from '../helpers/storage';
import {
  cookieFrom,
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

// The route-by-route role matrix and tenant isolation are walked by test/security/authorization.test.ts.
describe.each(DIALECTS)('team and staff membership on %s', (dialect) => {
  let ts: TestSystem;
  beforeAll(async () => {
    ts = await startTestSystem(dialect, { WEBHOOK_ALLOW_PRIVATE: 'true' });
  });
  afterAll(async () => {
    await ts?.close();
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
