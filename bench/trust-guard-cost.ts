/**
 * The trust guards alone, in process: CPU µs per message of the sender rules and content rules as the
 * accept path calls them, on SQLite with the seeded rules. The end-to-end figure (bench/trust-guards.ts)
 * is noisy on a shared machine; this one isolates the part the guards add, to set against the accept
 * path's CPU per message.
 *
 *   npx tsx bench/trust-guard-cost.ts [--calls=20000]
 *
 * Cases: a single send without `from` (shared sender), a single send from an alphanumeric sender with a
 * link (every rule runs, nothing matches), the same towards a registration-required country (one indexed
 * read of the sender's registration per request), and a bulk send of 1,000 recipients. Against them, the
 * whole accept path in the same process (`POST /v1/messages` through `app.inject`, no network): the
 * guards add their cost over the rest of the accept path's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/kernel/logger';
import { createSystem } from '../src/main';
import { machine, printResult, round, signupWithApiKey } from './lib';

const CALLS = Number(process.argv.find((a) => a.startsWith('--calls='))?.split('=')[1] ?? 20_000);

const dir = mkdtempSync(join(tmpdir(), 'smsgate-trust-'));
const config = loadConfig({
  DATA_DIR: dir,
  LOG_LEVEL: 'silent',
  WORKERS: 'false',
  RATE_LIMIT_MAX: '0',
  FREE_CREDITS: '100000000',
});
const system = await createSystem(config, { logger: createLogger({ level: 'silent' }) });
try {
  const { trust } = system.services;
  const db = system.storage.db;
  const accountId = 'acc_bench';
  const text = (n: number) => `Order ${n} has shipped: https://shop.example.com/orders/${n}`;

  async function measure(messagesPerCall: number, call: (n: number) => Promise<unknown>) {
    for (let i = 0; i < 500; i++) await call(i);
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (let i = 0; i < CALLS; i++) await call(i);
    const used = process.cpuUsage(cpu);
    const wallNs = Number(process.hrtime.bigint() - start);
    return {
      cpuUsPerMessage: round((used.user + used.system) / (CALLS * messagesPerCall), 3),
      wallUsPerMessage: round(wallNs / 1000 / (CALLS * messagesPerCall), 3),
    };
  }

  const bulkUses = Array.from({ length: 1000 }, (_, i) => ({
    sender: 'AcmeShop',
    country: 'LV',
    path: `/body/to/${i}`,
  }));
  const cases = {
    singleNoFrom: await measure(1, async (n) => {
      await trust.checkSenders(db, accountId, [{ sender: 'smsgate', country: 'LV', path: '/body/from' }]);
      await trust.checkContent(db, accountId, [`Your code is ${100_000 + n}`]);
    }),
    singleGuarded: await measure(1, async (n) => {
      await trust.checkSenders(db, accountId, [{ sender: 'AcmeShop', country: 'LV', path: '/body/from' }]);
      await trust.checkContent(db, accountId, [text(n)]);
    }),
    singleRegistrationLookup: await measure(1, async (n) => {
      await trust
        .checkSenders(db, accountId, [{ sender: 'AcmeShop', country: 'IN', path: '/body/from' }])
        .catch(() => 0);
      await trust.checkContent(db, accountId, [text(n)]);
    }),
    bulkGuarded: await measure(1000, async (n) => {
      await trust.checkSenders(db, accountId, bulkUses);
      await trust.checkContent(
        db,
        accountId,
        Array.from({ length: 1000 }, () => text(n)),
      );
    }),
  };
  // The accept path itself, in this process, for the same bodies.
  const app = await system.http();
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const { key } = await signupWithApiKey({ baseUrl: `http://127.0.0.1:${port}`, dataDir: dir });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
  const post = async (payload: object) => {
    const r = await app.inject({ method: 'POST', url: '/v1/messages', headers, payload });
    if (r.statusCode !== 202) throw new Error(`send: ${r.statusCode} ${r.body}`);
  };
  const lv = (i: number) => `+3712${(i % 10_000_000).toString().padStart(7, '0')}`;
  const acceptCalls = Math.min(CALLS, 5000);
  async function accept(messagesPerCall: number, calls: number, call: (n: number) => Promise<unknown>) {
    for (let i = 0; i < 200; i++) await call(1_000_000 + i);
    const cpu = process.cpuUsage();
    for (let i = 0; i < calls; i++) await call(i);
    const used = process.cpuUsage(cpu);
    return round((used.user + used.system) / (calls * messagesPerCall), 2);
  }
  const acceptPath = {
    singleNoFrom: await accept(1, acceptCalls, (n) =>
      post({ to: lv(n), text: `Your code is ${100_000 + n}` }),
    ),
    singleGuarded: await accept(1, acceptCalls, (n) => post({ to: lv(n), from: 'AcmeShop', text: text(n) })),
    bulkGuarded: await accept(1000, 20, (n) =>
      post({
        to: Array.from({ length: 1000 }, (_, i) => lv(2_000_000 + n * 1000 + i)),
        from: 'AcmeShop',
        text: text(n),
      }),
    ),
  };
  // What the guards add: their CPU over the rest of the accept path's (which includes them).
  const share = (name: keyof typeof acceptPath) =>
    round(cases[name].cpuUsPerMessage / (acceptPath[name] - cases[name].cpuUsPerMessage), 3);
  printResult({
    bench: 'trust-guard-cost',
    ...(await machine()),
    calls: CALLS,
    cases,
    acceptPathCpuUsPerMessage: acceptPath,
    guardsAddToAccept: {
      singleNoFrom: share('singleNoFrom'),
      singleGuarded: share('singleGuarded'),
      bulkGuarded: share('bulkGuarded'),
    },
  });
} finally {
  await system.stop();
  rmSync(dir, { recursive: true, force: true });
}
