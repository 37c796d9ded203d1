/**
 * Search over 1,000,000 contacts of one account on the embedded SQLite: p50/p95 of phone-prefix and
 * name-prefix queries through the contacts module (the code behind GET /v1/contacts?q=). Seeds the
 * table with multi-row inserts first. Prints one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/kernel/logger';
import { createSystem } from '../src/main';
import { ROLE_PERMISSIONS } from '../src/modules/accounts';

const COUNT = Number(process.argv.find((a) => a.startsWith('--contacts='))?.split('=')[1] ?? 1_000_000);
const QUERIES = 200;
const FIRST = ['anna', 'janis', 'peteris', 'liga', 'maris', 'ilze', 'karlis', 'zane', 'edgars', 'inese'];
const LAST = [
  'berzins',
  'kalnins',
  'ozols',
  'jansons',
  'liepa',
  'krumins',
  'balodis',
  'zarins',
  'pukite',
  'vitols',
];

const dir = mkdtempSync(join(tmpdir(), 'smsgate-search-'));
const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', SQLITE_SYNCHRONOUS: 'NORMAL' });
const system = await createSystem(config, { logger: createLogger({ level: 'silent' }) });
try {
  const { db } = system.storage;
  const accountId = 'acc_bench';
  const seedStart = performance.now();
  const now = Date.now();
  for (let i = 0; i < COUNT; i += 500) {
    const rows = [];
    for (let j = i; j < Math.min(COUNT, i + 500); j++) {
      const first = `${FIRST[j % 10]}${Math.floor(j / 100) % 1000}`;
      const last = `${LAST[Math.floor(j / 10) % 10]}${j % 997}`;
      rows.push({
        id: `ctc_${String(j).padStart(10, '0')}`,
        account_id: accountId,
        phone: `+3712${String(j).padStart(7, '0')}`,
        first_name: first,
        last_name: last,
        email: `${first}.${last}@example.com`,
        country: 'LV',
        address: null,
        avatar_url: null,
        fields: '{}',
        tags: '[]',
        first_name_lc: first,
        last_name_lc: last,
        email_lc: `${first}.${last}@example.com`,
        name_lc: `${first} ${last}`.toLowerCase(),
        created_by: null,
        created_at: now + j,
        updated_at: now + j,
        deleted_at: null,
      });
    }
    await db.insertInto('contacts').values(rows).execute();
  }
  const seedSeconds = (performance.now() - seedStart) / 1000;
  const actor = {
    kind: 'user' as const,
    accountId,
    id: 'usr_bench',
    role: 'owner' as const,
    permissions: ROLE_PERMISSIONS.owner,
    sessionId: null,
    csrfToken: null,
    ip: null,
  };

  async function measure(make: (i: number) => string) {
    const times: number[] = [];
    let found = 0;
    for (let i = 0; i < QUERIES; i++) {
      const t = performance.now();
      const rows = await system.services.contacts.book.list(actor, { q: make(i), limit: 50 });
      times.push(performance.now() - t);
      found += rows.length;
    }
    times.sort((a, b) => a - b);
    const at = (p: number) =>
      Math.round(times[Math.min(times.length - 1, Math.floor(p * times.length))]! * 100) / 100;
    return { p50Ms: at(0.5), p95Ms: at(0.95), maxMs: at(1), meanRows: Math.round(found / QUERIES) };
  }
  const phonePrefix = await measure(
    (i) =>
      `+3712${String((i * 4999) % COUNT)
        .padStart(7, '0')
        .slice(0, 4)}`,
  );
  const namePrefix = await measure((i) => `${FIRST[i % 10]}${(i * 7) % 1000}`.slice(0, 5 + (i % 3)));
  process.stdout.write(
    `${JSON.stringify({ bench: 'contacts-search', contacts: COUNT, seedSeconds: Math.round(seedSeconds * 10) / 10, queries: QUERIES, phonePrefix, namePrefix, target: { p95Ms: 50 } })}\n`,
  );
} finally {
  await system.stop();
  rmSync(dir, { recursive: true, force: true });
}
