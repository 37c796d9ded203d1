/**
 * The split deployment on PostgreSQL + Redis, 1 → 2 → 4 worker processes: one API process (WORKERS=false)
 * takes bulk sends (1,000 per request, 4 at a time), the workers dispatch them to the built-in simulated
 * carrier (receipts at once) and apply the receipts; the run ends when every message is `delivered`.
 *
 *   npx tsx bench/scale-workers.ts                                 # 20,000 messages, 1, 2 and 4 workers
 *   npx tsx bench/scale-workers.ts --messages 5000 --steps 1,2
 *
 * Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres: a database is
 * made and dropped per step) and Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379/14). One JSON line:
 * per step, end-to-end msg/s and CPU ms per message of the smsgate processes (API + workers; PostgreSQL's
 * and Redis's own CPU are machine-wide and reported apart as `machineCpuMsPerMsg`), so where the two cores
 * saturate shows as msg/s that stops growing while CPU per message does.
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import {
  cpuSeconds,
  log,
  lvNumber,
  machine,
  numberArg,
  printResult,
  round,
  signupWithApiKey,
  sleep,
  startServer,
} from './lib';

const MESSAGES = numberArg('messages', 20_000);
const PER_REQUEST = 1000;
const TIMEOUT_SEC = numberArg('timeout', 300);
const STEPS = (process.argv.find((_a, i) => process.argv[i - 1] === '--steps') ?? '1,2,4')
  .split(',')
  .map(Number);
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/14';

/** Busy CPU seconds of the whole machine (all cores), from /proc/stat. */
async function machineCpuSeconds(): Promise<number> {
  const { readFileSync } = await import('node:fs');
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  const total = fields.reduce((a, b) => a + b, 0);
  return (total - idle) / 100;
}

async function step(workers: number) {
  const name = `bench_scale_${workers}_${process.pid}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const server = await startServer(
    {
      DATABASE_URL: url.toString(),
      REDIS_URL,
      REDIS_PREFIX: name,
      WORKERS: 'false',
      SIMULATOR_DELIVERY_DELAY_MS: '0',
    },
    { workers },
  );
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  try {
    const { key } = await signupWithApiKey(server);
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
    const pids = [server.pid, ...server.workerPids];
    const cpuBefore = pids.reduce((s, p) => s + cpuSeconds(p), 0);
    const machineBefore = await machineCpuSeconds();
    const started = performance.now();
    let next = 0;
    const sender = async () => {
      while (next < MESSAGES / PER_REQUEST) {
        const r = next++;
        const to = Array.from({ length: PER_REQUEST }, (_, i) => lvNumber(r * PER_REQUEST + i));
        const response = await fetch(`${server.baseUrl}/v1/messages`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ to, text: 'Scale test' }),
        });
        if (response.status !== 202) throw new Error(`send: ${response.status} ${await response.text()}`);
      }
    };
    await Promise.all(Array.from({ length: 4 }, sender));
    const acceptSeconds = (performance.now() - started) / 1000;
    let delivered = 0;
    while (performance.now() - started < TIMEOUT_SEC * 1000) {
      const { rows } = await db.query("SELECT count(*)::int AS n FROM messages WHERE status = 'delivered'");
      delivered = rows[0].n;
      if (delivered >= MESSAGES) break;
      await sleep(250);
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = pids.reduce((s, p) => s + cpuSeconds(p), 0) - cpuBefore;
    const machineCpu = (await machineCpuSeconds()) - machineBefore;
    const result = {
      workers,
      delivered,
      msgPerSec: Math.round(delivered / seconds),
      acceptSeconds: round(acceptSeconds),
      seconds: round(seconds),
      cpuMsPerMsg: round((cpu * 1000) / Math.max(1, delivered), 3),
      machineCpuMsPerMsg: round((machineCpu * 1000) / Math.max(1, delivered), 3),
      peakRssMb: server.peakRssMb(),
    };
    log(JSON.stringify(result));
    return result;
  } finally {
    await db.end();
    await server.stop();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

const results = [];
for (const workers of STEPS) results.push(await step(workers));
printResult({
  bench: 'scale-workers',
  messages: MESSAGES,
  cores: cpus().length,
  steps: results,
  machine: await machine(),
});
