/**
 * The two deployments a chaos trial runs against, each with its carrier (the SMSC simulator, out of process)
 * and a webhook receiver:
 * - `sqlite`: one `smsgate serve` process on an SQLite file, workers in the same process;
 * - `split`: an API process (WORKERS=false) and a `smsgate worker` process on PostgreSQL (through a proxy
 *   that can be cut) with a private redis-server for the queue.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import {
  type Carrier,
  carrier,
  freePort,
  type Restartable,
  redisServer,
  smsgateServer,
  smsgateWorker,
  type TcpProxy,
  tcpProxy,
} from './processes';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver';

export type DeploymentKind = 'sqlite' | 'split';

/** What the route to the carrier is configured with: duplicates after a fault are bounded by window × binds. */
export const ROUTE = { binds: 2, window: 10 } as const;

export interface Deployment {
  kind: DeploymentKind;
  baseUrl: string;
  /** The process answering HTTP (and, for sqlite, doing everything). */
  api: Restartable;
  worker?: Restartable;
  redis?: Restartable;
  pgProxy?: TcpProxy;
  /** A direct connection string to the trial's PostgreSQL database (not through the proxy). */
  pgUrl?: string;
  redisUrl?: string;
  carrier: Carrier;
  webhooks: WebhookReceiver;
  apiKey: string;
  accountId: string;
  /** Runs a read-only query on the deployment's database. */
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

const STAFF = { email: 'ops@chaos.example.com', password: 'Night-shift-operator-71' };
const CLIENT = { email: 'client@chaos.example.com', password: 'Morning-tea-lemon-93' };

/** application_name of the trial's own read-only connections. */
export const OBSERVER = 'chaos-observer';

const PG_ADMIN_URL = process.env.CHAOS_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function json(response: Response, what: string): Promise<Record<string, unknown>> {
  const text = await response.text();
  if (!response.ok) throw new Error(`${what}: ${response.status} ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function cookieOf(response: Response, name: string): string {
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith(`${name}=`));
  if (!cookie) throw new Error(`no ${name} cookie`);
  return cookie;
}

/** The token in the newest mail to `to` under DATA_DIR/mail (the file mailer's folder). */
function mailedToken(dataDir: string, to: string): string | null {
  const folder = join(dataDir, 'mail');
  let files: string[];
  try {
    files = readdirSync(folder).sort().reverse();
  } catch {
    return null;
  }
  for (const file of files) {
    const text = readFileSync(join(folder, file), 'utf8');
    if (!text.includes(to)) continue;
    const match = /verify-email\?token=([A-Za-z0-9_-]+)/.exec(text);
    if (match) return match[1]!;
  }
  return null;
}

async function runCli(args: string[], env: Record<string, string>): Promise<void> {
  const { spawn } = await import('node:child_process');
  const { ROOT } = await import('../../bench/lib');
  await new Promise<void>((done, fail) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/smsgate.mjs'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr?.on('data', (d) => {
      err += String(d);
    });
    child.once('exit', (code) => (code === 0 ? done() : fail(new Error(`smsgate ${args[0]}: ${err}`))));
  });
}

/**
 * Operator, carrier route and rule, a client account with paid credits (an operator adjustment, so the
 * free-credit rules never get in the way), an API key and a webhook endpoint.
 */
async function provision(
  baseUrl: string,
  dataDir: string,
  carrierPort: number,
  webhookUrl: string,
): Promise<{ apiKey: string; accountId: string }> {
  const staffLogin = await fetch(`${baseUrl}/v1/admin/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(STAFF),
  });
  const staffBody = await json(staffLogin, 'staff login');
  const staff = {
    'content-type': 'application/json',
    cookie: cookieOf(staffLogin, 'sg_staff_session'),
    'x-csrf-token': String(staffBody.csrfToken),
  };
  const routeConfig: Record<string, unknown> = {
    host: '127.0.0.1',
    port: carrierPort,
    systemId: 'chaos',
    password: 'chaos-pw',
    binds: ROUTE.binds,
    window: ROUTE.window,
    enquireLinkSeconds: 5,
    submitTimeoutMs: 3000,
    // A carrier that dies forgets the receipts it owed: after this long (the shortest a route may set)
    // `sent` becomes final.
    receiptTimeoutSeconds: 60,
  };
  const route = await fetch(`${baseUrl}/v1/admin/routes`, {
    method: 'POST',
    headers: staff,
    body: JSON.stringify({ name: 'chaos carrier', type: 'smpp', enabled: true, config: routeConfig }),
  });
  const routeId = String((await json(route, 'route')).id);
  await json(
    await fetch(`${baseUrl}/v1/admin/routing-rules`, {
      method: 'POST',
      headers: staff,
      body: JSON.stringify({ priority: 1, match: {}, routeIds: [routeId] }),
    }),
    'routing rule',
  );

