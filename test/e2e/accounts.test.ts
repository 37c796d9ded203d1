import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/storage';
import {
  cookieFrom,
  createApiKey,
  PASSWORD,
  signup,
  startTestSystem,
  type TestSystem,
  uniqueEmail,
} from '../helpers/system';

describe.each(DIALECTS)('accounts and access on %s', (dialect) => {
  let ts: TestSystem;
  beforeAll(async () => {
    ts = await startTestSystem(dialect);
  });
  afterAll(async () => {
    await ts?.close();
  });

  it('signs up: records consent with version, time and IP, grants the free credits as the first ledger entry', async () => {
    const s = await signup(ts.app);
    const db = ts.system.storage.db;
    const consent = await db
      .selectFrom('policy_consents')
      .selectAll()
      .where('user_id', '=', s.userId)
      .executeTakeFirstOrThrow();
    expect(consent.policy_version).toBe(ts.config.POLICY_VERSION);
    expect(Number(consent.accepted_at)).toBe(ts.clock.now());
    expect(consent.ip).toBe('127.0.0.1');
    const ledger = await db
      .selectFrom('credit_ledger')
      .selectAll()
      .where('account_id', '=', s.accountId)
      .execute();
    expect(ledger).toHaveLength(1);
    expect(ledger[0]!.kind).toBe('grant');
    expect(Number(ledger[0]!.amount)).toBe(10_000_000);

    const me = await ts.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie: s.cookie } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      role: 'owner',
      balance: { credits: 10, available: 10 },
      csrfToken: s.csrf,
      account: { id: s.accountId },
    });

    const balance = await ts.app.inject({ method: 'GET', url: '/v1/balance', headers: { cookie: s.cookie } });
    expect(balance.json()).toMatchObject({ credits: 10, ledger: [{ kind: 'grant', amount: 10 }] });

    const audit = await ts.app.inject({ method: 'GET', url: '/v1/audit-log', headers: { cookie: s.cookie } });
    expect(audit.json().data.map((e: { action: string }) => e.action)).toContain('account.signup');
  });

  it('sets an HttpOnly SameSite=Lax session cookie, Secure only behind TLS', async () => {
    const response = await ts.app.inject({
      method: 'POST',
      url: '/v1/signup',
      payload: { company: 'C', name: 'N', email: uniqueEmail(), password: PASSWORD, acceptPolicy: true },
    });
    const cookie = response.cookies.find((c) => c.name === 'sg_session')!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Lax');
    expect(cookie.secure).toBeFalsy();
  });

  it('refuses bad sign-ups with a problem+json code and changes nothing', async () => {
    const before = await ts.system.storage.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const email = uniqueEmail();
    await signup(ts.app, { email });
    const cases: Array<[unknown, number, string]> = [
      [
        { company: 'A', name: 'B', email: uniqueEmail(), password: PASSWORD, acceptPolicy: false },
        422,
        'policy_not_accepted',
      ],
      [
        { company: 'A', name: 'B', email: 'not-an-email', password: PASSWORD, acceptPolicy: true },
        400,
        'validation_failed',
      ],
      [
        { company: 'A', name: 'B', email: uniqueEmail(), password: 'short', acceptPolicy: true },
        422,
        'weak_password',
      ],
      [
        { company: 'A', name: 'B', email: uniqueEmail(), password: 'password123', acceptPolicy: true },
        422,
        'weak_password',
      ],
      [
        {
          company: 'A',
          name: 'B',
          email: uniqueEmail(),
          password: PASSWORD,
          acceptPolicy: true,
          admin: true,
        },
        400,
        'validation_failed',
      ],
      [
        { company: 123, name: 'B', email: uniqueEmail(), password: PASSWORD, acceptPolicy: true },
        400,
        'validation_failed',
      ],
      [{}, 400, 'validation_failed'],
    ];
    for (const [payload, status, code] of cases) {
      const response = await ts.app.inject({ method: 'POST', url: '/v1/signup', payload: payload as object });
      expect(response.statusCode, JSON.stringify(payload)).toBe(status);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json()).toMatchObject({ code, status, requestId: expect.any(String) });
    }
    const malformed = await ts.app.inject({
      method: 'POST',
      url: '/v1/signup',
      headers: { 'content-type': 'application/json' },
      payload: '{"company":',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().code).toBe('malformed_json');
    const huge = await ts.app.inject({
      method: 'POST',
      url: '/v1/signup',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ company: 'x'.repeat(3 * 1024 * 1024) }),
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().code).toBe('payload_too_large');
    const wrongType = await ts.app.inject({
      method: 'POST',
      url: '/v1/signup',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(wrongType.statusCode).toBe(415);
    expect(wrongType.json().code).toBe('unsupported_media_type');

    const after = await ts.system.storage.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n) + 1);
    // A taken e-mail is not refused (that would tell who has an account): see sign-in.test.ts.
    const taken = await ts.app.inject({
      method: 'POST',
      url: '/v1/signup',
      payload: {
        company: 'A',
        name: 'B',
        email: email.toUpperCase(),
        password: PASSWORD,
        acceptPolicy: true,
      },
    });
    expect(taken.statusCode).toBe(201);
    const still = await ts.system.storage.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(still.n)).toBe(Number(after.n));
  });

  it('validation errors name the offending path', async () => {
    const response = await ts.app.inject({
      method: 'POST',
      url: '/v1/signup',
      payload: { company: 'A', name: 'B', email: 'x', password: PASSWORD, acceptPolicy: true },
    });
    expect(response.json().errors).toEqual([expect.objectContaining({ path: '/body/email' })]);
  });

  it('logs in and out; wrong passwords and unknown e-mails answer alike', async () => {
    const s = await signup(ts.app);
    const wrong = await ts.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: s.email, password: 'nope-nope-nope' },
    });
    const unknown = await ts.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: uniqueEmail(), password: 'nope-nope-nope' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().code).toBe('invalid_credentials');
    expect(unknown.json().code).toBe('invalid_credentials');

    const login = await ts.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: s.email, password: PASSWORD },
    });
    expect(login.statusCode).toBe(200);
    const cookie = cookieFrom(login, 'sg_session');
    const csrf = login.json().csrfToken;
    expect((await ts.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie } })).statusCode).toBe(200);
    const logout = await ts.app.inject({
      method: 'POST',
      url: '/v1/auth/logout',
      headers: { cookie, 'x-csrf-token': csrf },
    });
    expect(logout.statusCode).toBe(204);
    const after = await ts.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie } });
    expect(after.statusCode).toBe(401);
    expect(after.json().code).toBe('unauthorized');
  });

  it('rate-limits failed logins per e-mail', async () => {
    const s = await signup(ts.app);
    for (let i = 0; i < ts.config.LOGIN_MAX_FAILURES; i++) {
      const r = await ts.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: s.email, password: 'wrong-password-x' },
      });
      expect(r.statusCode).toBe(401);
    }
    const blocked = await ts.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: s.email, password: PASSWORD },
    });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().code).toBe('rate_limited');
    expect(blocked.headers['retry-after']).toBe('900');
    ts.clock.advance(16 * 60_000);
    const later = await ts.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: s.email, password: PASSWORD },
    });
    expect(later.statusCode).toBe(200);
  });

  it('expires idle sessions and refuses forged ones', async () => {
    const s = await signup(ts.app);
    const forged = await ts.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { cookie: 'sg_session=forged-token' },
    });
    expect(forged.statusCode).toBe(401);
    ts.clock.advance(ts.config.SESSION_TTL_HOURS * 3600_000 + 1);
    const expired = await ts.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie: s.cookie } });
    expect(expired.statusCode).toBe(401);
  });

  it('requires the CSRF token on cookie requests that change state, not on Bearer requests', async () => {
    const s = await signup(ts.app);
    const without = await ts.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: { cookie: s.cookie },
      payload: { name: 'k' },
    });
    expect(without.statusCode).toBe(403);
    expect(without.json().code).toBe('csrf_failed');
    const wrong = await ts.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: { cookie: s.cookie, 'x-csrf-token': 'x' },
      payload: { name: 'k' },
    });
    expect(wrong.json().code).toBe('csrf_failed');
    const key = await createApiKey(ts.app, s);
    const bearer = await ts.app.inject({ method: 'GET', url: '/v1/balance', headers: key.headers });
    expect(bearer.statusCode).toBe(200);
  });

  it('API keys: shown once, stored hashed, listed without the secret, revoked on the very next request', async () => {
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    expect(key.key).toMatch(/^sg_live_[A-Za-z0-9_-]{40}$/);
    const stored = await ts.system.storage.db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', key.id)
      .executeTakeFirstOrThrow();
    expect(stored.secret_hash).not.toContain(key.key);
    const list = await ts.app.inject({ method: 'GET', url: '/v1/api-keys', headers: { cookie: s.cookie } });
    expect(list.body).not.toContain(key.key);
    expect(list.json().data[0]).toMatchObject({ id: key.id, prefix: key.key.slice(0, 14) });

    expect((await ts.app.inject({ method: 'GET', url: '/v1/me', headers: key.headers })).statusCode).toBe(
      200,
    );
    const revoke = await ts.app.inject({
      method: 'DELETE',
      url: `/v1/api-keys/${key.id}`,
      headers: s.headers,
    });
    expect(revoke.statusCode).toBe(204);
    const after = await ts.app.inject({ method: 'GET', url: '/v1/me', headers: key.headers });
    expect(after.statusCode).toBe(401);
    const bogus = await ts.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: 'Bearer sg_live_nothing' },
    });
    expect(bogus.statusCode).toBe(401);
    const malformedAuth = await ts.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: 'Basic abc' },
    });
    expect(malformedAuth.statusCode).toBe(401);
  });

  it('API key scopes cannot exceed what the key may do', async () => {
    const s = await signup(ts.app);
    const readOnly = await createApiKey(ts.app, s, ['messages:read', 'billing:read']);
    expect(
      (await ts.app.inject({ method: 'GET', url: '/v1/balance', headers: readOnly.headers })).statusCode,
    ).toBe(200);
    const forbidden = await ts.app.inject({ method: 'GET', url: '/v1/audit-log', headers: readOnly.headers });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().code).toBe('forbidden');
    const tooMuch = await ts.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: s.headers,
      payload: { name: 'x', scopes: ['team:manage'] },
    });
    expect(tooMuch.statusCode).toBe(400);
  });

  it('replays an Idempotency-Key with the same body and refuses it with another', async () => {
    const s = await signup(ts.app);
    const headers = { ...s.headers, 'idempotency-key': 'abc-1' };
    const first = await ts.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers,
      payload: { name: 'one' },
    });
    const second = await ts.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers,
      payload: { name: 'one' },
    });
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(second.json().id).toBe(first.json().id);
    expect(second.headers['idempotent-replayed']).toBe('true');
    const other = await ts.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers,
      payload: { name: 'two' },
    });
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe('idempotency_key_reused');
    const keys = await ts.system.storage.db
      .selectFrom('api_keys')
      .select('id')
      .where('account_id', '=', s.accountId)
      .execute();
    expect(keys).toHaveLength(1);
    ts.clock.advance(24 * 3600_000 + 1);
    const expired = await ts.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers,
      payload: { name: 'two' },
    });
    expect(expired.statusCode).toBe(201);
  });

  it('verifies e-mail and resets the password through mailed one-time links', async () => {
    const s = await signup(ts.app, { verified: false });
    const token = ts.mail.lastToken(s.email);
    const ok = await ts.app.inject({ method: 'POST', url: '/v1/auth/verify-email', payload: { token } });
    expect(ok.statusCode).toBe(204);
    const again = await ts.app.inject({ method: 'POST', url: '/v1/auth/verify-email', payload: { token } });
    expect(again.json().code).toBe('invalid_token');
    const me = await ts.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie: s.cookie } });
    expect(me.json().user.emailVerified).toBe(true);

    const unknown = await ts.app.inject({
      method: 'POST',
      url: '/v1/auth/password-reset',
      payload: { email: uniqueEmail() },
    });
    expect(unknown.statusCode).toBe(202);
    const req = await ts.app.inject({
      method: 'POST',
      url: '/v1/auth/password-reset',
      payload: { email: s.email },
    });
    expect(req.statusCode).toBe(202);
    // The mail goes out after the answer.
    await ts.system.services.identity.settled();
    const resetToken = ts.mail.lastToken(s.email);
    const weak = await ts.app.inject({
      method: 'POST',
      url: '/v1/auth/password-reset/confirm',
      payload: { token: resetToken, password: 'short' },
    });
    expect(weak.json().code).toBe('weak_password');
    const token2 = resetToken; // still valid: a weak choice does not spend the link
    const done = await ts.app.inject({
      method: 'POST',
      url: '/v1/auth/password-reset/confirm',
      payload: { token: token2, password: 'a-brand-new-secret-9' },
    });
    expect(done.statusCode).toBe(204);
    expect(
      (await ts.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie: s.cookie } })).statusCode,
    ).toBe(401);
    const login = await ts.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: s.email, password: 'a-brand-new-secret-9' },
    });
    expect(login.statusCode).toBe(200);
    await ts.app.inject({ method: 'POST', url: '/v1/auth/password-reset', payload: { email: s.email } });
    await ts.system.services.identity.settled();
    const token3 = ts.mail.lastToken(s.email);
    ts.clock.advance(3600_000 + 1);
    const stale = await ts.app.inject({
      method: 'POST',
      url: '/v1/auth/password-reset/confirm',
      payload: { token: token3, password: 'another-new-secret-9' },
    });
    expect(stale.json().code).toBe('invalid_token');
  });

  it('2FA: enrol with a TOTP code, then login needs it', async () => {
    const s = await signup(ts.app);
    const setup = await ts.app.inject({ method: 'POST', url: '/v1/auth/2fa/setup', headers: s.headers });
    expect(setup.statusCode).toBe(200);
    const { secret, otpauthUrl } = setup.json();
    expect(otpauthUrl).toContain('otpauth://totp/');
    const epoch = Math.floor(ts.clock.now() / 1000);
    const bad = await ts.app.inject({
      method: 'POST',
      url: '/v1/auth/2fa/enable',
      headers: s.headers,
      payload: { code: '000000' },
    });
    expect(bad.json().code).toBe('invalid_two_factor_code');
    const enable = await ts.app.inject({
      method: 'POST',
      url: '/v1/auth/2fa/enable',
      headers: s.headers,
      payload: { code: generateSync({ secret, epoch }) },
    });
    expect(enable.statusCode).toBe(204);
    const noCode = await ts.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: s.email, password: PASSWORD },
    });
    expect(noCode.statusCode).toBe(401);
    expect(noCode.json().code).toBe('two_factor_required');
    // The enrolment code is spent: the login takes the next step's code.
    ts.clock.advance(30_000);
    const withCode = await ts.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: s.email, password: PASSWORD, totpCode: generateSync({ secret, epoch: epoch + 30 }) },
    });
    expect(withCode.statusCode).toBe(200);
  });

  it('answers unknown routes and methods with problem+json', async () => {
    const r = await ts.app.inject({ method: 'GET', url: '/v1/nothing-here' });
    expect(r.statusCode).toBe(404);
    expect(r.json().code).toBe('route_not_found');
  });

  it('serves the OpenAPI document and the docs page', async () => {
    const spec = await ts.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(spec.statusCode).toBe(200);
    const paths = Object.keys(spec.json().paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/v1/signup',
        '/v1/auth/login',
        '/v1/me',
        '/v1/api-keys',
        '/v1/users',
        '/v1/balance',
      ]),
    );
    const docs = await ts.app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger');
  });

  it('sends security headers and a request id on every answer', async () => {
    const r = await ts.app.inject({ method: 'GET', url: '/healthz' });
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(r.headers['content-security-policy']).toContain("default-src 'self'");
    expect(r.headers['x-request-id']).toMatch(/^req_/);
  });
});
