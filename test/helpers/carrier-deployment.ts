import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SmscBehaviour, type SmscSimulator, startSmscSimulator } from '../../dev/smsc-simulator';
import { type ServerProcess, startServerProcess, verifyMailedEmail } from './server-process';

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

/** A server process on its own SQLite data directory, with an SMPP carrier (the simulator) routed to. */
export interface CarrierDeployment {
  dataDir: string;
  env: Record<string, string>;
  smsc: SmscSimulator;
  /** The running server: replaced by `restart()`. */
  server: ServerProcess;
  /** Headers of a client's API key (e-mail confirmed, free credits usable). */
  auth: Record<string, string>;
  restart(): Promise<ServerProcess>;
  close(): Promise<void>;
}

/**
 * Starts the carrier simulator, creates the operator with the CLI, starts the server, adds the carrier with
 * `binds` × `window` and a rule for LV numbers, and signs a client up.
 */
export async function startCarrierDeployment(options: {
  name: string;
  binds: number;
  window: number;
  carrier: Partial<SmscBehaviour>;
}): Promise<CarrierDeployment> {
  const dataDir = mkdtempSync(join(tmpdir(), `smsgate-${options.name}-`));
  const credentials = { systemId: options.name.slice(0, 15), password: 'secret1' };
  const smsc = await startSmscSimulator({ ...credentials, ...options.carrier });
  const env = { DATA_DIR: dataDir, FREE_CREDITS: '100000', SIMULATOR_DELIVERY_DELAY_MS: '50' };
  createOperator(env);
  const server = await startServerProcess(env);
  await addSmppCarrier(server, {
    port: smsc.port,
    ...credentials,
    binds: options.binds,
    window: options.window,
  });
  const deployment: CarrierDeployment = {
    dataDir,
    env,
    smsc,
    server,
    auth: await clientApiKey(server, 'client@example.com'),
    async restart() {
      deployment.server = await startServerProcess(env);
      return deployment.server;
    },
    async close() {
      await deployment.server.stop();
      await smsc.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return deployment;
}

/** Copies of each number the carrier received beyond the first. */
export function duplicatesAt(smsc: SmscSimulator): number {
  const seen = new Map<string, number>();
  for (const s of smsc.submits) seen.set(s.destinationAddr, (seen.get(s.destinationAddr) ?? 0) + 1);
  let extra = 0;
  for (const n of seen.values()) extra += n - 1;
  return extra;
}
