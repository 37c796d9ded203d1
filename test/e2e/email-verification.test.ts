import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/storage';
import {
  createApiKey,
  type Session,
  signup,
  staffSession,
  startTestSystem,
  type TestSystem,
  verifyEmail,
} from '../helpers/system';

const LV = (n: number) => `+3712${String(1000000 + n)}`;

describe.each(DIALECTS)('free credits wait for a verified e-mail on %s', (dialect) => {
  let ts: TestSystem;
  beforeAll(async () => {
    ts = await startTestSystem(dialect);
  });
  afterAll(async () => {
    await ts?.close();
  });

  const call = (headers: Record<string, string>, method: 'GET' | 'POST', url: string, payload?: object) =>
    ts.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  const messageCount = async (accountId: string) =>
    (
      await ts.system.storage.db
        .selectFrom('messages')
        .select('id')
        .where('account_id', '=', accountId)
        .execute()
    ).length;

  function expectUnverified(response: { statusCode: number; json(): { code: string; detail: string } }) {
    expect(response.statusCode).toBe(403);
    const problem = response.json();
    expect(problem.code).toBe('email_unverified');
    expect(problem.detail).toContain('/v1/auth/resend-verification');
  }

  it('refuses single and bulk sends paid by free credits with 403 email_unverified, and keeps nothing', async () => {
    const s = await signup(ts.app, { verified: false });
    const key = await createApiKey(ts.app, s);
    expectUnverified(await call(s.headers, 'POST', '/v1/messages', { to: LV(1), text: 'hi' }));
    expectUnverified(await call(key.headers, 'POST', '/v1/messages', { to: [LV(2), LV(3)], text: 'hi' }));
    expect(await messageCount(s.accountId)).toBe(0);

    const me = (await call(s.headers, 'GET', '/v1/me')).json();
    expect(me.user.emailVerified).toBe(false);
    expect(me.balance).toMatchObject({ credits: 10, reserved: 0, available: 0, locked: 10 });

    // The link in the e-mail unlocks them at once.
    await verifyEmail(ts.app, ts.mail, s.email);
    expect((await call(key.headers, 'POST', '/v1/messages', { to: LV(5), text: 'hi' })).statusCode).toBe(202);
    const after = (await call(s.headers, 'GET', '/v1/me')).json();
    expect(after.balance).toMatchObject({ locked: 0 });
    expect(after.balance.available).toBeCloseTo(9.95, 5);
  });

  it('the resend link in the answer works', async () => {
    const s = await signup(ts.app, { verified: false });
    const sentBefore = ts.mail.sent.filter((m) => m.to === s.email).length;
    const resend = await call(s.headers, 'POST', '/v1/auth/resend-verification');
    expect(resend.statusCode).toBeLessThan(300);
    expect(ts.mail.sent.filter((m) => m.to === s.email).length).toBe(sentBefore + 1);
    await verifyEmail(ts.app, ts.mail, s.email);
    expect((await call(s.headers, 'POST', '/v1/messages', { to: LV(6), text: 'hi' })).statusCode).toBe(202);
  });

  it('paid credits (operator adjustments) are spent without verification; free ones are not', async () => {
    const s = await signup(ts.app, { verified: false });
    const staff = await staffSession(ts, 'operator');
    const adjust = await call(staff.headers, 'POST', `/v1/admin/accounts/${s.accountId}/credits`, {
      amount: 0.1,
      reason: 'bank transfer',
    });
    expect(adjust.statusCode).toBe(200);
    // 0.05 credits a message to Latvia: the paid 0.1 covers two, the third would need free credits.
    expect((await call(s.headers, 'POST', '/v1/messages', { to: LV(7), text: 'a' })).statusCode).toBe(202);
    expect((await call(s.headers, 'POST', '/v1/messages', { to: LV(8), text: 'b' })).statusCode).toBe(202);
    expectUnverified(await call(s.headers, 'POST', '/v1/messages', { to: LV(9), text: 'c' }));
    expect(await messageCount(s.accountId)).toBe(2);
    // More than even the free credits would cover: that is a plain lack of credits.
    const many = Array.from({ length: 250 }, (_, i) => LV(100 + i));
    const short = await call(s.headers, 'POST', '/v1/messages', { to: many, text: 'x' });
    expect(short.statusCode).toBe(402);
    expect(short.json().code).toBe('insufficient_credits');
  });

  it('refuses to start a campaign that free credits would pay for, until the e-mail is verified', async () => {
    const s = await signup(ts.app, { verified: false });
    const group = (await call(s.headers, 'POST', '/v1/groups', { name: 'g' })).json().id as string;
    for (let i = 0; i < 3; i++)
      expect(
        (await call(s.headers, 'POST', '/v1/contacts', { phone: LV(200 + i), groupIds: [group] })).statusCode,
      ).toBe(201);
    const campaign = (
      await call(s.headers, 'POST', '/v1/campaigns', {
        name: 'Spring',
        text: 'Order ready',
        type: 'transactional',
        groupIds: [group],
      })
    ).json();
    expectUnverified(await call(s.headers, 'POST', `/v1/campaigns/${campaign.id}/start`));
    const still = (await call(s.headers, 'GET', `/v1/campaigns/${campaign.id}`)).json();
    expect(still.status).toBe('draft');
    expect((await call(s.headers, 'GET', '/v1/balance')).json()).toMatchObject({ reserved: 0 });

    await verifyEmail(ts.app, ts.mail, s.email);
    const started = await call(s.headers, 'POST', `/v1/campaigns/${campaign.id}/start`);
    expect(started.statusCode, started.body).toBe(200);
  });

  it("a member's verified e-mail does not unlock the owner's free credits; the owner's does", async () => {
    const owner: Session = await signup(ts.app, { verified: false });
    const invite = await call(owner.headers, 'POST', '/v1/users', {
      email: `dev-${owner.accountId}@example.com`,
      name: 'Dev',
      role: 'developer',
    });
    expect(invite.statusCode).toBe(201);
    // The invitee sets a password through the link, which proves their mailbox, not the owner's.
    const confirm = await ts.app.inject({
      method: 'POST',
      url: '/v1/auth/password-reset/confirm',
      payload: {
        token: ts.mail.lastToken(`dev-${owner.accountId}@example.com`),
        password: 'correct-horse-battery-7',
      },
    });
    expect(confirm.statusCode).toBeLessThan(300);
    expectUnverified(await call(owner.headers, 'POST', '/v1/messages', { to: LV(300), text: 'hi' }));
  });
});
