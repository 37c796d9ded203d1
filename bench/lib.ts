/**
 * Shared helpers of the HTTP benchmarks: start the real server (`node bin/smsgate.mjs serve`) as a child
 * process on a fresh data folder, sign up and create an API key over HTTP, drive load with autocannon,
 * read the server's peak RSS, and print the one JSON line each benchmark answers with.
 *
 * Everything except that JSON line goes to stderr, so `npx tsx bench/x.ts | tail -1` is the result.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
/**
 * The checkout whose server the benches start: this one, or BENCH_SERVER_ROOT (another worktree, e.g. the
 * commit before a change, so both are measured by the same bench one after the other).
 */
export const SERVER_ROOT = process.env.BENCH_SERVER_ROOT ? resolve(process.env.BENCH_SERVER_ROOT) : ROOT;

/** Progress for humans, on stderr (stdout carries only the result line). */
export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The p-th percentile (0–100) of unsorted values, nearest-rank. */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const round = (value: number, digits = 1): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

/** `--name value` from the command line, as a number, else the default. */
export function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isFinite(value)) throw new Error(`--${name} needs a number`);
  return value;
}

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

/** Peak resident set size (VmHWM) of a live process, in MB; null off Linux or once it has exited. */
/** CPU time (user + system) a process has used so far, ms; null when /proc cannot tell. */
export function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    // Linux reports in clock ticks, 100 a second on every platform Node supports here.
    return Number.isFinite(ticks) ? ticks * 10 : null;
  } catch {
    return null;
  }
}

export function peakRssMb(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return match ? round(Number(match[1]) / 1024, 1) : null;
  } catch {
    return null;
  }
}

export interface RunningServer {
  pid: number;
  /** The (first) `smsgate worker` process of the split deployment (`workerProcess`), else null. */
  workerPid: number | null;
  /** Every `smsgate worker` process (`workers`). */
  workerPids: number[];
  port: number;
  baseUrl: string;
  dataDir: string;
  /** The SQLite file (for read-only counting from the bench process). */
  dbFile: string;
  /** Peak RSS so far, MB (read it before `stop`). */
  peakRssMb(): number | null;
  /** SIGTERM (graceful), SIGKILL after 10 s; removes the data folder. */
  stop(): Promise<void>;
}

/**
 * Starts `node bin/smsgate.mjs serve` on a free port and a fresh temporary DATA_DIR, with logs silenced,
 * rate limiting off and credits that never run out; resolves once /healthz answers. `env` overrides.
 */
