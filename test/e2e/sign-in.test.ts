import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/kernel/logger';
import type { Mail } from '../../src/kernel/mailer';
import { createSystem } from '../../src/main';
import { openStorage } from '../../src/storage/database';
import { FakeClock } from '../helpers/fake-clock';
import { DIALECTS, openTestStorage } from '../helpers/storage';
import {
  cookieFrom,
  MailBox,
  PASSWORD,
  type Session,
  signup,
  startTestSystem,
  type TestSystem,
  uniqueEmail,
} from '../helpers/system';

const WRONG = 'wrong-password-x';

function login(app: FastifyInstance, body: object, ip = '127.0.0.1', admin = false) {
  return app.inject({
    method: 'POST',
    url: admin ? '/v1/admin/auth/login' : '/v1/auth/login',
    payload: body,
    remoteAddress: ip,
  });
}

function statuses(responses: LightMyRequestResponse[]) {
  const count: Record<number, number> = {};
  for (const r of responses) count[r.statusCode] = (count[r.statusCode] ?? 0) + 1;
  return count;
}

/** Mails sent in the background (reset, unlock, sign-up notices) have all gone out. */
async function settled(ts: TestSystem) {
  await ts.system.services.identity.settled();
  await ts.system.services.staff.settled();
}

function mailsTo(ts: TestSystem, to: string): Mail[] {
  return ts.mail.sent.filter((m) => m.to === to);
}

async function newStaff(ts: TestSystem, role: 'superadmin' | 'support' = 'superadmin') {
  const email = uniqueEmail('staff');
  const staff = await ts.system.services.staff.create(null, { email, password: PASSWORD, role });
  return { id: staff.id, email };
}

async function staffLogin(ts: TestSystem, email: string, totpCode?: string): Promise<Session> {
  const r = await login(
    ts.app,
    { email, password: PASSWORD, ...(totpCode ? { totpCode } : {}) },
    '127.0.0.1',
    true,
  );
  if (r.statusCode !== 200) throw new Error(`staff login failed: ${r.statusCode} ${r.body}`);
  const cookie = cookieFrom(r, 'sg_staff_session');
  const csrf = r.json().csrfToken;
  return { cookie, csrf, accountId: '', userId: '', email, headers: { cookie, 'x-csrf-token': csrf } };
}

/** Enrols the signed-in client (or staff) in 2FA and returns the secret. */
async function enrol(ts: TestSystem, s: Session, admin = false): Promise<string> {
  const base = admin ? '/v1/admin/auth/2fa' : '/v1/auth/2fa';
  const setup = await ts.app.inject({ method: 'POST', url: `${base}/setup`, headers: s.headers });
  expect(setup.statusCode, setup.body).toBe(200);
  const { secret, otpauthUrl } = setup.json();
  expect(otpauthUrl).toContain('otpauth://totp/');
  const enable = await ts.app.inject({
    method: 'POST',
    url: `${base}/enable`,
    headers: s.headers,
    payload: { code: codeAt(ts, secret) },
  });
  expect(enable.statusCode, enable.body).toBe(204);
  // The enrolment code's step is spent: the next login needs the next one.
  ts.clock.advance(30_000);
  return secret;
}

function codeAt(ts: TestSystem, secret: string, offsetMs = 0) {
  return generateSync({ secret, epoch: Math.floor((ts.clock.now() + offsetMs) / 1000) });
}

