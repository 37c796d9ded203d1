import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY } from '../helpers/fake-clock';
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
} from '../helpers/system';

const LV = '+37121234567';
const LV2 = '+37122345678';

type Headers = { headers: Record<string, string> };

describe.each(DIALECTS)('account closure and restore on %s', (dialect) => {
  let ts: TestSystem;
  beforeAll(async () => {
    ts = await startTestSystem(dialect);
  });
  afterAll(async () => {
    await ts?.close();
  });

  const db = () => ts.system.storage.db;
  const call = (s: Headers, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
    ts.app.inject({ method, url, headers: s.headers, ...(payload ? { payload } : {}) });
  const sweep = async () => expect((await ts.system.services.retention.sweepOnce()).ran).toBe(true);
  async function login(s: Session): Promise<Headers> {
    const r = await ts.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: s.email, password: PASSWORD },
    });
    expect(r.statusCode, r.body).toBe(200);
    const cookie = cookieFrom(r, 'sg_session');
    return { headers: { cookie, 'x-csrf-token': r.json().csrfToken } };
  }
  const count = async (table: 'contacts' | 'messages', accountId: string) =>
    (await db().selectFrom(table).select('id').where('account_id', '=', accountId).execute()).length;

  /** An account with two contacts and two delivered messages. */
  async function seeded() {
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    for (const phone of [LV, LV2])
      expect((await call(key, 'POST', '/v1/contacts', { phone })).statusCode).toBe(201);
    expect((await call(key, 'POST', '/v1/messages', { to: [LV, LV2], text: 'hello' })).statusCode).toBe(202);
    await ts.system.workOnce();
    return { s, key };
  }

  it('closing needs the owner and confirmDeletion: true', async () => {
    const { s, key } = await seeded();
    const apiKey = await call(key, 'POST', '/v1/account/close', { confirmDeletion: true });
    expect(apiKey.statusCode).toBe(403);
    const missing = await call(s, 'POST', '/v1/account/close', {});
    expect(missing.statusCode).toBe(422);
    expect(missing.json().code).toBe('deletion_not_confirmed');
    const no = await call(s, 'POST', '/v1/account/close', { confirmDeletion: false });
    expect(no.json().code).toBe('deletion_not_confirmed');
    const account = await db()
      .selectFrom('accounts')
      .select(['status', 'closed_at'])
      .where('id', '=', s.accountId)
      .executeTakeFirst();
    expect(account).toEqual({ status: 'active', closed_at: null });
    expect((await call(s, 'POST', '/v1/account/restore')).statusCode).toBe(409);
  });

  it('closing stops sending at once; contacts go at day 60, messages at day 120', async () => {
    const { s, key } = await seeded();
    const later = await call(key, 'POST', '/v1/messages', {
      to: LV,
      text: 'scheduled',
      sendAt: new Date(ts.clock.now() + 3600_000).toISOString(),
    });
    const scheduledId = later.json().data[0].id;
    const reserved = async () =>
      Number(
        (
          await db()
            .selectFrom('account_balances')
            .select('reserved')
            .where('account_id', '=', s.accountId)
            .executeTakeFirst()
        )?.reserved,
      );
    expect(await reserved()).toBeGreaterThan(0);

    const closed = await call(s, 'POST', '/v1/account/close', { confirmDeletion: true });
    expect(closed.statusCode, closed.body).toBe(200);
    expect(closed.json().account).toMatchObject({ id: s.accountId, status: 'closed' });
    expect(Date.parse(closed.json().contactsPurgeAt) - ts.clock.now()).toBe(60 * DAY);
    expect(Date.parse(closed.json().messagesPurgeAt) - ts.clock.now()).toBe(120 * DAY);

    const refused = await call(key, 'POST', '/v1/messages', { to: LV, text: 'after closure' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('account_closed');
    const scheduled = await db()
      .selectFrom('messages')
      .select(['status', 'error_code'])
      .where('id', '=', scheduledId)
      .executeTakeFirst();
    expect(scheduled).toEqual({ status: 'failed', error_code: 'account_closed' });
    expect(await reserved()).toBe(0);
    ts.clock.advance(2 * 3600_000);
    await ts.system.workOnce();
    expect(
      (await db().selectFrom('messages').select('status').where('id', '=', scheduledId).executeTakeFirst())
        ?.status,
    ).toBe('failed');
    // The owner can still sign in (to restore).
    const owner = await login(s);
    expect((await call(owner, 'GET', '/v1/me')).json().account.status).toBe('closed');

    ts.clock.advance(60 * DAY - 2 * 3600_000 - 60_000);
    await sweep();
    expect(await count('contacts', s.accountId)).toBe(2);
    ts.clock.advance(2 * 60_000);
    await sweep();
    expect(await count('contacts', s.accountId)).toBe(0);
    expect(await count('messages', s.accountId)).toBe(3);

    ts.clock.advance(60 * DAY - 2 * 60_000);
    await sweep();
    expect(await count('messages', s.accountId)).toBe(3);
    ts.clock.advance(2 * 60_000);
    await sweep();
    expect(await count('messages', s.accountId)).toBe(0);
    const stats = await db()
      .selectFrom('message_stats_daily')
      .selectAll()
      .where('account_id', '=', s.accountId)
      .execute();
    expect(stats.reduce((n, r) => n + Number(r.messages), 0)).toBe(3);
  });

  it('a send that committed just after the closure never reaches a carrier and is not charged', async () => {
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    const before = (await call(key, 'GET', '/v1/balance')).json();
    expect((await call(key, 'POST', '/v1/messages', { to: [LV, LV2], text: 'late' })).statusCode).toBe(202);
    // The closure's own cancellation ran before this send committed: only the account row says closed.
    await db()
      .updateTable('accounts')
      .set({ status: 'closed', closed_at: ts.clock.now() })
      .where('id', '=', s.accountId)
      .execute();
    await ts.system.workOnce();
    const rows = await db()
      .selectFrom('messages')
      .select(['status', 'error_code', 'route_id'])
      .where('account_id', '=', s.accountId)
      .execute();
    expect(rows).toEqual([
      { status: 'failed', error_code: 'account_closed', route_id: null },
      { status: 'failed', error_code: 'account_closed', route_id: null },
    ]);
    const balance = await ts.system.services.ledger.balance(db(), s.accountId);
    expect(balance).toMatchObject({ credits: before.credits, reserved: 0 });
  });

  it('restoring at day 70 brings the account back without its purged contacts; messages stay', async () => {
    const { s } = await seeded();
    expect((await call(s, 'POST', '/v1/account/close', { confirmDeletion: true })).statusCode).toBe(200);
    ts.clock.advance(70 * DAY);
    await sweep();
    const owner = await login(s);
    const restored = await call(owner, 'POST', '/v1/account/restore');
    expect(restored.statusCode, restored.body).toBe(200);
    expect(restored.json()).toMatchObject({
      account: { status: 'active', closedAt: null },
      contactsPurgeAt: null,
    });
    expect(await count('contacts', s.accountId)).toBe(0);
    expect(await count('messages', s.accountId)).toBe(2);
    const sent = await call(owner, 'POST', '/v1/messages', { to: LV, text: 'we are back' });
    expect(sent.statusCode).toBe(202);
    ts.clock.advance(60 * DAY);
    await sweep();
    expect(await count('messages', s.accountId)).toBe(3);
    const actions = await db()
      .selectFrom('audit_events')
      .select('action')
      .where('account_id', '=', s.accountId)
      .where('action', 'in', ['account.closed', 'account.restored'])
      .orderBy('seq')
      .execute();
    expect(actions.map((a) => a.action)).toEqual(['account.closed', 'account.restored']);
  });

  it('the operator closes and restores an account, on the same clocks, audited in its chain', async () => {
    const { s, key } = await seeded();
    const staff = await staffSession(ts, 'operator');
    const support = await staffSession(ts, 'support');
    expect(
      (await call(support, 'POST', `/v1/admin/accounts/${s.accountId}/close`, { confirmDeletion: true }))
        .statusCode,
    ).toBe(403);
    expect(
      (await call(staff, 'POST', '/v1/admin/accounts/acc_unknown/close', { confirmDeletion: true }))
        .statusCode,
    ).toBe(404);
    expect((await call(staff, 'POST', `/v1/admin/accounts/${s.accountId}/close`, {})).json().code).toBe(
      'deletion_not_confirmed',
    );
    const closed = await call(staff, 'POST', `/v1/admin/accounts/${s.accountId}/close`, {
      confirmDeletion: true,
    });
    expect(closed.statusCode).toBe(200);
    expect((await call(key, 'POST', '/v1/messages', { to: LV, text: 'x' })).json().code).toBe(
      'account_closed',
    );
    ts.clock.advance(61 * DAY);
    await sweep();
    expect(await count('contacts', s.accountId)).toBe(0);
    const operator = await staffSession(ts, 'operator'); // the first session expired meanwhile
    const restored = await call(operator, 'POST', `/v1/admin/accounts/${s.accountId}/restore`);
    expect(restored.statusCode, restored.body).toBe(200);
    expect(restored.json().account.status).toBe('active');
    expect((await call(key, 'POST', '/v1/messages', { to: LV, text: 'x' })).statusCode).toBe(202);
    const events = await db()
      .selectFrom('audit_events')
      .select(['action', 'actor_type', 'actor_id'])
      .where('account_id', '=', s.accountId)
      .where('action', 'in', ['account.closed', 'account.restored'])
      .orderBy('seq')
      .execute();
    expect(events).toEqual([
      { action: 'account.closed', actor_type: 'staff', actor_id: staff.userId },
      { action: 'account.restored', actor_type: 'staff', actor_id: operator.userId },
    ]);
    expect((await ts.system.services.audit.verify(db(), s.accountId)).brokenAt).toBeNull();
  });
});
