/**
 * Campaign fan-out: a personalised campaign (`Hi {{first_name|there}}, …`) to a group of 1,000,000
 * contacts on a fresh embedded SQLite file (synchronous=FULL), in process.
 *
 *   npx tsx bench/campaign-fanout.ts                          # 1,000,000 contacts, e2e delivery of 100,000
 *   npx tsx bench/campaign-fanout.ts --contacts 200000 --deliver 20000
 *
 * Figures: `startSeconds` (start: walk, render and price the whole audience, reserve the total),
 * `fanoutSeconds` / `fanoutPerSecond` (every message written, queued for its send time, in batches of
 * 2,000 contacts per transaction), `peakRssMb` (the process during start and fan-out). Then a second
 * campaign to `--deliver` contacts goes end to end through the simulated carrier with the real worker
 * loops: `deliveredPerSecond` (from start to the last delivery receipt). Targets: fan-out ≤ 30 s, ≤ 400 MB.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/kernel/logger';
import { createSystem } from '../src/main';
import { log, machine, numberArg, printResult, round, sleep } from './lib';

const CONTACTS = numberArg('contacts', 1_000_000);
const DELIVER = numberArg('deliver', 100_000);
const NAMES = ['Anna', 'Jānis', 'Līga', 'Pēteris', 'Kristīne', 'Andris', '', 'Ilze', 'Mārtiņš', 'Zane'];

/** Writes `count` contacts of one account straight into the file, all members of `groupId`. */
function seed(file: string, accountId: string, groupId: string, count: number, from: number): void {
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  const contact = sqlite.prepare(
    `INSERT INTO contacts (id, account_id, phone, first_name, last_name, email, country, address, avatar_url,
       fields, tags, first_name_lc, last_name_lc, email_lc, created_by, created_at, updated_at, deleted_at)
     VALUES (?, ?, ?, ?, NULL, NULL, 'LV', NULL, NULL, '{}', '[]', ?, NULL, NULL, NULL, ?, ?, NULL)`,
  );
  const member = sqlite.prepare(
    'INSERT INTO group_members (group_id, contact_id, account_id, added_at) VALUES (?, ?, ?, ?)',
  );
  const now = Date.now();
  const insert = sqlite.transaction((start: number, end: number) => {
    for (let i = start; i < end; i++) {
      // Time-sortable like the app's ids: a fixed prefix and a zero-padded counter.
      const id = `ctc_bench${String(from + i).padStart(10, '0')}`;
      const name = NAMES[i % NAMES.length]!;
      contact.run(
        id,
        accountId,
        `+3712${String(from + i).padStart(7, '0')}`,
        name || null,
        name ? name.toLowerCase() : null,
        now,
        now,
      );
      member.run(groupId, id, accountId, now);
    }
  });
  for (let i = 0; i < count; i += 50_000) insert(i, Math.min(count, i + 50_000));
  sqlite.close();
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'smsgate-bench-campaign-'));
  const file = join(dataDir, 'smsgate.db');
  const config = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_MAX: '0',
    FREE_CREDITS: '1000000',
    SIMULATOR_DELIVERY_DELAY_MS: '0',
  });
  const system = await createSystem(config, { logger: createLogger({ level: 'silent' }) });
  const app = await system.http();
  try {
    const signup = await app.inject({
      method: 'POST',
      url: '/v1/signup',
      payload: {
        company: 'Bench',
        name: 'B',
        email: 'bench@example.com',
        password: 'correct-horse-battery-7',
        acceptPolicy: true,
      },
    });
    const body = signup.json();
    const cookie = String(signup.headers['set-cookie']).split(';')[0]!;
    const headers = { cookie, 'x-csrf-token': body.csrfToken };
    const accountId: string = body.account.id;
    const call = async (method: 'POST' | 'GET', url: string, payload?: object) => {
      const r = await app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
      if (r.statusCode >= 300) throw new Error(`${method} ${url}: ${r.statusCode} ${r.body.slice(0, 300)}`);
      return r.json();
    };
    const big = (await call('POST', '/v1/groups', { name: 'everyone' })).id as string;
    const small = (await call('POST', '/v1/groups', { name: 'delivery' })).id as string;

    let t = performance.now();
    seed(file, accountId, big, CONTACTS, 0);
    seed(file, accountId, small, DELIVER, CONTACTS);
    log(`seeded ${CONTACTS + DELIVER} contacts in ${round((performance.now() - t) / 1000)} s`);

    const text =
      'Hi {{first_name|there}}, our spring sale starts today: 20% off everything. Reply STOP to opt out';
    const campaign = await call('POST', '/v1/campaigns', {
      name: 'Spring',
      text,
      type: 'marketing',
      groupIds: [big],
      quietHours: null,
    });
    log(`rss before start: ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB`);
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 50);
    t = performance.now();
    const started = await call('POST', `/v1/campaigns/${campaign.id}/start`);
    const startSeconds = (performance.now() - t) / 1000;
    log(
      `started: ${started.recipients} recipients, ${started.reservedCredits} credits reserved in ${round(startSeconds)} s`,
    );

    t = performance.now();
    const fanned = await system.services.campaigns.fanout.runToEnd(campaign.id);
    const fanoutSeconds = (performance.now() - t) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    const db = new Database(file, { readonly: true });
    const stored = Number(
      (
        db.prepare('SELECT count(*) AS n FROM messages WHERE campaign_id = ?').get(campaign.id) as {
          n: number;
        }
      ).n,
    );
    const distinct = Number(
      (
        db
          .prepare('SELECT count(DISTINCT to_number) AS n FROM messages WHERE campaign_id = ?')
          .get(campaign.id) as { n: number }
      ).n,
    );
    db.close();
    log(`fan-out: ${fanned} messages in ${round(fanoutSeconds)} s (${stored} rows, ${distinct} numbers)`);
    // The big campaign is not sent: cancel it so the delivery run measures only its own messages.
    t = performance.now();
    await call('POST', `/v1/campaigns/${campaign.id}/cancel`);
    const cancelRequestMs = performance.now() - t;
    // The unsent messages fail in the background, in short transactions: drain them here.
    while ((await system.services.campaigns.fanout.runDue()) > 0);
    const cancelDrainSeconds = (performance.now() - t) / 1000;
    log(
      `cancelled the big campaign: answered in ${round(cancelRequestMs)} ms, unsent messages failed in ${round(cancelDrainSeconds)} s`,
    );

    let deliveredPerSecond: number | null = null;
    let deliverSeconds: number | null = null;
    if (DELIVER > 0) {
      const second = await call('POST', '/v1/campaigns', {
        name: 'Delivery',
        text,
        type: 'marketing',
        groupIds: [small],
        quietHours: null,
      });
      system.startWorkers();
      t = performance.now();
      await call('POST', `/v1/campaigns/${second.id}/start`);
      for (;;) {
        await sleep(500);
        const got = await call('GET', `/v1/campaigns/${second.id}`);
        if (got.stats.delivered + got.stats.undelivered + got.stats.failed >= DELIVER) break;
        if (performance.now() - t > 15 * 60_000)
          throw new Error(`delivery stalled: ${JSON.stringify(got.stats)}`);
      }
      deliverSeconds = (performance.now() - t) / 1000;
      deliveredPerSecond = Math.round(DELIVER / deliverSeconds);
      log(`delivered ${DELIVER} in ${round(deliverSeconds)} s`);
    }

    printResult({
      bench: 'campaign-fanout',
      recipients: Number(started.recipients),
      messages: stored,
      duplicates: stored - distinct,
      startSeconds: round(startSeconds, 2),
      fanoutSeconds: round(fanoutSeconds, 2),
      fanoutPerSecond: Math.round(stored / fanoutSeconds),
      peakRssMb: Math.round(peak / 1024 / 1024),
      cancelRequestMs: Math.round(cancelRequestMs),
      cancelDrainSeconds: round(cancelDrainSeconds, 1),
      deliverRecipients: DELIVER,
      deliverSeconds: deliverSeconds === null ? null : round(deliverSeconds, 1),
      deliveredPerSecond,
      machine: await machine(),
    });
  } finally {
    await system.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
