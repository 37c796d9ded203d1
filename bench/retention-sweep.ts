/**
 * The retention sweep over 1,000,000 expired deleted messages on the embedded SQLite (synchronous=FULL),
 * while single-message sends go on: half the messages were deleted 130 days ago (rows removed, folded
 * into daily counts), half 90 days ago (number and text erased). A loop sends one message every 10 ms
 * through the HTTP API in the same process and records each send's latency, so a sweep batch that held
 * the database (or the event loop) shows up as a slow send.
 *
 *   npx tsx bench/retention-sweep.ts                 # 1,000,000 messages
 *   npx tsx bench/retention-sweep.ts --messages 100000
 *
 * Figures: sweepSeconds, rowsPerSecond, send p50/p99/max (ms). Targets: ≤ 60 s, max ≤ 100 ms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/kernel/logger';
import { createSystem } from '../src/main';
import { log, machine, numberArg, percentile, printResult, round } from './lib';

const COUNT = numberArg('messages', 1_000_000);
const DAY = 24 * 3600_000;

const dir = mkdtempSync(join(tmpdir(), 'smsgate-retention-'));
const config = loadConfig({
  DATA_DIR: dir,
  LOG_LEVEL: 'silent',
  RATE_LIMIT_MAX: '0',
  FREE_CREDITS: '100000',
});
const system = await createSystem(config, { logger: createLogger({ level: 'silent' }) });
try {
  const app = await system.http();
  const { db } = system.storage;
  const signup = await app.inject({
    method: 'POST',
    url: '/v1/signup',
    payload: {
      company: 'Bench',
      name: 'Bench',
      email: 'bench@example.com',
      password: 'correct-horse-battery-7',
      acceptPolicy: true,
    },
  });
  if (signup.statusCode !== 201) throw new Error(`signup answered ${signup.statusCode}: ${signup.body}`);
  const cookie = signup.cookies.find((c) => c.name === 'sg_session')!;
  const keyAnswer = await app.inject({
    method: 'POST',
    url: '/v1/api-keys',
    headers: { cookie: `sg_session=${cookie.value}`, 'x-csrf-token': signup.json().csrfToken },
    payload: { name: 'bench' },
  });
  const key = keyAnswer.json().key as string;
  const accountId = signup.json().account.id as string;

  log(`seeding ${COUNT} deleted messages`);
  const seedStart = performance.now();
  const now = Date.now();
  const ROWS = 1000;
  for (let i = 0; i < COUNT; i += 50_000) {
    await db.transaction().execute(async (tx) => {
      for (let k = i; k < Math.min(COUNT, i + 50_000); k += ROWS) {
        const rows = [];
        for (let j = k; j < Math.min(COUNT, k + ROWS); j++) {
          const deletedAt = now - (j % 2 === 0 ? 130 : 90) * DAY;
          rows.push({
            id: `msg_0${String(j).padStart(25, '0')}`,
            account_id: accountId,
            to_number: `+3712${String(j % 10_000_000).padStart(7, '0')}`,
            sender: 'Bench',
            text: `Your code is ${j}`,
            type: 'transactional' as const,
            status: 'delivered' as const,
            encoding: 'GSM-7' as const,
            segments: 1,
            price: 35_000,
            country: 'LV',
            reference: null,
            campaign_id: null,
            send_at: null,
            valid_until: null,
            route_id: 'simulator',
            carrier_ref: null,
            attempts: 1,
            error_code: null,
            error_detail: null,
            charged: 1,
            created_by: null,
            created_at: deletedAt - DAY,
            updated_at: deletedAt,
            sent_at: deletedAt - DAY,
            done_at: deletedAt - DAY,
            deleted_at: deletedAt,
            purged_at: null,
          });
        }
        await tx.insertInto('messages').values(rows).execute();
      }
    });
  }
  const seedSeconds = (performance.now() - seedStart) / 1000;
  log(`seeded in ${round(seedSeconds)} s`);

  // A warm server: the first sends compile the code paths.
  for (let w = 0; w < 20; w++) {
    await app.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: { authorization: `Bearer ${key}` },
      payload: { to: `+3712${String(8_000_000 + w).padStart(7, '0')}`, text: 'warm-up' },
    });
  }
  const latencies: number[] = [];
  let sweeping = true;
  let n = 0;
  const sender = (async () => {
    while (sweeping) {
      const started = performance.now();
      const r = await app.inject({
        method: 'POST',
        url: '/v1/messages',
        headers: { authorization: `Bearer ${key}` },
        payload: {
          to: `+3712${String(9_000_000 + (n++ % 999_999)).padStart(7, '0')}`,
          text: 'during the sweep',
        },
      });
      if (r.statusCode !== 202) throw new Error(`send answered ${r.statusCode}: ${r.body}`);
      latencies.push(performance.now() - started);
      if (process.env.BENCH_DEBUG && latencies[latencies.length - 1]! > 50)
        log(`slow send #${latencies.length}: ${round(latencies[latencies.length - 1]!)} ms`);
      await new Promise((done) => setTimeout(done, 10));
    }
  })();

  const sweepStart = performance.now();
  const result = await system.services.retention.sweepOnce();
  const sweepSeconds = (performance.now() - sweepStart) / 1000;
  sweeping = false;
  await sender;

  const left = await db
    .selectFrom('messages')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('deleted_at', 'is not', null)
    .where('purged_at', 'is', null)
    .executeTakeFirstOrThrow();
  const removed = result.counts['messages.deleted.removed'] ?? 0;
  const erased = result.counts['messages.deleted.erased'] ?? 0;
  if (removed + erased !== COUNT || Number(left.n) !== 0)
    throw new Error(`sweep purged ${removed}+${erased} of ${COUNT}; ${left.n} left`);
  printResult({
    bench: 'retention-sweep',
    messages: COUNT,
    removed,
    erased,
    seedSeconds: round(seedSeconds),
    sweepSeconds: round(sweepSeconds, 2),
    rowsPerSecond: Math.round(COUNT / sweepSeconds),
    sends: latencies.length,
    sendP50Ms: round(percentile(latencies, 50), 2),
    sendP99Ms: round(percentile(latencies, 99), 2),
    sendMaxMs: round(Math.max(...latencies), 2),
    machine: await machine(),
  });
} finally {
  await system.stop();
  rmSync(dir, { recursive: true, force: true });
}
