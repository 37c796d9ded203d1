import { verifyMailedEmail } from '../helpers/server-process';

/** A cookie session against a test server, for setting up what a browser test needs through the public API. */
export interface ApiSession {
  call<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

async function open(base: string, path: string, credentials: object): Promise<ApiSession> {
  const login = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(credentials),
  });
  if (!login.ok) throw new Error(`${path} answered ${login.status}: ${await login.text()}`);
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  return {
    async call<T>(method: string, p: string, body?: unknown) {
      const headers: Record<string, string> = { cookie, accept: 'application/json' };
      if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const r = await fetch(`${base}${p}`, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
      });
      const text = await r.text();
      return { status: r.status, body: (text ? JSON.parse(text) : null) as T };
    },
  };
}

export const staffLogin = (base: string, email: string, password: string) =>
  open(base, '/v1/admin/auth/login', { email, password });

/**
 * Signs a new client up through the API (the policy accepted), confirms the e-mail through the mailed
 * link unless `verified: false`, and returns its session.
 */
export async function clientSignup(
  base: string,
  company: string,
  email: string,
  options: { verified?: boolean } = {},
): Promise<ApiSession> {
  const session = await open(base, '/v1/signup', {
    company,
    name: 'Ada',
    email,
    password: 'a-long-secret-1',
    acceptPolicy: true,
  });
  if (options.verified !== false) await verifyMailedEmail(base, email);
  return session;
}