function median(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe.each(DIALECTS)('sign-in security on %s', (dialect) => {
  let ts: TestSystem;
  beforeAll(async () => {
    ts = await startTestSystem(dialect);
  });
  afterAll(async () => {
    await ts?.close();
  });

  describe('attempts are counted before the password is checked', () => {
    it('40 concurrent wrong passwords for a client: at most the limit are checked, the rest 429 with Retry-After', async () => {
      const s = await signup(ts.app);
      const ip = '10.5.0.1';
      const answers = await Promise.all(
        Array.from({ length: 40 }, () => login(ts.app, { email: s.email, password: WRONG }, ip)),
      );
      const count = statuses(answers);
      expect(count[401] ?? 0).toBeLessThanOrEqual(ts.config.LOGIN_MAX_FAILURES);
      expect((count[401] ?? 0) + (count[429] ?? 0)).toBe(40);
      for (const r of answers.filter((a) => a.statusCode === 429)) {
        expect(r.json().code).toBe('rate_limited');
        expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
      }
      // Every evaluated attempt left one failure row; the refused ones left nothing.
      const rows = await ts.system.storage.db
        .selectFrom('login_failures')
        .select('id')
        .where('email', '=', s.email)
        .execute();
      expect(rows.length).toBe(count[401] ?? 0);
      // Refused attempts leave nothing behind (a burst may even be refused whole): one at a time, exactly
      // the rest of the budget is evaluated, then even the right password is refused from that IP.
      for (let i = count[401] ?? 0; i < ts.config.LOGIN_MAX_FAILURES; i++) {
        expect((await login(ts.app, { email: s.email, password: WRONG }, ip)).statusCode).toBe(401);
      }
      expect((await login(ts.app, { email: s.email, password: PASSWORD }, ip)).statusCode).toBe(429);
    });

    it('the right password sent with 99 wrong ones at once is evaluated only if it is among the first few', async () => {
      const s = await signup(ts.app);
      const ip = '10.5.0.2';
      const wrong = Array.from({ length: 99 }, () => login(ts.app, { email: s.email, password: WRONG }, ip));
      const right = login(ts.app, { email: s.email, password: PASSWORD }, ip);
      const answers = await Promise.all([...wrong, right]);
      const count = statuses(answers);
      expect((count[401] ?? 0) + (count[200] ?? 0)).toBeLessThanOrEqual(ts.config.LOGIN_MAX_FAILURES);
      expect(count[429]).toBeGreaterThanOrEqual(100 - ts.config.LOGIN_MAX_FAILURES);
    });

    it('40 concurrent wrong passwords for staff: at most the limit are checked', async () => {
      const staff = await newStaff(ts);
      const answers = await Promise.all(
        Array.from({ length: 40 }, () =>
          login(ts.app, { email: staff.email, password: WRONG }, '10.5.0.3', true),
        ),
      );
      const count = statuses(answers);
      expect(count[401] ?? 0).toBeLessThanOrEqual(ts.config.LOGIN_MAX_FAILURES);
      expect(count[429] ?? 0).toBeGreaterThanOrEqual(40 - ts.config.LOGIN_MAX_FAILURES);
    });

    it('TOTP guessing shares the guard, for clients and staff', async () => {
      const s = await signup(ts.app);
      const secret = await enrol(ts, s);
      const good = codeAt(ts, secret);
      const guesses = Array.from({ length: 40 }, (_, i) => String(i).padStart(6, '0')).filter(
        (c) => c !== good,
      );
      const answers = await Promise.all(
        guesses.map((totpCode) =>
          login(ts.app, { email: s.email, password: PASSWORD, totpCode }, '10.5.0.4'),
        ),
      );
      const count = statuses(answers);
      expect(count[401] ?? 0).toBeLessThanOrEqual(ts.config.LOGIN_MAX_FAILURES);
      expect(count[429] ?? 0).toBeGreaterThanOrEqual(guesses.length - ts.config.LOGIN_MAX_FAILURES);

      const staff = await newStaff(ts);
      const st = await staffLogin(ts, staff.email);
      const staffSecret = await enrol(ts, st, true);
      const staffGood = codeAt(ts, staffSecret);
      const staffGuesses = guesses.filter((c) => c !== staffGood).slice(0, ts.config.LOGIN_MAX_FAILURES);
      // One at a time: before the fix a wrong staff code was not counted at all.
      for (const totpCode of staffGuesses) {
        const r = await login(ts.app, { email: staff.email, password: PASSWORD, totpCode }, '10.5.0.5', true);
        expect(r.json().code).toBe('invalid_two_factor_code');
      }
      const blocked = await login(
        ts.app,
        { email: staff.email, password: PASSWORD, totpCode: staffGood },
        '10.5.0.5',
        true,
      );
      expect(blocked.statusCode).toBe(429);
    });
  });

  describe('lockout is weighted by IP and can be lifted by the owner', () => {
    it('failures from one IP lock that IP for that e-mail; the right password from another IP works', async () => {
      const s = await signup(ts.app);
      for (let i = 0; i < ts.config.LOGIN_MAX_FAILURES; i++) {
        expect((await login(ts.app, { email: s.email, password: WRONG }, '10.6.0.1')).statusCode).toBe(401);
      }
      expect((await login(ts.app, { email: s.email, password: PASSWORD }, '10.6.0.1')).statusCode).toBe(429);
      expect((await login(ts.app, { email: s.email, password: PASSWORD }, '10.6.0.2')).statusCode).toBe(200);
      // Staff alike.
      const staff = await newStaff(ts);
      for (let i = 0; i < ts.config.LOGIN_MAX_FAILURES; i++) {
        await login(ts.app, { email: staff.email, password: WRONG }, '10.6.0.3', true);
      }
      expect(
        (await login(ts.app, { email: staff.email, password: PASSWORD }, '10.6.0.3', true)).statusCode,
      ).toBe(429);
      expect(
        (await login(ts.app, { email: staff.email, password: PASSWORD }, '10.6.0.4', true)).statusCode,
      ).toBe(200);
    });

    it('a global lock of the e-mail engages only at the higher threshold, from many IPs', async () => {
      const small = await startTestSystem(dialect, {
        LOGIN_MAX_FAILURES: '3',
        LOGIN_LOCK_EMAIL_FAILURES: '6',
      });
      try {
        const s = await signup(small.app);
        for (const ip of ['10.7.0.1', '10.7.0.2']) {
          for (let i = 0; i < 3; i++) {
            expect((await login(small.app, { email: s.email, password: WRONG }, ip)).statusCode).toBe(401);
          }
        }
        const elsewhere = await login(small.app, { email: s.email, password: PASSWORD }, '10.7.0.9');
        expect(elsewhere.statusCode).toBe(429);
        expect(elsewhere.json().code).toBe('rate_limited');
      } finally {
        await small.close();
      }
    });

    it('the owner gets an unlock link when the lock engages; POST /v1/auth/unlock lifts it once', async () => {
      const s = await signup(ts.app);
      const ip = '10.8.0.1';
      for (let i = 0; i < ts.config.LOGIN_MAX_FAILURES; i++) {
        await login(ts.app, { email: s.email, password: WRONG }, ip);
      }
      await settled(ts);
      const unlockMails = mailsTo(ts, s.email).filter((m) => m.text.includes('/unlock?token='));
      expect(unlockMails).toHaveLength(1);
      expect((await login(ts.app, { email: s.email, password: PASSWORD }, ip)).statusCode).toBe(429);
      const token = ts.mail.lastToken(s.email);
      const bogus = await ts.app.inject({
        method: 'POST',
        url: '/v1/auth/unlock',
        payload: { token: 'nope' },
      });
      expect(bogus.statusCode).toBe(400);
      expect(bogus.json().code).toBe('invalid_token');
      const unlock = await ts.app.inject({ method: 'POST', url: '/v1/auth/unlock', payload: { token } });
      expect(unlock.statusCode).toBe(204);
      expect((await login(ts.app, { email: s.email, password: PASSWORD }, ip)).statusCode).toBe(200);
      const again = await ts.app.inject({ method: 'POST', url: '/v1/auth/unlock', payload: { token } });
      expect(again.json().code).toBe('invalid_token');

      // Staff: the same link and endpoint.
      const staff = await newStaff(ts);
      for (let i = 0; i < ts.config.LOGIN_MAX_FAILURES; i++) {
        await login(ts.app, { email: staff.email, password: WRONG }, ip, true);
      }
      await settled(ts);
      expect((await login(ts.app, { email: staff.email, password: PASSWORD }, ip, true)).statusCode).toBe(
        429,
      );
      const staffToken = ts.mail.lastToken(staff.email);
      expect(
        (await ts.app.inject({ method: 'POST', url: '/v1/auth/unlock', payload: { token: staffToken } }))
          .statusCode,
      ).toBe(204);
      expect((await login(ts.app, { email: staff.email, password: PASSWORD }, ip, true)).statusCode).toBe(
        200,
      );
    });

    it('no unlock mail for an e-mail that has no user', async () => {
      const email = uniqueEmail('ghost');
      for (let i = 0; i < ts.config.LOGIN_MAX_FAILURES; i++) {
        await login(ts.app, { email, password: WRONG }, '10.8.0.2');
      }
      await settled(ts);
      expect(mailsTo(ts, email)).toHaveLength(0);
    });
  });

  it('an invitation says which company invites, who invited, and with what role', async () => {
    const s = await signup(ts.app, { company: 'Baltic Bakery' });
    const invited = uniqueEmail('invited');
    const r = await ts.app.inject({
      method: 'POST',
      url: '/v1/users',
      headers: s.headers,
      payload: { email: invited, name: 'Bo', role: 'sender' },
    });
    expect(r.statusCode, r.body).toBe(201);
    await settled(ts);
    const mail = [...ts.mail.sent].reverse().find((m) => m.to === invited)!;
    expect(mail.subject).toBe('Baltic Bakery invites you to its smsgate team');
    expect(mail.text).toContain(`(${s.email}) added you to Baltic Bakery's team on smsgate as sender`);
    expect(mail.text).toMatch(/reset-password\?token=[A-Za-z0-9_-]+/);

    // The audit log names who did it and to whom, beside the ids.
    const log = await ts.app.inject({ method: 'GET', url: '/v1/audit-log', headers: s.headers });
    const invitedEvent = log.json().data.find((e: { action: string }) => e.action === 'user.invited');
    expect(invitedEvent).toMatchObject({
      actorType: 'user',
      actorId: s.userId,
      actorName: expect.stringContaining(`<${s.email}>`),
      targetType: 'user',
      targetName: `Bo <${invited}>`,
    });
  });

  describe('password reset', () => {
    it('a successful reset spends every reset link and unused invite of the user', async () => {
      const s = await signup(ts.app);
      // An invited member: the invite link and a later reset link are both of the same purpose.
      const invited = uniqueEmail('invited');
      const invite = await ts.app.inject({
        method: 'POST',
        url: '/v1/users',
        headers: s.headers,
        payload: { email: invited, name: 'Bo', role: 'viewer' },
      });
      expect(invite.statusCode).toBe(201);
      const inviteToken = ts.mail.lastToken(invited);
      await ts.app.inject({ method: 'POST', url: '/v1/auth/password-reset', payload: { email: invited } });
      await settled(ts);
      const first = ts.mail.lastToken(invited);
      ts.clock.advance(60_000);
      await ts.app.inject({ method: 'POST', url: '/v1/auth/password-reset', payload: { email: invited } });
      await settled(ts);
      const second = ts.mail.lastToken(invited);
      expect(new Set([inviteToken, first, second]).size).toBe(3);
      const done = await ts.app.inject({
        method: 'POST',
        url: '/v1/auth/password-reset/confirm',
        payload: { token: second, password: 'a-brand-new-secret-9' },
      });
      expect(done.statusCode).toBe(204);
      for (const token of [first, inviteToken]) {
        const stale = await ts.app.inject({
          method: 'POST',
          url: '/v1/auth/password-reset/confirm',
          payload: { token, password: 'an-attacker-secret-9' },
        });
        expect(stale.statusCode).toBe(400);
        expect(stale.json().code).toBe('invalid_token');
      }
      const ok = await login(ts.app, { email: invited, password: 'a-brand-new-secret-9' });
      expect(ok.statusCode).toBe(200);
    });

    it('reset mails are throttled per e-mail and per IP, with the same 202 answer', async () => {
      const s = await signup(ts.app);
      const answers: LightMyRequestResponse[] = [];
      for (let i = 0; i < 15; i++) {
        answers.push(
          await ts.app.inject({
            method: 'POST',
            url: '/v1/auth/password-reset',
            payload: { email: s.email },
            remoteAddress: `10.9.0.${i + 1}`,
          }),
        );
        // One after the other, as a person (or a patient script) asks: a burst may be cut shorter still.
        await settled(ts);
      }
      for (const r of answers) {
        expect(r.statusCode).toBe(202);
        expect(r.json()).toEqual({ status: 'sent_if_registered' });
      }
      const resetMails = mailsTo(ts, s.email).filter((m) => m.subject.includes('Reset'));
      expect(resetMails).toHaveLength(ts.config.PASSWORD_RESET_MAX_PER_EMAIL);

      // One IP asking for many different users' links.
      const users = await Promise.all(Array.from({ length: 5 }, () => signup(ts.app)));
      const ip = '10.9.1.1';
      for (let round = 0; round < 5; round++) {
        for (const u of users) {
          const r = await ts.app.inject({
            method: 'POST',
            url: '/v1/auth/password-reset',
            payload: { email: round % 2 ? u.email : uniqueEmail('nobody') },
            remoteAddress: ip,
          });
          expect(r.statusCode).toBe(202);
          await settled(ts);
        }
      }
      await settled(ts);
      const sent = users.flatMap((u) => mailsTo(ts, u.email).filter((m) => m.subject.includes('Reset')));
      const requests = await ts.system.storage.db
        .selectFrom('login_failures')
        .select('id')
        .where('ip', '=', ip)
        .where('kind', '=', 'reset')
        .execute();
      expect(requests.length).toBe(ts.config.PASSWORD_RESET_MAX_PER_IP);
      expect(sent.length).toBeLessThanOrEqual(ts.config.PASSWORD_RESET_MAX_PER_IP);
      ts.clock.advance(3600_000 + 1);
      await ts.app.inject({
        method: 'POST',
        url: '/v1/auth/password-reset',
        payload: { email: users[0]!.email },
        remoteAddress: ip,
      });
      await settled(ts);
      expect(mailsTo(ts, users[0]!.email).filter((m) => m.subject.includes('Reset')).length).toBeGreaterThan(
        sent.filter((m) => m.to === users[0]!.email).length,
      );
    });
  });

  describe('users cannot be enumerated', () => {
    it('sign-up with a taken e-mail answers like a new one, creates nothing that works, and mails the owner', async () => {
      const owner = await signup(ts.app);
      const db = ts.system.storage.db;
      const count = async (table: 'users' | 'accounts' | 'sessions') =>
        Number(
          (
            await db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      const before = {
        users: await count('users'),
        accounts: await count('accounts'),
        sessions: await count('sessions'),
      };
      const payload = (email: string) => ({
        company: 'Mallory Ltd',
        name: 'Mallory',
        email,
        password: 'mallory-pass-1234',
        acceptPolicy: true,
      });
      const taken = await ts.app.inject({
        method: 'POST',
        url: '/v1/signup',
        payload: payload(owner.email.toUpperCase()),
      });
      const fresh = await ts.app.inject({
        method: 'POST',
        url: '/v1/signup',
        payload: payload(uniqueEmail()),
      });
      expect(taken.statusCode).toBe(201);
      expect(taken.statusCode).toBe(fresh.statusCode);
      expect(Object.keys(taken.json()).sort()).toEqual(Object.keys(fresh.json()).sort());
      expect(Object.keys(taken.json().user).sort()).toEqual(Object.keys(fresh.json().user).sort());
      expect(Object.keys(taken.json().account).sort()).toEqual(Object.keys(fresh.json().account).sort());
      expect(taken.json().user.id).not.toBe(owner.userId);
      expect(taken.json().account.id).not.toBe(owner.accountId);
      const cookie = cookieFrom(taken, 'sg_session');
      expect((await ts.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie } })).statusCode).toBe(
        401,
      );
      // Only the fresh sign-up created rows.
      expect(await count('users')).toBe(before.users + 1);
      expect(await count('accounts')).toBe(before.accounts + 1);
      expect(await count('sessions')).toBe(before.sessions + 1);
      await settled(ts);
      const notice = mailsTo(ts, owner.email).find((m) => m.subject.includes('sign up'));
      expect(notice?.text).toContain('/reset-password');
      expect(notice?.text).toContain('/login');
      // The owner's password is unchanged.
      expect((await login(ts.app, { email: owner.email, password: PASSWORD })).statusCode).toBe(200);
    });

    it('reset answers as fast for a known e-mail as for an unknown one, and the mail still arrives', async () => {
      const quick = await startTestSystem(dialect, {
        PASSWORD_RESET_MAX_PER_EMAIL: '1000',
        PASSWORD_RESET_MAX_PER_IP: '1000',
      });
      try {
        // A mail server that takes its time, as a real one does.
        const deliver = quick.mail.send.bind(quick.mail);
        quick.mail.send = async (mail: Mail) => {
          await new Promise((r) => setTimeout(r, 20));
          await deliver(mail);
        };
        const s = await signup(quick.app);
        await settled(quick);
        const time = async (email: string) => {
          const start = process.hrtime.bigint();
          const r = await quick.app.inject({
            method: 'POST',
            url: '/v1/auth/password-reset',
            payload: { email },
          });
          const ms = Number(process.hrtime.bigint() - start) / 1e6;
          expect(r.statusCode).toBe(202);
          await settled(quick);
          return ms;
        };
        const known: number[] = [];
        const unknown: number[] = [];
        for (let i = 0; i < 15; i++) {
          known.push(await time(s.email));
          unknown.push(await time(uniqueEmail('nobody')));
        }
        expect(Math.abs(median(known) - median(unknown))).toBeLessThan(8);
        expect(mailsTo(quick, s.email).filter((m) => m.subject.includes('Reset'))).toHaveLength(15);
      } finally {
        await quick.close();
      }
    });
  });

  describe('TOTP', () => {
    it('a code is accepted once: a replay in the same step is refused, for clients and staff', async () => {
      const s = await signup(ts.app);
      const secret = await enrol(ts, s);
      const code = codeAt(ts, secret);
      expect((await login(ts.app, { email: s.email, password: PASSWORD, totpCode: code })).statusCode).toBe(
        200,
      );
      const replay = await login(ts.app, { email: s.email, password: PASSWORD, totpCode: code });
      expect(replay.statusCode).toBe(401);
      expect(replay.json().code).toBe('invalid_two_factor_code');
      // An older step, still inside the drift window, is refused once a newer one was used.
      ts.clock.advance(30_000);
      const next = codeAt(ts, secret);
      expect((await login(ts.app, { email: s.email, password: PASSWORD, totpCode: next })).statusCode).toBe(
        200,
      );
      expect(
        (
          await login(ts.app, { email: s.email, password: PASSWORD, totpCode: codeAt(ts, secret, -30_000) })
        ).json().code,
      ).toBe('invalid_two_factor_code');

      const staff = await newStaff(ts);
      const st = await staffLogin(ts, staff.email);
      const staffSecret = await enrol(ts, st, true);
      const staffCode = codeAt(ts, staffSecret);
      await staffLogin(ts, staff.email, staffCode);
      const staffReplay = await login(
        ts.app,
        { email: staff.email, password: PASSWORD, totpCode: staffCode },
        '127.0.0.1',
        true,
      );
      expect(staffReplay.json().code).toBe('invalid_two_factor_code');
    });

    it('staff enrol, need the code to sign in, and can turn 2FA off with a code', async () => {
      const staff = await newStaff(ts);
      const st = await staffLogin(ts, staff.email);
      const me = await ts.app.inject({ method: 'GET', url: '/v1/admin/me', headers: st.headers });
      expect(me.json().staff.twoFactorEnabled).toBe(false);
      const badEnable = await ts.app.inject({
        method: 'POST',
        url: '/v1/admin/auth/2fa/setup',
        headers: st.headers,
      });
      expect(badEnable.statusCode).toBe(200);
      const wrong = await ts.app.inject({
        method: 'POST',
        url: '/v1/admin/auth/2fa/enable',
        headers: st.headers,
        payload: { code: '000000' },
      });
      expect(wrong.json().code).toBe('invalid_two_factor_code');
      const secret = await enrol(ts, st, true);
      const noCode = await login(ts.app, { email: staff.email, password: PASSWORD }, '127.0.0.1', true);
      expect(noCode.statusCode).toBe(401);
      expect(noCode.json().code).toBe('two_factor_required');
      const withCode = await staffLogin(ts, staff.email, codeAt(ts, secret));
      const me2 = await ts.app.inject({ method: 'GET', url: '/v1/admin/me', headers: withCode.headers });
      expect(me2.json().staff.twoFactorEnabled).toBe(true);
      ts.clock.advance(30_000);
      const disable = await ts.app.inject({
        method: 'POST',
        url: '/v1/admin/auth/2fa/disable',
        headers: withCode.headers,
        payload: { code: codeAt(ts, secret) },
      });
      expect(disable.statusCode).toBe(204);
      await staffLogin(ts, staff.email);
      const audit = await ts.system.storage.db
        .selectFrom('audit_events')
        .select('action')
        .where('actor_id', '=', staff.id)
        .execute();
      expect(audit.map((a) => a.action)).toEqual(
        expect.arrayContaining(['staff.2fa_enabled', 'staff.2fa_disabled']),
      );
    });

    it('STAFF_REQUIRE_2FA: a staff member without 2FA may only enrol', async () => {
      const strict = await startTestSystem(dialect, { STAFF_REQUIRE_2FA: 'true' });
      try {
        const staff = await newStaff(strict);
        const st = await staffLogin(strict, staff.email);
        const blocked = await strict.app.inject({
          method: 'GET',
          url: '/v1/admin/accounts',
          headers: st.headers,
        });
        expect(blocked.statusCode).toBe(403);
        expect(blocked.json().code).toBe('two_factor_enrolment_required');
        const me = await strict.app.inject({ method: 'GET', url: '/v1/admin/me', headers: st.headers });
        expect(me.statusCode).toBe(200);
        expect(me.json().twoFactorEnrolmentRequired).toBe(true);
        await enrol(strict, st, true);
        const allowed = await strict.app.inject({
          method: 'GET',
          url: '/v1/admin/accounts',
          headers: st.headers,
        });
        expect(allowed.statusCode).toBe(200);
        // Clients are not concerned.
        const client = await signup(strict.app);
        expect(
          (await strict.app.inject({ method: 'GET', url: '/v1/me', headers: client.headers })).statusCode,
        ).toBe(200);
      } finally {
        await strict.close();
      }
    });
  });
});