export async function startServer(
  env: Record<string, string> = {},
  /** `root`: the checkout to run (SERVER_ROOT unless given), so that one bench can compare two. */
  options: { workerProcess?: boolean; workers?: number; root?: string } = {},
): Promise<RunningServer> {
  const serverRoot = options.root ? resolve(options.root) : SERVER_ROOT;
  const dataDir = mkdtempSync(join(tmpdir(), 'smsgate-bench-'));
  const port = await freePort();
  // BENCH_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the server (flags NODE_OPTIONS refuses).
  const nodeArgs = [
    '--max-old-space-size=256',
    ...(process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
  ];
  const childEnv = {
    ...process.env,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    DATABASE_URL: '',
    LOG_LEVEL: process.env.BENCH_SERVER_LOG_LEVEL ?? 'silent',
    RATE_LIMIT_MAX: '0',
    FREE_CREDITS: '100000000',
    SQLITE_SYNCHRONOUS: process.env.BENCH_SQLITE_SYNCHRONOUS ?? 'FULL',
    ...env,
  };
  const child: ChildProcess = spawn(
    process.execPath,
    [...nodeArgs, join(serverRoot, 'bin/smsgate.mjs'), 'serve'],
    {
      cwd: serverRoot,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  // BENCH_SERVER_OUTPUT=1 shows the server's output (with e.g. BENCH_SERVER_LOG_LEVEL=warn) on stderr.
  const show = process.env.BENCH_SERVER_OUTPUT === '1';
  if (show) child.stdout?.pipe(process.stderr);
  else child.stdout?.resume();
  child.stderr?.on('data', (chunk: Buffer) => {
    if (show) process.stderr.write(chunk);
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited: number | null = null;
  const exit = new Promise<void>((done) =>
    child.once('exit', (code, signal) => {
      exited = code ?? (signal ? 128 : 1);
      done();
    }),
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited !== null) {
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`server exited with ${exited} before it was ready:\n${stderr}`);
    }
    try {
      const response = await fetch(`${baseUrl}/healthz`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exit;
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`server not ready within 30 s:\n${stderr}`);
    }
    await sleep(100);
  }
  const pid = child.pid!;
  // The split deployment: this process answers HTTP (WORKERS=false), others run the workers.
  const workers = Array.from({ length: options.workers ?? (options.workerProcess ? 1 : 0) }, (_, i) =>
    spawn(process.execPath, [...nodeArgs, join(serverRoot, 'bin/smsgate.mjs'), 'worker'], {
      cwd: serverRoot,
      env: { ...childEnv, WORKER_ID: `bench-worker-${i + 1}` },
      stdio: show ? ['ignore', 'inherit', 'inherit'] : 'ignore',
    }),
  );
  const workerExits = workers.map((w) => new Promise<void>((done) => w.once('exit', () => done())));
  const worker = workers[0] ?? null;
  return {
    pid,
    workerPid: worker?.pid ?? null,
    workerPids: workers.map((w) => w.pid!),
    port,
    baseUrl,
    dataDir,
    dbFile: join(dataDir, 'smsgate.db'),
    peakRssMb: () => {
      const each = [pid, ...workers.map((w) => w.pid!)].map(peakRssMb).filter((v): v is number => v !== null);
      return each.length === 0 ? null : Math.max(...each);
    },
    async stop() {
      for (const w of workers) if (w.exitCode === null) w.kill('SIGTERM');
      await Promise.all(workerExits);
      if (exited === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exit;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let emails = 0;

/** Signs up a new account (cookie session), creates an API key with it, and returns the key. */
export async function signupWithApiKey(
  server: Pick<RunningServer, 'baseUrl' | 'dataDir'>,
): Promise<{ key: string; accountId: string; cookie: string; csrfToken: string }> {
  const { baseUrl } = server;
  emails++;
  const email = `bench${emails}-${process.pid}@example.com`;
  const signup = await fetch(`${baseUrl}/v1/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      company: 'Bench Ltd',
      name: 'Bench',
      email,
      password: 'a-long-bench-secret-1',
      acceptPolicy: true,
    }),
  });
  if (signup.status !== 201) throw new Error(`signup: ${signup.status} ${await signup.text()}`);
  const body = (await signup.json()) as { csrfToken: string; account: { id: string } };
  const cookie = signup.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith('sg_session='));
  if (!cookie) throw new Error('signup: no sg_session cookie');
  const key = await fetch(`${baseUrl}/v1/api-keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': body.csrfToken },
    body: JSON.stringify({ name: 'bench' }),
  });
  if (key.status !== 201) throw new Error(`api key: ${key.status} ${await key.text()}`);
  // The sign-up credits are spent only once the e-mail is verified: open the link the server wrote.
  const token = await mailedToken(server.dataDir, email);
  const verified = await fetch(`${baseUrl}/v1/auth/verify-email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (verified.status !== 204) throw new Error(`verify e-mail: ${verified.status} ${await verified.text()}`);
  return {
    key: ((await key.json()) as { key: string }).key,
    accountId: body.account.id,
    cookie,
    csrfToken: body.csrfToken,
  };
}

/** The verification token of the e-mail the server wrote to `email` in DATA_DIR/mail (waits up to 10 s). */
async function mailedToken(dataDir: string, email: string): Promise<string> {
  const folder = join(dataDir, 'mail');
  for (let i = 0; i < 100; i++) {
    for (const file of existsSync(folder) ? readdirSync(folder) : []) {
      const text = readFileSync(join(folder, file), 'utf8');
      const token = text.includes(email) ? /verify-email\?token=([A-Za-z0-9_-]+)/.exec(text)?.[1] : undefined;
      if (token) return token;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no verification e-mail for ${email} in ${folder}`);
}

/** Distinct valid Latvian mobile numbers: `+3712` and 7 digits (10 million of them). */
export function lvNumber(i: number): string {
  return `+3712${(i % 10_000_000).toString().padStart(7, '0')}`;
}

// ── autocannon (no published types: the part used here, typed by hand) ─────────────────────────────

interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  setupRequest?: (request: AutocannonRequest, context: Record<string, unknown>) => AutocannonRequest;
}

interface AutocannonOptions {
  url: string;
  connections: number;
  duration?: number;
  amount?: number;
  pipelining?: number;
  timeout?: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  requests?: AutocannonRequest[];
}

interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
  requests: { total: number; average: number };
  latency: { p50: number; p99: number };
}

interface AutocannonInstance {
  on(
    event: 'response',
    listener: (client: unknown, statusCode: number, bytes: number, ms: number) => void,
  ): void;
  stop(): void;
}

type Autocannon = (
  options: AutocannonOptions,
  callback: (error: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export interface LoadResult {
  durationSec: number;
  /** Responses with exactly this status (the success status of the endpoint). */
  ok: number;
  okPerSec: number;
  /** Latency of the `ok` responses, ms (exact, from every response). */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  timeouts: number;
  /** Responses with any other status, by status. */
  otherStatuses: Record<string, number>;
}

/**
 * Runs autocannon against the server for `durationSec` (or until `amount` requests) and summarises the
 * responses with status `okStatus`. Latencies are recorded from every response (not autocannon's
 * integer histogram) so p50/p99 keep their fractions.
 */
export function load(options: {
  url: string;
  connections: number;
  durationSec?: number;
  amount?: number;
  okStatus: number;
  headers: Record<string, string>;
  body?: string;
  /** A fresh body for each request (overrides `body`). */
  nextBody?: () => string;
}): Promise<LoadResult> {
  const latencies: number[] = [];
  return new Promise((done, fail) => {
    const request: AutocannonRequest = {
      method: 'POST',
      headers: options.headers,
      ...(options.body !== undefined ? { body: options.body } : {}),
      ...(options.nextBody
        ? {
            setupRequest: (r: AutocannonRequest) => ({ ...r, body: options.nextBody!() }),
          }
        : {}),
    };
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        ...(options.amount !== undefined
          ? { amount: options.amount }
          : { duration: options.durationSec ?? 10 }),
        timeout: 60,
        requests: [request],
      },
      (error, result) => {
        if (error) return fail(error);
        const ok = result.statusCodeStats[String(options.okStatus)]?.count ?? 0;
        const otherStatuses: Record<string, number> = {};
        for (const [status, { count }] of Object.entries(result.statusCodeStats)) {
          if (status !== String(options.okStatus)) otherStatuses[status] = count;
        }
        done({
          durationSec: result.duration,
          ok,
          okPerSec: ok / result.duration,
          p50Ms: round(percentile(latencies, 50), 2),
          p99Ms: round(percentile(latencies, 99), 2),
          maxMs: round(
            latencies.reduce((a, b) => Math.max(a, b), 0),
            2,
          ),
          errors: result.errors,
          timeouts: result.timeouts,
          otherStatuses,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, ms) => {
      if (statusCode === options.okStatus) latencies.push(ms);
    });
  });
}

/** The benchmark's answer: exactly one JSON line on stdout. */
export function printResult(result: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** The machine, for the record. */
export async function machine(): Promise<{ node: string; cpus: number; memoryGb: number }> {
  const os = await import('node:os');
  return {
    node: process.version,
    cpus: os.availableParallelism(),
    memoryGb: round(os.totalmem() / 2 ** 30, 1),
  };
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** utime + stime of a process in seconds (fields 14 and 15 of /proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
