import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, verifyMailedEmail } from '../helpers/server-process';
import { type Session, signup, startTestSystem, type TestSystem } from '../helpers/system';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';

const BASE_URL = process.env.TEST_DATABASE_URL;
const LV = '+37121234567';
const FINAL = ['delivered', 'undelivered', 'expired', 'failed', 'rejected', 'cancelled'];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually<T>(
  what: string,
  attempt: () => Promise<T | null | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Runs `statements` on a fresh connection that is not the application's. */
async function asAdmin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const TERMINATE =
  'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()';

function expectUnavailable(response: { statusCode: number; headers: Record<string, unknown>; body: string }) {
  expect(response.statusCode, response.body).toBe(503);
  expect(response.headers['content-type']).toContain('application/problem+json');
  expect(JSON.parse(response.body)).toMatchObject({ code: 'database_unavailable', status: 503 });
  expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
}

/**
 * These tests end every connection to a database of their own (never the shared test database, whose
 * other users would lose theirs too) and never restart the PostgreSQL server.
 */
describe.skipIf(!BASE_URL)('PostgreSQL connection loss', () => {
  const name = `faults_${randomBytes(5).toString('hex')}`;
  const dbUrl = (() => {
    const url = new URL(BASE_URL ?? 'postgres://localhost/x');
    url.pathname = `/${name}`;
    return url.toString();
  })();
  let ts: TestSystem | null = null;
  let proxy: TcpProxy | null = null;

  beforeAll(async () => {
    await asAdmin(BASE_URL!, (c) => c.query(`CREATE DATABASE ${name}`));
  });
  afterEach(async () => {
    proxy?.up();
    await ts?.system.stop().catch(() => undefined);
    await ts?.close().catch(() => undefined);
    ts = null;
    await proxy?.close();
    proxy = null;
  });
  afterAll(async () => {
    await asAdmin(BASE_URL!, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  });

  async function start(pgUrl: string) {
    const system = await startTestSystem(
      'postgres',
      { SIMULATOR_DELIVERY_DELAY_MS: '0', FREE_CREDITS: '100' },
      { storage: { pgUrl } },
    );
    ts = system;
    const owner = await signup(system.app);
    system.system.startWorkers();
    return { system, owner };
  }
  const send = (system: TestSystem, owner: Session, text: string) =>
    system.app.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: owner.headers,
      payload: { to: LV, text },
    });
  const statusOf = async (system: TestSystem, owner: Session, id: string) =>
    (await system.app.inject({ method: 'GET', url: `/v1/messages/${id}`, headers: owner.headers })).json()
      .status as string;

  it('pg_terminate_backend: the process survives, requests caught in it answer 503, the next ones and the dispatch loop succeed', async () => {
    const { system, owner } = await start(dbUrl);
    const before = await send(system, owner, 'before');
    expect(before.statusCode, before.body).toBe(202);
    // Delivered first: a dispatch batch caught by the termination waits out its lease (60 s on the
    // fake clock, which does not move here) before another worker takes it over.
    const beforeId = before.json().data[0].id as string;
    await eventually(
      'the first message delivered',
      async () => (await statusOf(system, owner, beforeId)) === 'delivered',
    );

    // An admin holds a lock on the messages table, so that sends and reads wait inside the database
    // when their connections are ended: they are in flight for certain.
    const killed = await asAdmin(dbUrl, async (admin) => {
      const schema = (
        await admin.query<{ nspname: string }>(
          "SELECT nspname FROM pg_namespace WHERE nspname LIKE 't\\_%' ORDER BY oid DESC LIMIT 1",
        )
      ).rows[0]!.nspname;
      await admin.query('BEGIN');
      await admin.query(`LOCK TABLE ${schema}.messages IN ACCESS EXCLUSIVE MODE`);
      const inFlight = [
        ...Array.from({ length: 4 }, (_, i) => send(system, owner, `held ${i}`)),
        system.app.inject({ method: 'GET', url: '/v1/messages', headers: owner.headers }),
      ];
      await eventually('requests waiting on the lock', async () => {
        const { rows } = await admin.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        );
        return rows[0]!.n >= 2;
      });
      const terminated = await admin.query(TERMINATE);
      await admin.query('ROLLBACK');
      return { count: terminated.rowCount ?? 0, responses: await Promise.all(inFlight) };
    });
    expect(killed.count).toBeGreaterThanOrEqual(2);
    // Those that waited on the lock lost their connection: 503 with Retry-After, never 500. Sends
    // still queued for the next group commit (not yet in the database) go through once it is back.
    const waited = killed.responses.filter((r) => r.statusCode !== 202 && r.statusCode !== 200);
    expect(waited.length).toBeGreaterThanOrEqual(2);
    for (const response of waited) expectUnavailable(response);

    // The pool replaces the ended connections: the next requests succeed, and so does dispatch.
    await sleep(200);
    const after: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await send(system, owner, `after ${i}`);
      expect(r.statusCode, r.body).toBe(202);
      after.push(r.json().data[0].id);
    }
    const ids = [beforeId, ...after];
    await eventually(
      'every message delivered',
      async () => {
        for (const id of ids) if ((await statusOf(system, owner, id)) !== 'delivered') return false;
        return true;
      },
      10_000,
    );
    const ready = await system.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode, ready.body).toBe(200);
  });

  it('a database away for seconds: 503 with Retry-After while away, /readyz says why, work resumes within 10 s of its return', async () => {
    const base = new URL(BASE_URL!);
    proxy = await startTcpProxy({ host: base.hostname, port: Number(base.port || 5432) });
    const proxied = new URL(dbUrl);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    const { system, owner } = await start(proxied.toString());
    const first = await send(system, owner, 'before the outage');
    expect(first.statusCode, first.body).toBe(202);
    const firstId = first.json().data[0].id as string;
    await eventually(
      'the first message delivered',
      async () => (await statusOf(system, owner, firstId)) === 'delivered',
    );

    proxy.down();
    const awayUntil = Date.now() + 3000;
    let answered = 0;
    while (Date.now() < awayUntil) {
      const started = Date.now();
      expectUnavailable(await send(system, owner, 'while away'));
      expectUnavailable(
        await system.app.inject({ method: 'GET', url: `/v1/messages/${firstId}`, headers: owner.headers }),
      );
      // Answered at once, not after the client's patience has run out.
      expect(Date.now() - started).toBeLessThan(6000);
      answered++;
      await sleep(200);
    }
    expect(answered).toBeGreaterThan(3);
    expect((await system.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const notReady = await system.app.inject({ method: 'GET', url: '/readyz' });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toMatchObject({ status: 'unavailable', checks: { database: 'unavailable' } });

    proxy.up();
    const back = Date.now();
    const resumed = await eventually('a send accepted again', async () => {
      const r = await send(system, owner, 'after the outage');
      return r.statusCode === 202 ? r : null;
    });
    expect(Date.now() - back).toBeLessThan(10_000);
    const id = resumed.json().data[0].id as string;
    await eventually(
      'the new message delivered',
      async () => (await statusOf(system, owner, id)) === 'delivered',
    );
    expect(Date.now() - back).toBeLessThan(10_000);
    const ready = await system.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode, ready.body).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ok', checks: { database: 'ok', storage: 'ok' } });
  });

  it('a network that drops every packet: requests that need a new connection answer 503 after the connect timeout, and all resumes when it passes', async () => {
    const base = new URL(BASE_URL!);
    proxy = await startTcpProxy({ host: base.hostname, port: Number(base.port || 5432) });
    const proxied = new URL(dbUrl);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    const { system, owner } = await start(proxied.toString());
    expect((await send(system, owner, 'before')).statusCode).toBe(202);

    proxy.pause();
    const started = Date.now();
    // More requests than the pool has connections: those that wait for one give up after 5 s.
    const requests = Array.from({ length: 12 }, (_, i) =>
      send(system, owner, `paused ${i}`).then((r) => ({ r, ms: Date.now() - started })),
    );
    await sleep(7000);
    proxy.up();
    const answers = await Promise.all(requests);
    for (const { r } of answers) expect([202, 503], r.body).toContain(r.statusCode);
    const refused = answers.filter(({ r }) => r.statusCode === 503);
    expect(refused.length).toBeGreaterThan(0);
    for (const { r, ms } of refused) {
      expectUnavailable(r);
      expect(ms).toBeLessThan(7000);
    }
    const back = Date.now();
    const resumed = await eventually('a send accepted again', async () => {
      const r = await send(system, owner, 'after');
      return r.statusCode === 202 ? r : null;
    });
    expect(Date.now() - back).toBeLessThan(10_000);
    const id = resumed.json().data[0].id as string;
    await eventually(
      'the new message delivered',
      async () => (await statusOf(system, owner, id)) === 'delivered',
    );
  }, 30_000);

  it('a server process survives its connections being ended and its queued messages reach a final status', async () => {
    // Its own data folder: mail (the confirmation link) and files stay out of the working tree.
    const dataDir = mkdtempSync(join(tmpdir(), 'smsgate-blip-'));
    const server = await startServerProcess({
      DATABASE_URL: dbUrl,
      DATA_DIR: dataDir,
      SIMULATOR_DELIVERY_DELAY_MS: '200',
      FREE_CREDITS: '1000',
    });
    try {
      const signupResponse = await fetch(`${server.url}/v1/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          company: 'Blip',
          name: 'B',
          email: `blip-${name}@example.com`,
          password: 'a-long-secret-1',
          acceptPolicy: true,
        }),
      });
      expect(signupResponse.status).toBe(201);
      // Free credits are spent once the e-mail is confirmed.
      await verifyMailedEmail(server, `blip-${name}@example.com`);
      const cookie = signupResponse.headers.get('set-cookie')!.split(';')[0]!;
      const csrf = String(((await signupResponse.json()) as { csrfToken: string }).csrfToken);
      const headers = { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf };
      const accepted: string[] = [];
      const sendBatch = async (n: number, from: number) => {
        const r = await fetch(`${server.url}/v1/messages`, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            to: Array.from({ length: n }, (_, i) => `+3712${String(1_000_000 + from + i)}`),
            text: 'blip',
          }),
        });
        if (r.status === 202)
          accepted.push(...((await r.json()) as { data: { id: string }[] }).data.map((m) => m.id));
        else {
          expect(r.status).toBe(503);
          expect(r.headers.get('retry-after')).toBeTruthy();
        }
      };
      for (let i = 0; i < 4; i++) await sendBatch(100, i * 100);
      // Twice, a moment apart: once while dispatching, once while receipts come in.
      for (let round = 0; round < 2; round++) {
        await sleep(150);
        const sending = sendBatch(50, 1000 + round * 50);
        await asAdmin(dbUrl, (admin) => admin.query(TERMINATE));
        await sending;
      }
      await sleep(500);
      expect(server.child.exitCode, server.output()).toBeNull();
      await sendBatch(20, 2000);
      expect(accepted.length).toBeGreaterThanOrEqual(420);

      // A job claimed when the connections went may wait out its lease (60 s) before it is retried.
      const pending = await eventually(
        'every accepted message final',
        async () => {
          const { rows } = await asAdmin(dbUrl, (admin) =>
            admin.query<{ status: string; n: number }>(
              'SELECT status, count(*)::int AS n FROM messages WHERE id = ANY($1) GROUP BY status',
              [accepted],
            ),
          );
          const open = rows.filter((r) => !FINAL.includes(r.status));
          return open.length === 0 ? rows : null;
        },
        90_000,
      );
      expect(pending.reduce((n, r) => n + r.n, 0)).toBe(accepted.length);
      expect(server.child.exitCode, server.output()).toBeNull();
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(200);
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('SQLite: a database locked by another writer', () => {
  it('answers 503 database_unavailable with Retry-After, and 202 once the lock is gone', async () => {
    const system = await startTestSystem('sqlite');
    try {
      const owner = await signup(system.app);
      const { db } = system.system.storage;
      const dbFile = (
        await sql<{ file: string }>`select file from pragma_database_list where name = 'main'`.execute(db)
      ).rows[0]!.file;
      // Give up waiting for the lock after 100 ms rather than the usual 5 s.
      await sql`pragma busy_timeout = 100`.execute(db);
      const other = new Database(dbFile);
      other.exec('BEGIN IMMEDIATE');
      try {
        const r = await system.app.inject({
          method: 'POST',
          url: '/v1/messages',
          headers: owner.headers,
          payload: { to: LV, text: 'locked out' },
        });
        expectUnavailable(r);
      } finally {
        other.exec('ROLLBACK');
        other.close();
      }
      const r = await system.app.inject({
        method: 'POST',
        url: '/v1/messages',
        headers: owner.headers,
        payload: { to: LV, text: 'let in' },
      });
      expect(r.statusCode, r.body).toBe(202);
    } finally {
      await system.close();
    }
  });
});
