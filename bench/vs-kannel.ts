/**
 * smsgate against Kannel, end to end through a real SMPP carrier, the way a user sees it: HTTP send →
 * gateway → SMPP → the project's SMSC simulator (its own process, shared by both) → receipt after 1.0 s →
 * gateway → final-status callback received by a local HTTP receiver. Kannel (Debian's `kannel` package,
 * bearerbox + smsbox, installed with apt-get when missing) gets a `sendsms` GET per message with a
 * `dlr-url` and `dlr-mask=19` (final states only); smsgate gets `POST /v1/messages` and one webhook
 * endpoint subscribed to `message.status` with `statuses` = the final ones (the same filter).
 *
 *   npm run bench -- --only vs-kannel
 *   npx tsx bench/vs-kannel.ts --messages 2000 --rounds 1 --variants kannel,smsgate-single
 *
 * Options: `--messages N` (10,000), `--rounds N` (3; the variants run interleaved within each round),
 * `--clients N` (100 concurrent HTTP clients), `--receipt-delay MS` (1000), `--timeout S` (per run, 300),
 * `--variants a,b` (names below). Each run starts fresh gateway processes and prints one JSON line; the
 * last line has the medians per variant and the ratios smsgate / Kannel (no store).
 *
 * Figures per run: `e2eMsgPerSec` (messages / seconds from the first request to the last final callback
 * received), `acceptReqPerSec` (requests / seconds from the first request to the last answer),
 * `cpuMsPerMsg` (utime + stime of the gateway's processes from /proc/<pid>/stat over the run, per
 * message: bearerbox + smsbox, or the smsgate server), `peakRssMb` (VmHWM, summed over those processes),
 * `p50Ms` / `p99Ms` of send (request start) → callback received. Everything listens on 127.0.0.1 only,
 * and the bench stops exactly the processes it started.
 */
import { type ChildProcess, execFileSync, fork, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  log,
  lvNumber,
  machine,
  median,
  numberArg,
  percentile,
  printResult,
  ROOT,
  type RunningServer,
  round,
  SERVER_ROOT,
  signupWithApiKey,
  sleep,
  startServer,
} from './lib';

const MESSAGES = numberArg('messages', 10_000);
const ROUNDS = numberArg('rounds', 3);
const CLIENTS = numberArg('clients', 100);
const RECEIPT_DELAY_MS = numberArg('receipt-delay', 1000);
const RUN_TIMEOUT_SEC = numberArg('timeout', 300);
const TEXT = 'Your appointment is confirmed for Tuesday 10:30. Reply STOP to opt out.';
const SMSC_USER = 'bench';
const SMSC_PASSWORD = 'bench-pw';
/** The final statuses: what `dlr-mask=19` asks of Kannel (1 delivered, 2 undelivered, 16 SMSC refused). */
const FINAL_STATUSES = ['delivered', 'undelivered', 'expired', 'failed', 'rejected'];
const KANNEL_DLR_MASK = 1 | 2 | 16;

interface Variant {
  name: string;
  system: 'kannel' | 'smsgate';
  /** Messages per HTTP request (Kannel: always 1). */
  perRequest: number;
  /** Kannel's message store. */
  store?: 'none' | 'file';
  binds: number;
  window: number;
  /** How long the callback receiver takes to answer. */
  receiverDelayMs: number;
  /**
   * smsgate's SQLITE_SYNCHRONOUS (default FULL: an fsync per commit). NORMAL survives a crash of the
   * process but not of the machine, as Kannel's file store does (it flushes, never fsyncs).
   */
  sqliteSynchronous?: 'FULL' | 'NORMAL';
  /**
   * smsgate's split deployment on the same SQLite file: one process answers HTTP (`WORKERS=false`), a
   * second runs the background work (`smsgate worker`), so accepting and dispatching do not share one
   * event loop. Both processes count in CPU and RSS.
   */
  split?: boolean;
}