  const signup = await fetch(`${baseUrl}/v1/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ company: 'Chaos Ltd', name: 'Chaos', acceptPolicy: true, ...CLIENT }),
  });
  const signupBody = await json(signup, 'signup');
  const accountId = String((signupBody.account as { id: string }).id);
  const client = {
    'content-type': 'application/json',
    cookie: cookieOf(signup, 'sg_session'),
    'x-csrf-token': String(signupBody.csrfToken),
  };
  const token = mailedToken(dataDir, CLIENT.email);
  if (token) {
    await fetch(`${baseUrl}/v1/auth/verify-email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
  }
  await json(
    await fetch(`${baseUrl}/v1/admin/accounts/${accountId}/credits`, {
      method: 'POST',
      headers: staff,
      body: JSON.stringify({ amount: 1_000_000, reason: 'chaos trial' }),
    }),
    'credits',
  );
  const key = await json(
    await fetch(`${baseUrl}/v1/api-keys`, { method: 'POST', headers: client, body: '{"name":"chaos"}' }),
    'api key',
  );
  const apiKey = String(key.key);
  await json(
    await fetch(`${baseUrl}/v1/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ url: webhookUrl, events: ['message.status'] }),
    }),
    'webhook',
  );
  return { apiKey, accountId };
}

export async function startDeployment(kind: DeploymentKind): Promise<Deployment> {
  const dataDir = mkdtempSync(join(tmpdir(), 'smsgate-chaos-'));
  const [apiPort, carrierPort] = [await freePort(), await freePort()];
  const smsc = carrier(carrierPort, join(dataDir, 'carrier-accepted.log'));
  await smsc.start();
  const webhooks = await startWebhookReceiver();
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    STAFF_REQUIRE_2FA: 'false',
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'warn',
    RATE_LIMIT_MAX: '0',
    FREE_CREDITS: '0',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    PUBLIC_URL: `http://127.0.0.1:${apiPort}`,
  };
  const stops: Array<() => Promise<void>> = [];
  let query: Deployment['query'];
  let redis: Restartable | undefined;
  let pgProxy: TcpProxy | undefined;
  let pgUrl: string | undefined;

  if (kind === 'sqlite') {
    env.DATABASE_URL = '';
    env.REDIS_URL = '';
    const file = join(dataDir, 'smsgate.db');
    let db: Database.Database | null = null;
    query = async <T>(sql: string, params: unknown[] = []) => {
      db ??= new Database(file, { readonly: true, fileMustExist: true });
      return db.prepare(sql).all(...params) as T[];
    };
    stops.push(async () => {
      db?.close();
    });
  } else {
    const name = `chaos_${process.pid}_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const direct = new URL(PG_ADMIN_URL);
    direct.pathname = `/${name}`;
    pgUrl = direct.toString();
    pgProxy = await tcpProxy(Number(direct.port || 5432));
    const proxied = new URL(pgUrl);
    proxied.port = String(pgProxy.port);
    env.DATABASE_URL = proxied.toString();
    const redisPort = await freePort();
    redis = redisServer(redisPort);
    await redis.start();
    env.REDIS_URL = `redis://127.0.0.1:${redisPort}/0`;
    // Named, so that the pg-terminate fault spares the observer's own connections.
    const pool = new pg.Pool({ connectionString: pgUrl, max: 2, application_name: OBSERVER });
    pool.on('error', () => undefined);
    query = async <T>(sql: string, params: unknown[] = []) => {
      // Placeholders are written `?`; PostgreSQL wants $1, $2, …
      let n = 0;
      return (
        await pool.query(
          sql.replace(/\?/g, () => `$${++n}`),
          params,
        )
      ).rows as T[];
    };
    stops.push(async () => {
      await pool.end();
      await pgProxy!.close();
      const again = new pg.Client({ connectionString: PG_ADMIN_URL });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    });
  }

  const api = smsgateServer('api', apiPort, kind === 'split' ? { ...env, WORKERS: 'false' } : env);
  const worker = kind === 'split' ? smsgateWorker('worker', env) : undefined;
  const closeAll = async () => {
    await worker?.stop();
    await api.stop();
    await smsc.stop();
    await redis?.stop();
    await webhooks.close();
    for (const stop of stops) await stop().catch(() => undefined);
    if (!process.env.CHAOS_KEEP) rmSync(dataDir, { recursive: true, force: true });
    else process.stderr.write(`kept ${dataDir}\n`);
  };
  const baseUrl = `http://127.0.0.1:${apiPort}`;
  let provisioned: { apiKey: string; accountId: string };
  try {
    // The operator exists before the first start, as `npx smsgate admin create` makes it.
    await runCli(
      [
        'admin',
        'create',
        '--email',
        STAFF.email,
        '--password',
        STAFF.password,
        '--role',
        'superadmin',
        '--create',
      ],
      env,
    );
    await api.start();
    await worker?.start();
    provisioned = await provision(baseUrl, dataDir, carrierPort, webhooks.url);
  } catch (error) {
    await closeAll().catch(() => undefined);
    throw error;
  }
  const { apiKey, accountId } = provisioned;
  return {
    kind,
    baseUrl,
    api,
    ...(worker ? { worker } : {}),
    ...(redis ? { redis } : {}),
    ...(pgProxy ? { pgProxy } : {}),
    ...(pgUrl ? { pgUrl } : {}),
    ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
    carrier: smsc,
    webhooks,
    apiKey,
    accountId,
    query,
    close: closeAll,
  };
}