describe('STAFF_REQUIRE_2FA default', () => {
  it('is on in production and off otherwise, and can be set either way', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).STAFF_REQUIRE_2FA).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development' }).STAFF_REQUIRE_2FA).toBe(false);
    expect(loadConfig({}).STAFF_REQUIRE_2FA).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', STAFF_REQUIRE_2FA: 'false' }).STAFF_REQUIRE_2FA).toBe(false);
    expect(loadConfig({ STAFF_REQUIRE_2FA: 'true' }).STAFF_REQUIRE_2FA).toBe(true);
  });
});

describe.runIf(DIALECTS.includes('postgres'))('login attempts across processes on PostgreSQL', () => {
  it('two servers on one database share the limit', async () => {
    const test = await openTestStorage('postgres');
    const second = openStorage(test.url, { pgSchema: test.pgSchema!, pgPoolSize: 5 });
    const config = loadConfig({ DATA_DIR: '/tmp', LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '0' });
    const clock = new FakeClock();
    const make = (storage: typeof second) =>
      createSystem(config, {
        clock,
        mailer: new MailBox(),
        storage,
        logger: createLogger({ level: 'silent' }),
      });
    const a = await make(test.storage);
    const b = await make(second);
    try {
      const appA = await a.http();
      const appB = await b.http();
      const s = await signup(appA);
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          login(i % 2 ? appA : appB, { email: s.email, password: WRONG }, '10.10.0.1'),
        ),
      );
      const count = statuses(answers);
      expect(count[401] ?? 0).toBeLessThanOrEqual(config.LOGIN_MAX_FAILURES);
      expect(count[429] ?? 0).toBeGreaterThanOrEqual(40 - config.LOGIN_MAX_FAILURES);
      await appA.close();
      await appB.close();
    } finally {
      await second.close();
      await test.dispose();
    }
  });
});