const VARIANTS: Variant[] = [
  {
    name: 'kannel',
    system: 'kannel',
    perRequest: 1,
    store: 'none',
    binds: 1,
    window: 100,
    receiverDelayMs: 0,
  },
  {
    name: 'kannel-file-store',
    system: 'kannel',
    perRequest: 1,
    store: 'file',
    binds: 1,
    window: 100,
    receiverDelayMs: 0,
  },
  { name: 'smsgate-single', system: 'smsgate', perRequest: 1, binds: 1, window: 100, receiverDelayMs: 0 },
  { name: 'smsgate-bulk', system: 'smsgate', perRequest: 1000, binds: 1, window: 100, receiverDelayMs: 0 },
  {
    name: 'smsgate-single-split',
    system: 'smsgate',
    perRequest: 1,
    binds: 1,
    window: 100,
    receiverDelayMs: 0,
    split: true,
  },
  {
    name: 'smsgate-bulk-split',
    system: 'smsgate',
    perRequest: 1000,
    binds: 1,
    window: 100,
    receiverDelayMs: 0,
    split: true,
  },
  {
    name: 'smsgate-single-sync-normal',
    system: 'smsgate',
    perRequest: 1,
    binds: 1,
    window: 100,
    receiverDelayMs: 0,
    sqliteSynchronous: 'NORMAL',
  },
  {
    name: 'kannel-4x50',
    system: 'kannel',
    perRequest: 1,
    store: 'none',
    binds: 4,
    window: 50,
    receiverDelayMs: 0,
  },
  { name: 'smsgate-single-4x50', system: 'smsgate', perRequest: 1, binds: 4, window: 50, receiverDelayMs: 0 },
  {
    name: 'smsgate-bulk-4x50',
    system: 'smsgate',
    perRequest: 1000,
    binds: 4,
    window: 50,
    receiverDelayMs: 0,
  },
  {
    name: 'kannel-slow-receiver',
    system: 'kannel',
    perRequest: 1,
    store: 'none',
    binds: 1,
    window: 100,
    receiverDelayMs: 20,
  },
  {
    name: 'smsgate-single-slow-receiver',
    system: 'smsgate',
    perRequest: 1,
    binds: 1,
    window: 100,
    receiverDelayMs: 20,
  },
];

/** smsgate variant → the Kannel variant it is compared with. */
const COMPARED: Record<string, string> = {
  'smsgate-single': 'kannel',
  'smsgate-bulk': 'kannel',
  'smsgate-single-split': 'kannel',
  'smsgate-bulk-split': 'kannel',
  'smsgate-single-sync-normal': 'kannel-file-store',
  'smsgate-single-4x50': 'kannel-4x50',
  'smsgate-bulk-4x50': 'kannel-4x50',
  'smsgate-single-slow-receiver': 'kannel-slow-receiver',
};

function selectedVariants(): Variant[] {
  const i = process.argv.indexOf('--variants');
  if (i === -1) return VARIANTS;
  const names = (process.argv[i + 1] ?? '').split(',').filter(Boolean);
  const unknown = names.filter((n) => !VARIANTS.some((v) => v.name === n));
  if (unknown.length > 0) {
    throw new Error(
      `unknown variants: ${unknown.join(', ')}; known: ${VARIANTS.map((v) => v.name).join(', ')}`,
    );
  }
  return VARIANTS.filter((v) => names.includes(v.name));
}

// ── processes this bench started (and only those are ever stopped) ─────────────────────────────────

const started = new Set<ChildProcess>();
/** smsgate servers (started by lib's startServer) still running: their pids. */
const serverPids = new Set<number>();

function track(child: ChildProcess): ChildProcess {
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function killAllStarted(): void {
  for (const child of started) child.kill('SIGKILL');
  for (const pid of serverPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
process.once('SIGINT', () => {
  killAllStarted();
  process.exit(130);
});
process.once('SIGTERM', () => {
  killAllStarted();
  process.exit(143);
});

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createNetServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

// ── /proc ─────────────────────────────────────────────────────────────────────────────────────────

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** utime and stime of a process in seconds (fields 14 and 15 of /proc/<pid>/stat); zeros once it is gone. */
function cpuTimes(pid: number): { user: number; system: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) / CLOCK_TICKS, system: Number(fields[12]) / CLOCK_TICKS };
  } catch {
    return { user: 0, system: 0 };
  }
}

/** utime and stime summed over processes. */
function cpuOf(pids: number[]): { user: number; system: number } {
  const total = { user: 0, system: 0 };
  for (const pid of pids) {
    const t = cpuTimes(pid);
    total.user += t.user;
    total.system += t.system;
  }
  return total;
}

