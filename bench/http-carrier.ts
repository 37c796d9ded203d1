/**
 * A generic HTTP route end to end: N messages accepted by the real server (SQLite, durable default) in bulk
 * requests of 1,000, dispatched through a Kannel `sendsms`-style generic `http` route to a fake aggregator
 * in another process (bench/_http-aggregator-process.ts), whose delivery reports come back as GET callbacks
 * on /hooks/routes/:id/status, are stored, applied by the `route-callbacks` worker, and mark the messages
 * delivered.
 *
 *   npx tsx bench/http-carrier.ts                                   # 30,000 messages
 *   npx tsx bench/http-carrier.ts --messages 10000 --receipt-delay 200 --connections 32 --dlr-connections 128
 *
 * Figures: submittedPerSec (messages the aggregator received / seconds from the first API request to the
 * last submit), dlrsAppliedPerSec (messages delivered / seconds from the first DLR sent to the last message
 * delivered), endToEndPerSec, cpuMsPerMsg (the server's utime + stime over the run, per message), peak
 * RSS. Targets (issue 18): ≥ 3,000 msg/s submitted, DLRs at the same rate.
 */
import { fork, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import {
  cpuSeconds,
  log,
  lvNumber,
  machine,
  numberArg,
  printResult,
  ROOT,
  round,
  SERVER_ROOT,
  signupWithApiKey,
  sleep,
  startServer,
} from './lib';

const MESSAGES = numberArg('messages', 30_000);
const PER_REQUEST = 1000;
const API_CONNECTIONS = 4;
const CARRIER_CONNECTIONS = numberArg('connections', 32);
const RECEIPT_DELAY_MS = numberArg('receipt-delay', 200);
/** Connections the aggregator calls back on at once (carriers send many callbacks side by side). */
const DLR_CONNECTIONS = numberArg('dlr-connections', 128);
const TIMEOUT_SEC = numberArg('timeout', 120);
const STAFF_EMAIL = 'ops@bench.example.com';
const STAFF_PASSWORD = 'a-long-bench-secret-2';
async function json(response: Response, expected: number, what: string): Promise<Record<string, unknown>> {
  const text = await response.text();
  if (response.status !== expected) throw new Error(`${what}: ${response.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

const server = await startServer({ STAFF_REQUIRE_2FA: 'false', ROUTE_CALLBACKS_PER_SECOND: '0' });
const aggregator = fork(
  join(ROOT, 'bench/_http-aggregator-process.ts'),
  [
    '--callback-base',
    server.baseUrl,
    '--receipt-delay',
    String(RECEIPT_DELAY_MS),
    '--dlr-connections',
    String(DLR_CONNECTIONS),
  ],
  { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'], cwd: ROOT },
);
type Stats = { requests: number; dlrsSent: number; dlrsRefused: number; dlrsFailed: number; cpuMs: number };
let nextStats = 0;
const stats = () =>
  new Promise<Stats>((resolve) => {
    const id = ++nextStats;
    const onMessage = (m: unknown) => {
      const answer = m as { id?: number; body?: Stats };
      if (answer.id !== id || !answer.body) return;
      aggregator.off('message', onMessage);
      resolve(answer.body);
    };
    aggregator.on('message', onMessage);
    aggregator.send({ id, cmd: 'stats' });
  });

try {
  const port = await new Promise<number>((resolve, reject) => {
    aggregator.once('message', (m) => resolve((m as { port: number }).port));
    aggregator.once('exit', (code) => reject(new Error(`aggregator exited with ${code}`)));
  });
  const admin = spawnSync(
    process.execPath,
    [
      join(SERVER_ROOT, 'bin/smsgate.mjs'),
      'admin',
      'create',
      '--email',
      STAFF_EMAIL,
      '--password',
      STAFF_PASSWORD,
    ],
    {
      cwd: SERVER_ROOT,
      env: {
        ...process.env,
        DATA_DIR: server.dataDir,
        DATABASE_URL: '',
        LOG_LEVEL: 'silent',
        NODE_ENV: 'production',
      },
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  if (admin.status !== 0) throw new Error(`admin create: ${admin.status} ${admin.stderr}`);
  const login = await fetch(`${server.baseUrl}/v1/admin/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: STAFF_EMAIL, password: STAFF_PASSWORD }),
  });
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .join('; ');
  const { csrfToken } = (await json(login, 200, 'staff login')) as { csrfToken: string };
  const staff = { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken };
  const route = (await json(
    await fetch(`${server.baseUrl}/v1/admin/routes`, {
      method: 'POST',
      headers: staff,
      body: JSON.stringify({
        name: 'fake-kannel',
        type: 'http',
        config: {
          method: 'GET',
          url: `http://127.0.0.1:${port}/cgi-bin/sendsms?username=bench&password=bench&from={{from|urlencode}}&to={{to|urlencode}}&text={{text|urlencode}}&dlr-mask=19&dlr-url={{dlrUrl|urlencode}}`,
          dlrQuery: 'ref={{messageId}}&type=%d',
          success: { status: [202], bodyRegex: '^[03]: ' },
          dlr: {
            ref: 'query.ref',
            status: 'query.type',
            statusMap: { '1': 'delivered', '2': 'undelivered' },
          },
          maxConnections: CARRIER_CONNECTIONS,
        },
      }),
    }),
    201,
    'route',
  )) as { id: string };
  await json(
    await fetch(`${server.baseUrl}/v1/admin/routing-rules`, {
      method: 'POST',
      headers: staff,
      body: JSON.stringify({ priority: 1, match: { countries: ['LV'] }, routeIds: [route.id] }),
    }),
    201,
    'routing rule',
  );
  const { key, accountId } = await signupWithApiKey(server);
  await json(
    await fetch(`${server.baseUrl}/v1/admin/accounts/${accountId}/credits`, {
      method: 'POST',
      headers: staff,
      body: JSON.stringify({ amount: 1_000_000, reason: 'benchmark credits' }),
    }),
    200,
    'credits',
  );
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
  const bodies = Array.from({ length: Math.ceil(MESSAGES / PER_REQUEST) }, (_, r) =>
    JSON.stringify({
      to: Array.from({ length: Math.min(PER_REQUEST, MESSAGES - r * PER_REQUEST) }, (_, i) =>
        lvNumber(r * PER_REQUEST + i),
      ),
      text: 'Your code is 123456. It expires in 10 minutes.',
    }),
  );
  const db = new Database(server.dbFile, { readonly: true, fileMustExist: true });
  // Where the DLRs are: stored callbacks not applied yet, and receipts waiting for their message.
  const backlog = db.prepare<[], { pending: number; waiting: number }>(
    `SELECT (SELECT count(*) FROM route_callbacks WHERE status = 'pending') AS pending,
            (SELECT count(*) FROM delivery_reports WHERE applied_at IS NULL) AS waiting`,
  );
  const delivered = db.prepare<[string], { n: number }>(
    "SELECT count(*) AS n FROM messages WHERE account_id = ? AND status = 'delivered'",
  );

  const cpuBefore = cpuSeconds(server.pid);
  const aggregatorBefore = await stats();
  const started = performance.now();
  let accepted = 0;
  let next = 0;
  const acceptance = Promise.all(
    Array.from({ length: API_CONNECTIONS }, async () => {
      for (let i = next++; i < bodies.length; i = next++) {
        const r = await fetch(`${server.baseUrl}/v1/messages`, { method: 'POST', headers, body: bodies[i] });
        const answer = (await r.json()) as { data?: unknown[] };
        if (r.status === 202) accepted += answer.data?.length ?? 0;
      }
    }),
  );
  let submittedAt: number | null = null;
  let firstDlrAt: number | null = null;
  let done = 0;
  let lastLog = 0;
  let last: Stats = aggregatorBefore;
  for (;;) {
    await sleep(100);
    last = await stats();
    const now = performance.now();
    if (firstDlrAt === null && last.dlrsSent > aggregatorBefore.dlrsSent) firstDlrAt = now;
    if (submittedAt === null && last.requests - aggregatorBefore.requests >= MESSAGES) submittedAt = now;
    done = Number(delivered.get(accountId)!.n);
    const elapsed = (now - started) / 1000;
    if (elapsed - lastLog >= 5) {
      lastLog = elapsed;
      const b = backlog.get()!;
      log(
        `${round(elapsed, 1)} s: ${last.requests} submitted, ${last.dlrsSent} DLRs answered, ${b.pending} callbacks pending, ${b.waiting} receipts waiting, ${done} delivered`,
      );
    }
    if (done >= MESSAGES || elapsed > TIMEOUT_SEC) break;
  }
  await acceptance;
  const finished = performance.now();
  const cpu = cpuSeconds(server.pid) - cpuBefore;
  db.close();
  const submitted = last.requests - aggregatorBefore.requests;
  const submitSeconds = ((submittedAt ?? finished) - started) / 1000;
  const dlrSeconds = (finished - (firstDlrAt ?? started)) / 1000;
  printResult({
    bench: 'http-carrier',
    ...(await machine()),
    messages: MESSAGES,
    accepted,
    submitted,
    delivered: done,
    allDelivered: done >= MESSAGES,
    carrierConnections: CARRIER_CONNECTIONS,
    dlrConnections: DLR_CONNECTIONS,
    receiptDelayMs: RECEIPT_DELAY_MS,
    submittedPerSec: Math.round(submitted / submitSeconds),
    dlrsAppliedPerSec: Math.round(done / dlrSeconds),
    endToEndPerSec: Math.round(done / ((finished - started) / 1000)),
    seconds: round((finished - started) / 1000, 2),
    dlrsRefused: last.dlrsRefused - aggregatorBefore.dlrsRefused,
    dlrsFailed: last.dlrsFailed - aggregatorBefore.dlrsFailed,
    cpuMsPerMsg: round((cpu * 1000) / Math.max(1, done), 3),
    aggregatorCpuMsPerMsg: round((last.cpuMs - aggregatorBefore.cpuMs) / Math.max(1, submitted), 3),
    peakRssMb: server.peakRssMb(),
    targets: { submittedPerSec: 3000, dlrsAppliedPerSec: 3000 },
  });
} finally {
  aggregator.kill('SIGTERM');
  await server.stop();
}
