import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';
import { DIALECTS } from '../helpers/storage';
import {
  createApiKey,
  PASSWORD,
  signup,
  startTestSystem,
  type TestSystem,
  uniqueEmail,
} from '../helpers/system';

const DOCS_CSP = "script-src 'self' 'unsafe-inline'";

describe.each(DIALECTS)('HTTP edges on %s', (dialect) => {
  let ts: TestSystem;
  beforeAll(async () => {
    ts = await startTestSystem(dialect);
  });
  afterAll(async () => {
    await ts?.close();
  });

  it('gives the looser docs CSP to /docs and /docs/… only, never to paths that merely start with it', async () => {
    for (const url of ['/docs', '/docs/', '/docs/static/index.html', '/docs?x=1']) {
      const r = await ts.app.inject({ method: 'GET', url });
      expect(r.headers['content-security-policy'], url).toContain(DOCS_CSP);
    }
    for (const url of ['/docsfoo', '/docs.html', '/docsx/y', '/v1/docs', '/documents']) {
      const r = await ts.app.inject({ method: 'GET', url });
      const csp = String(r.headers['content-security-policy']);
      expect(csp, url).not.toContain(DOCS_CSP);
      expect(csp, url).toContain("frame-ancestors 'none'");
    }
  });
});

/** The IP a sign-up was recorded with (policy consent), for a request sent with these headers. */
async function signupIp(ts: TestSystem, headers: Record<string, string>, remoteAddress = '127.0.0.1') {
  const email = uniqueEmail('proxy');
  const r = await ts.app.inject({
    method: 'POST',
    url: '/v1/signup',
    remoteAddress,
    headers,
    payload: { company: 'Acme', name: 'Ada', email, password: PASSWORD, acceptPolicy: true },
  });
  expect(r.statusCode, r.body).toBe(201);
  const row = await ts.system.storage.db
    .selectFrom('policy_consents')
    .select('ip')
    .where('user_id', '=', r.json().user.id)
    .executeTakeFirstOrThrow();
  return row.ip;
}

describe.each(DIALECTS)('TRUST_PROXY on %s', (dialect) => {
  it('with one hop, a client behind an appending proxy cannot choose its own IP', async () => {
    const ts = await startTestSystem(dialect, { TRUST_PROXY: '1' });
    try {
      // The client forged the first entry; the proxy appended the address it really saw.
      expect(await signupIp(ts, { 'x-forwarded-for': '6.6.6.6, 203.0.113.9' })).toBe('203.0.113.9');
      expect(await signupIp(ts, { 'x-forwarded-for': '203.0.113.10' })).toBe('203.0.113.10');
    } finally {
      await ts.close();
    }
  });

  it('with a list of proxy addresses, only those are trusted to speak for the client', async () => {
    const ts = await startTestSystem(dialect, { TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' });
    try {
      // 127.0.0.1 → 10.1.2.3 (a trusted inner proxy) → the client 198.51.100.7; the forged entry is ignored.
      expect(await signupIp(ts, { 'x-forwarded-for': '6.6.6.6, 198.51.100.7, 10.1.2.3' })).toBe(
        '198.51.100.7',
      );
      // A peer that is not a listed proxy is the client, whatever it claims.
      expect(await signupIp(ts, { 'x-forwarded-for': '6.6.6.6' }, '192.0.2.44')).toBe('192.0.2.44');
    } finally {
      await ts.close();
    }
  });

  it('off by default: X-Forwarded-For is ignored', async () => {
    const ts = await startTestSystem(dialect);
    try {
      expect(await signupIp(ts, { 'x-forwarded-for': '6.6.6.6' })).toBe('127.0.0.1');
    } finally {
      await ts.close();
    }
  });
});

describe('TRUST_PROXY configuration', () => {
  it('reads false, a hop count or a list of addresses and CIDRs', () => {
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '0' }).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1,loopback' }).TRUST_PROXY).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
      '::1',
      'loopback',
    ]);
  });

  it('refuses `true` (every hop) and malformed addresses with a message saying what to write', () => {
    for (const value of ['true', 'yes', '10.0.0.0/33', 'proxy.local', '-1', '1.5']) {
      let error: unknown;
      try {
        loadConfig({ TRUST_PROXY: value });
      } catch (e) {
        error = e;
      }
      expect(error, value).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.join('\n'), value).toMatch(/TRUST_PROXY: .*(hop|CIDR)/);
    }
  });
});

