import { spawnSync } from 'node:child_process';
import { type ServerProcess, verifyMailedEmail } from './server-process';

/** A real server process given a carrier through its API, as an operator would: the pieces tests share. */

const OPERATOR = { email: 'ops@example.com', password: 'correct-horse-battery-7' };

export const postJson = (url: string, headers: Record<string, string>, body: unknown) =>
  fetch(url, {
    method: 'POST',
    headers: Object.assign({ 'content-type': 'application/json' }, headers),
    body: JSON.stringify(body),
  });

/** Creates the operator with the CLI, on the database `env` names (made when missing). */
export function createOperator(env: Record<string, string>): void {
  const admin = spawnSync(
    process.execPath,
    [
      'bin/smsgate.mjs',
      'admin',
      'create',
      '--email',
      OPERATOR.email,
      '--password',
      OPERATOR.password,
      '--role',
      'operator',
      '--create',
    ],
    { env: Object.assign({}, process.env, env, { LOG_LEVEL: 'warn' }), encoding: 'utf8' },
  );
  if (admin.status !== 0) throw new Error(`admin create failed: ${admin.stderr}`);
}

/** Signs the operator in, adds an SMPP route to `carrier` and a rule sending LV numbers to it; its id. */
export async function addSmppCarrier(
  server: ServerProcess,
  carrier: { port: number; systemId: string; password: string; binds: number; window: number },
): Promise<string> {
  const login = await postJson(`${server.url}/v1/admin/auth/login`, {}, OPERATOR);
  if (login.status !== 200) throw new Error(`operator login: ${login.status}`);
  const op = {
    cookie: login.headers.get('set-cookie')!.split(';')[0]!,
    'x-csrf-token': String(((await login.json()) as { csrfToken: string }).csrfToken),
  };
  const { port, systemId, password, binds, window } = carrier;
  const route = await postJson(`${server.url}/v1/admin/routes`, op, {
    name: 'carrier',
    type: 'smpp',
    config: { host: '127.0.0.1', port, systemId, password, binds, window },
  });
  if (route.status !== 201) throw new Error(`route: ${route.status} ${await route.text()}`);
  const routeId = ((await route.json()) as { id: string }).id;
  const rule = await postJson(`${server.url}/v1/admin/routing-rules`, op, {
    priority: 10,
    match: { countries: ['LV'] },
    routeIds: [routeId],
  });
  if (rule.status !== 201) throw new Error(`rule: ${rule.status} ${await rule.text()}`);
  return routeId;
}

/** Signs a client up, confirms its e-mail (so free credits can be spent) and makes an API key: its headers. */
export async function clientApiKey(server: ServerProcess, email: string): Promise<Record<string, string>> {
  const signup = await postJson(
    `${server.url}/v1/signup`,
    {},
    { company: 'Client', name: 'C', email, password: 'a-long-secret-1', acceptPolicy: true },
  );
  if (signup.status !== 201) throw new Error(`signup: ${signup.status} ${await signup.clone().text()}`);
  await verifyMailedEmail(server, email);
  const cookie = signup.headers.get('set-cookie')!.split(';')[0]!;
  const csrf = String(((await signup.json()) as { csrfToken: string }).csrfToken);
  const key = await postJson(`${server.url}/v1/api-keys`, { cookie, 'x-csrf-token': csrf }, { name: 'k' });
  return { authorization: `Bearer ${((await key.json()) as { key: string }).key}` };
}

export async function waitFor(what: string, done: () => boolean, timeoutMs: number, stepMs = 50) {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