function peakRssMb(pid: number): number | null {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

const sum = (values: Array<number | null>) => values.reduce<number>((a, b) => a + (b ?? 0), 0);

// ── the SMSC simulator (one process for the whole bench) ────────────────────────────────────────────

interface Simulator {
  port: number;
  stats(): Promise<{ submits: number; bound: number; cpuMs: number }>;
  stop(): Promise<void>;
}

async function startSimulator(): Promise<Simulator> {
  const child = track(
    fork(
      join(ROOT, 'bench/_smsc-process.ts'),
      ['--system-id', SMSC_USER, '--password', SMSC_PASSWORD, '--receipt-delay', String(RECEIPT_DELAY_MS)],
      { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'], cwd: ROOT },
    ),
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  let next = 0;
  return {
    port,
    stats() {
      const id = ++next;
      return new Promise((resolve) => {
        const onMessage = (m: unknown) => {
          const answer = m as { id?: number; body?: { submits: number; bound: number; cpuMs: number } };
          if (answer.id !== id || !answer.body) return;
          child.off('message', onMessage);
          resolve(answer.body);
        };
        child.on('message', onMessage);
        child.send({ id, cmd: 'stats' });
      });
    },
    stop: () => stopChild(child),
  };
}

// ── the callback receiver ───────────────────────────────────────────────────────────────────────────

interface Receiver {
  port: number;
  /** Per run: message key → when its (first) final callback arrived, performance.now(). */
  arrived: Map<string, number>;
  duplicates: number;
  nonFinal: number;
  lastAt: number;
  delayMs: number;
  reset(delayMs: number): void;
  close(): Promise<void>;
}

/**
 * One HTTP server for both gateways: Kannel's smsbox GETs `/dlr?k=<key>&t=<dlr type>`, smsgate POSTs its
 * signed webhook to `/hook` (`data.messageId`, `data.status`). It answers 200 after `delayMs`.
 */
async function startReceiver(): Promise<Receiver> {
  const r: Receiver = {
    port: 0,
    arrived: new Map(),
    duplicates: 0,
    nonFinal: 0,
    lastAt: 0,
    delayMs: 0,
    reset(delayMs) {
      r.arrived = new Map();
      r.duplicates = 0;
      r.nonFinal = 0;
      r.lastAt = 0;
      r.delayMs = delayMs;
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
  const record = (key: string | null, final: boolean) => {
    const at = performance.now();
    if (key === null || !final) {
      r.nonFinal++;
      return;
    }
    if (r.arrived.has(key)) r.duplicates++;
    else {
      r.arrived.set(key, at);
      r.lastAt = at;
    }
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      if (request.url?.startsWith('/dlr')) {
        const query = new URL(request.url, 'http://x').searchParams;
        const type = Number(query.get('t'));
        record(query.get('k'), (type & KANNEL_DLR_MASK) !== 0);
      } else {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            data?: { messageId?: string; status?: string };
          };
          record(body.data?.messageId ?? null, FINAL_STATUSES.includes(body.data?.status ?? ''));
        } catch {
          record(null, false);
        }
      }
      const answer = () => response.writeHead(200, { 'content-length': '0' }).end();
      if (r.delayMs > 0) setTimeout(answer, r.delayMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  r.port = typeof address === 'object' && address ? address.port : 0;
  return r;
}

// ── HTTP load ─────────────────────────────────────────────────────────────────────────────────────

interface Answer {
  status: number;
  body: string;
}

function send(
  agent: Agent,
  port: number,
  method: 'GET' | 'POST',
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method, path, headers, agent },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(60_000, () => req.destroy(new Error('request timed out')));
    req.end(body);
  });
}

// ── Kannel ────────────────────────────────────────────────────────────────────────────────────────

function ensureKannel(): void {
  if (existsSync('/usr/sbin/bearerbox') && existsSync('/usr/sbin/smsbox')) return;
  if (process.getuid?.() !== 0)
    throw new Error('Kannel is not installed: apt-get install -y kannel (as root)');
  log('installing Kannel from Debian (apt-get install -y kannel)');
  const install = () =>
    spawnSync('apt-get', ['install', '-y', 'kannel'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      timeout: 600_000,
    }).status === 0;
  if (install()) return;
  log('not found: apt-get update, then again');
  spawnSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
  if (!install()) throw new Error('apt-get install -y kannel failed');
}

interface Gateway {
  /** The processes whose CPU and memory count as the gateway's. */
  pids(): number[];
  stop(): Promise<void>;
}

/**
 * bearerbox + smsbox with a generated kannel.conf in a temporary folder. The settings, and where they
 * are documented, are listed in docs/benchmarks.md ("smsgate vs Kannel").
 */
async function startKannel(variant: Variant, smscPort: number): Promise<Gateway & { sendsmsPort: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'kannel-bench-'));
  const [adminPort, boxPort, sendsmsPort] = [await freePort(), await freePort(), await freePort()];
  const smscGroups = Array.from(
    { length: variant.binds },
    (_, i) => `group = smsc
smsc = smpp
smsc-id = sim
smsc-admin-id = sim${i}
host = 127.0.0.1
port = ${smscPort}
transceiver-mode = true
smsc-username = ${SMSC_USER}
smsc-password = ${SMSC_PASSWORD}
system-type = "bench"
max-pending-submits = ${variant.window}
enquire-link-interval = 30
`,
  ).join('\n');
  const conf = `group = core
admin-port = ${adminPort}
admin-interface = 127.0.0.1
admin-password = bench
status-password = bench
admin-allow-ip = "127.0.0.1"
smsbox-port = ${boxPort}
smsbox-interface = 127.0.0.1
box-allow-ip = "127.0.0.1"
log-file = "${dir}/bearerbox.log"
log-level = 2
dlr-storage = internal
${variant.store === 'file' ? `store-type = file\nstore-location = "${dir}/kannel.store"\n` : ''}
${smscGroups}
group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = ${boxPort}
sendsms-port = ${sendsmsPort}
sendsms-interface = 127.0.0.1
log-file = "${dir}/smsbox.log"
log-level = 2

group = sendsms-user
username = bench
password = bench-pw
max-messages = 1

group = sms-service
keyword = default
text = "No service here."
max-messages = 0
`;
  const confFile = join(dir, 'kannel.conf');
  writeFileSync(confFile, conf);
  const out = openSync(join(dir, 'console.log'), 'a');
  const spawnBox = (binary: string) =>
    track(spawn(binary, ['-v', '2', confFile], { cwd: dir, stdio: ['ignore', out, out] }));
  const bearerbox = spawnBox('/usr/sbin/bearerbox');
  const stopAll = async () => {
    await stopChild(smsbox ?? bearerbox);
    await stopChild(bearerbox);
    closeSync(out);
    rmSync(dir, { recursive: true, force: true });
  };
  let smsbox: ChildProcess | undefined;
  const fail = async (why: string): Promise<never> => {
    const tail = (file: string) => {
      try {
        return readFileSync(join(dir, file), 'utf8').slice(-1500);
      } catch {
        return '';
      }
    };
    const detail = `${tail('console.log')}\n${tail('bearerbox.log')}\n${tail('smsbox.log')}`;
    await stopAll();
    throw new Error(`Kannel: ${why}\n${detail}`);
  };
  // Ready when every bind is online (bearerbox's status page) and the smsbox answers sendsms.
  const status = async () => {
    try {
      const res = await fetch(`http://127.0.0.1:${adminPort}/status.txt?password=bench`);
      return await res.text();
    } catch {
      return '';
    }
  };
  const deadline = Date.now() + 30_000;
  smsbox = undefined;
  for (;;) {
    if (bearerbox.exitCode !== null) return fail(`bearerbox exited with ${bearerbox.exitCode}`);
    const text = await status();
    if (text.includes('online')) break;
    if (Date.now() > deadline) return fail('bearerbox not up within 30 s');
    await sleep(100);
  }
  smsbox = spawnBox('/usr/sbin/smsbox');
  for (;;) {
    if (smsbox.exitCode !== null) return fail(`smsbox exited with ${smsbox.exitCode}`);
    const text = await status();
    const online = (text.match(/\(online /g) ?? []).length;
    let sendsmsUp = false;
    try {
      await fetch(`http://127.0.0.1:${sendsmsPort}/`);
      sendsmsUp = true;
    } catch {
      // not listening yet
    }
    if (online >= variant.binds && /smsbox/.test(text) && sendsmsUp) break;
    if (Date.now() > deadline)
      return fail(`not ready within 30 s (${online} of ${variant.binds} binds online)`);
    await sleep(100);
  }
  const box = smsbox;
  return {
    sendsmsPort,
    pids: () => [bearerbox.pid!, box.pid!],
    stop: stopAll,
  };
}

// ── smsgate ───────────────────────────────────────────────────────────────────────────────────────

const STAFF_EMAIL = 'ops@bench.example.com';
const STAFF_PASSWORD = 'a-long-bench-secret-2';

async function json(response: Response, expected: number, what: string): Promise<Record<string, unknown>> {
  const text = await response.text();
  if (response.status !== expected) throw new Error(`${what}: ${response.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/**
 * The real server (SQLite at its durable default) with staff created by `smsgate admin create`, an SMPP
 * route to the simulator and a rule sending LV numbers to it, an account with paid credits (an operator
 * adjustment) and an API key, and a webhook endpoint for final statuses on the receiver.
 */
async function startSmsgate(
  variant: Variant,
  smscPort: number,
  receiverPort: number,
): Promise<Gateway & { server: RunningServer; key: string }> {
  const server = await startServer(
    {
      WEBHOOK_ALLOW_PRIVATE: 'true',
      STAFF_REQUIRE_2FA: 'false',
      // The durable default unless the variant says otherwise (BENCH_SQLITE_SYNCHRONOUS is ignored here).
      SQLITE_SYNCHRONOUS: variant.sqliteSynchronous ?? 'FULL',
      WORKERS: variant.split ? 'false' : 'true',
    },
    { workerProcess: variant.split === true },
  );
  serverPids.add(server.pid);
  const stop = async () => {
    await server.stop();
    serverPids.delete(server.pid);
  };
  try {
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
        // A fresh data folder: the operator comes first, so the database is made here.
        '--create',
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
          name: 'simulator-smpp',
          type: 'smpp',
          config: {
            host: '127.0.0.1',
            port: smscPort,
            systemId: SMSC_USER,
            password: SMSC_PASSWORD,
            binds: variant.binds,
            window: variant.window,
            throughput: 0,
            bindMode: 'transceiver',
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
    await json(
      await fetch(`${server.baseUrl}/v1/webhooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({
          url: `http://127.0.0.1:${receiverPort}/hook`,
          events: ['message.status'],
          statuses: FINAL_STATUSES,
        }),
      }),
      201,
      'webhook',
    );
    const deadline = Date.now() + 30_000;
    for (;;) {
      const health = (await json(
        await fetch(`${server.baseUrl}/v1/admin/routes/${route.id}/health`, { headers: staff }),
        200,
        'route health',
      )) as { connectedBinds: number };
      if (health.connectedBinds >= variant.binds) break;
      if (Date.now() > deadline) throw new Error(`route: ${health.connectedBinds} of ${variant.binds} binds`);
      await sleep(100);
    }
    const pids = server.workerPid === null ? [server.pid] : [server.pid, server.workerPid];
    return { server, key, pids: () => pids, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

// ── one run ───────────────────────────────────────────────────────────────────────────────────────

interface RunResult {
  bench: 'vs-kannel';
  variant: string;
  round: number;
  messages: number;
  accepted: number;
  finals: number;
  e2eMsgPerSec: number;
  acceptReqPerSec: number;
  acceptMsgPerSec: number;
  acceptSeconds: number;
  /** First request → the SMSC had every message (±0.1 s). */
  submittedSeconds: number | null;
  e2eSeconds: number;
  cpuMsPerMsg: number;
  cpuSeconds: number;
  systemCpuSeconds: number;
  peakRssMb: number;
  p50Ms: number;
  p99Ms: number;
  duplicates: number;
  nonFinal: number;
  refused: number;
  smscSubmits: number;
  timedOut: boolean;
  load1: number;
}

async function runOnce(
  variant: Variant,
  roundNo: number,
  simulator: Simulator,
  receiver: Receiver,
): Promise<RunResult> {
  receiver.reset(variant.receiverDelayMs);
  const runTag = `${roundNo}-${variant.name}-${Date.now().toString(36)}`;
  const gateway =
    variant.system === 'kannel'
      ? await startKannel(variant, simulator.port)
      : await startSmsgate(variant, simulator.port, receiver.port);
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  try {
    const requests = Math.ceil(MESSAGES / variant.perRequest);
    /** Per message (index): when its request started; and the key its callback will carry. */
    const sentAt = new Float64Array(MESSAGES);
    const keyOf: string[] = new Array(MESSAGES);
    let refused = 0;
    let accepted = 0;
    let lastAnswer = 0;
    let next = 0;
    const submitsBefore = (await simulator.stats()).submits;
    const pids = gateway.pids();
    const cpuBefore = cpuOf(pids);
    const first = performance.now();

    const kannel = variant.system === 'kannel' ? (gateway as Gateway & { sendsmsPort: number }) : null;
    const smsgate =
      variant.system === 'smsgate' ? (gateway as Gateway & { server: RunningServer; key: string }) : null;
    const dlrBase = `http://127.0.0.1:${receiver.port}/dlr?t=%d&k=`;
    const client = async () => {
      for (let r = next++; r < requests; r = next++) {
        const from = r * variant.perRequest;
        const count = Math.min(variant.perRequest, MESSAGES - from);
        const at = performance.now();
        for (let i = from; i < from + count; i++) sentAt[i] = at;
        try {
          if (kannel) {
            const key = `${runTag}-${from}`;
            keyOf[from] = key;
            const query = new URLSearchParams({
              username: 'bench',
              password: 'bench-pw',
              from: '12345',
              to: lvNumber(from),
              text: TEXT,
              'dlr-mask': String(KANNEL_DLR_MASK),
              'dlr-url': dlrBase + encodeURIComponent(key),
            });
            const answer = await send(agent, kannel.sendsmsPort, 'GET', `/cgi-bin/sendsms?${query}`, {});
            if (answer.status === 202) accepted++;
            else refused++;
          } else if (smsgate) {
            const to = Array.from({ length: count }, (_, i) => lvNumber(from + i));
            const answer = await send(
              agent,
              smsgate.server.port,
              'POST',
              '/v1/messages',
              { 'content-type': 'application/json', authorization: `Bearer ${smsgate.key}` },
              JSON.stringify({ to: count === 1 ? to[0] : to, text: TEXT }),
            );
            if (answer.status !== 202) {
              refused++;
              if (refused <= 3) log(`refused: ${answer.status} ${answer.body.slice(0, 300)}`);
              continue;
            }
            const data = (JSON.parse(answer.body) as { data: Array<{ id: string; to: string }> }).data;
            // The answer lists the accepted messages in request order.
            data.forEach((m, i) => {
              keyOf[from + i] = m.id;
            });
            accepted += data.length;
          }
        } catch (error) {
          refused++;
          if (refused <= 3) log(`request failed: ${(error as Error).message}`);
        }
        lastAnswer = performance.now();
      }
    };
    await Promise.all(Array.from({ length: Math.min(CLIENTS, requests) }, client));
    const acceptSeconds = (lastAnswer - first) / 1000;
    log(`${variant.name}: ${accepted} accepted in ${round2(acceptSeconds)} s (${refused} refused)`);

    // Wait for every accepted message's final callback (bounded).
    const deadline = first + RUN_TIMEOUT_SEC * 1000;
    let lastLog = performance.now();
    // When the carrier had every message: tells dispatch's share of the time from the callbacks' share.
    let submittedAt = (await simulator.stats()).submits - submitsBefore >= accepted ? performance.now() : 0;
    let lastPoll = performance.now();
    while (receiver.arrived.size < accepted && performance.now() < deadline) {
      await sleep(20);
      if (submittedAt === 0 && performance.now() - lastPoll > 100) {
        lastPoll = performance.now();
        if ((await simulator.stats()).submits - submitsBefore >= accepted) submittedAt = lastPoll;
      }
      if (performance.now() - lastLog > 5000) {
        lastLog = performance.now();
        log(`${variant.name}: ${receiver.arrived.size} of ${accepted} callbacks`);
      }
    }
    const timedOut = receiver.arrived.size < accepted;
    const end = timedOut ? performance.now() : receiver.lastAt;
    const cpuAfter = cpuOf(pids);
    const rss = sum(pids.map(peakRssMb));
    // A moment for late duplicates to show, then the simulator's count.
    await sleep(200);
    const submits = (await simulator.stats()).submits - submitsBefore;

    const latencies: number[] = [];
    for (let i = 0; i < MESSAGES; i++) {
      const key = keyOf[i];
      const at = key === undefined ? undefined : receiver.arrived.get(key);
      if (at !== undefined) latencies.push(at - sentAt[i]!);
    }
    const e2eSeconds = (end - first) / 1000;
    const userCpu = cpuAfter.user - cpuBefore.user;
    const systemCpu = cpuAfter.system - cpuBefore.system;
    const cpu = userCpu + systemCpu;
    return {
      bench: 'vs-kannel',
      variant: variant.name,
      round: roundNo,
      messages: MESSAGES,
      accepted,
      finals: receiver.arrived.size,
      e2eMsgPerSec: Math.round(receiver.arrived.size / e2eSeconds),
      acceptReqPerSec: Math.round(requests / acceptSeconds),
      acceptMsgPerSec: Math.round(accepted / acceptSeconds),
      acceptSeconds: round2(acceptSeconds),
      submittedSeconds: submittedAt === 0 ? null : round2((submittedAt - first) / 1000),
      e2eSeconds: round2(e2eSeconds),
      cpuMsPerMsg: round((cpu * 1000) / Math.max(1, accepted), 3),
      cpuSeconds: round2(cpu),
      /** The kernel's share (stime): syscalls, socket and disk writes, fsync. */
      systemCpuSeconds: round2(systemCpu),
      peakRssMb: round(rss, 1),
      p50Ms: Math.round(percentile(latencies, 50)),
      p99Ms: Math.round(percentile(latencies, 99)),
      duplicates: receiver.duplicates,
      nonFinal: receiver.nonFinal,
      refused,
      smscSubmits: submits,
      timedOut,
      load1: round(loadavg()[0]!, 2),
    };
  } finally {
    agent.destroy();
    await gateway.stop();
  }
}

const round2 = (value: number) => round(value, 2);

// ── main ──────────────────────────────────────────────────────────────────────────────────────────

const variants = selectedVariants();
if (variants.some((v) => v.system === 'kannel')) ensureKannel();
const env = { ...(await machine()), load: loadavg().map((l) => round(l, 2)) };
log(
  `${variants.length} variants × ${ROUNDS} rounds, ${MESSAGES} messages, ${CLIENTS} clients, ` +
    `receipts after ${RECEIPT_DELAY_MS} ms; load ${env.load.join(' ')}`,
);
const simulator = await startSimulator();
const receiver = await startReceiver();
const results: RunResult[] = [];
let failed = false;
try {
  for (let r = 1; r <= ROUNDS; r++) {
    for (const variant of variants) {
      log(`round ${r}: ${variant.name}`);
      try {
        const result = await runOnce(variant, r, simulator, receiver);
        results.push(result);
        printResult(result as unknown as Record<string, unknown>);
      } catch (error) {
        failed = true;
        log(`${variant.name} failed: ${(error as Error).stack ?? error}`);
        printResult({
          bench: 'vs-kannel',
          variant: variant.name,
          round: r,
          error: String(error).slice(0, 2000),
        });
      }
    }
  }
} finally {
  await receiver.close();
  await simulator.stop();
}

const FIGURES = [
  'e2eMsgPerSec',
  'acceptReqPerSec',
  'acceptMsgPerSec',
  'cpuMsPerMsg',
  'peakRssMb',
  'p50Ms',
  'p99Ms',
] as const;
const medians: Record<string, Record<string, number>> = {};
for (const variant of variants) {
  const runs = results.filter((x) => x.variant === variant.name);
  if (runs.length === 0) continue;
  medians[variant.name] = Object.fromEntries(
    FIGURES.map((f) => [f, round(median(runs.map((x) => x[f])), 3)]),
  );
  medians[variant.name]!.runs = runs.length;
}
const ratios: Record<string, Record<string, number>> = {};
for (const [mine, theirs] of Object.entries(COMPARED)) {
  const a = medians[mine];
  const b = medians[theirs];
  if (!a || !b) continue;
  ratios[`${mine} / ${theirs}`] = {
    e2eMsgPerSec: round(a.e2eMsgPerSec! / b.e2eMsgPerSec!, 2),
    acceptReqPerSec: round(a.acceptReqPerSec! / b.acceptReqPerSec!, 2),
    acceptMsgPerSec: round(a.acceptMsgPerSec! / b.acceptMsgPerSec!, 2),
    cpuMsPerMsg: round(a.cpuMsPerMsg! / b.cpuMsPerMsg!, 2),
    peakRssMb: round(a.peakRssMb! / b.peakRssMb!, 2),
    p99Ms: round(a.p99Ms! / b.p99Ms!, 2),
  };
}
printResult({
  bench: 'vs-kannel',
  summary: true,
  messages: MESSAGES,
  rounds: ROUNDS,
  clients: CLIENTS,
  receiptDelayMs: RECEIPT_DELAY_MS,
  medians,
  ratios,
  machine: { ...env, loadAfter: loadavg().map((l) => round(l, 2)) },
});
process.exitCode = failed ? 1 : 0;