describe.each(DIALECTS)('rate limits on %s', (dialect) => {
  it('buckets by the authenticated credential, and by IP for made-up or missing credentials', async () => {
    const ts = await startTestSystem(dialect, { RATE_LIMIT_MAX: '5' });
    try {
      const owner = await signup(ts.app);
      const a = await createApiKey(ts.app, owner);
      const b = await createApiKey(ts.app, owner);
      const get = (headers: Record<string, string>, remoteAddress = '127.0.0.1') =>
        ts.app.inject({ method: 'GET', url: '/v1/messages', headers, remoteAddress });

      // A new junk key on every request is not a new bucket: the address runs out after 5.
      const junk = [];
      for (let i = 0; i < 7; i++)
        junk.push((await get({ authorization: `Bearer sg_live_junk${i}` }, '192.0.2.1')).statusCode);
      expect(junk.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(junk.slice(5)).toEqual([429, 429]);
      // Nor is a junk session cookie.
      const cookie = await get({ cookie: 'sg_session=made-up' }, '192.0.2.1');
      expect(cookie.statusCode).toBe(429);
      expect(cookie.headers['retry-after']).toBeDefined();

      // Real keys each have their own bucket, whatever address they come from.
      for (let i = 0; i < 5; i++) expect((await get(a.headers, `198.51.100.${i + 1}`)).statusCode).toBe(200);
      expect((await get(a.headers, '198.51.100.99')).statusCode).toBe(429);
      expect((await get(b.headers, '192.0.2.1')).statusCode).toBe(200);
    } finally {
      await ts.close();
    }
  });

  it('limits sign-ups per IP and hour (failed attempts do not count)', async () => {
    const ts = await startTestSystem(dialect, { SIGNUP_PER_IP_PER_HOUR: '3' });
    try {
      const attempt = (remoteAddress: string, password = PASSWORD) =>
        ts.app.inject({
          method: 'POST',
          url: '/v1/signup',
          remoteAddress,
          payload: { company: 'Acme', name: 'Ada', email: uniqueEmail('farm'), password, acceptPolicy: true },
        });
      const weak = await attempt('203.0.113.5', 'short');
      expect(weak.statusCode).toBeGreaterThanOrEqual(400);
      expect(weak.statusCode).toBeLessThan(429);
      for (let i = 0; i < 3; i++) expect((await attempt('203.0.113.5')).statusCode).toBe(201);
      const refused = await attempt('203.0.113.5');
      expect(refused.statusCode).toBe(429);
      expect(refused.json().code).toBe('rate_limited');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect((await attempt('203.0.113.6')).statusCode).toBe(201);
      ts.clock.advance(3600_000);
      expect((await attempt('203.0.113.5')).statusCode).toBe(201);
    } finally {
      await ts.close();
    }
  });

  it('counts IPv6 sign-ups by subnet, so rotating addresses within one block buys nothing', async () => {
    const ts = await startTestSystem(dialect, { SIGNUP_PER_IP_PER_HOUR: '1' });
    try {
      const attempt = (remoteAddress: string) =>
        ts.app.inject({
          method: 'POST',
          url: '/v1/signup',
          remoteAddress,
          payload: {
            company: 'Acme',
            name: 'Ada',
            email: uniqueEmail('v6'),
            password: PASSWORD,
            acceptPolicy: true,
          },
        });
      expect((await attempt('2001:db8:1:2::1')).statusCode).toBe(201);
      expect((await attempt('2001:db8:1:2::99')).statusCode).toBe(429);
      expect((await attempt('2001:db8:9:9::1')).statusCode).toBe(201);
    } finally {
      await ts.close();
    }
  });

  it('sign-ups sent together cannot exceed the limit', async () => {
    const ts = await startTestSystem(dialect, { SIGNUP_PER_IP_PER_HOUR: '2' });
    try {
      const answers = await Promise.all(
        Array.from({ length: 6 }, () =>
          ts.app.inject({
            method: 'POST',
            url: '/v1/signup',
            remoteAddress: '203.0.113.77',
            payload: {
              company: 'Acme',
              name: 'Ada',
              email: uniqueEmail('farm'),
              password: PASSWORD,
              acceptPolicy: true,
            },
          }),
        ),
      );
      const codes = answers.map((a) => a.statusCode).sort();
      expect(codes).toEqual([201, 201, 429, 429, 429, 429]);
    } finally {
      await ts.close();
    }
  });
});
