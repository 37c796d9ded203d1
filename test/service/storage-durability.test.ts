import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReportInbox } from '../../src/modules/dispatch';
import { createBatchWriter } from '../../src/storage/batch-writer';
import type { Tx } from '../../src/storage/database';
import { onDisk, unsyncedCommits } from '../../src/storage/durability';
import { openTestStorage, type TestStorage } from '../helpers/storage';
import { createApiKey, signup, startTestSystem, type TestSystem } from '../helpers/system';

const until = async (check: () => boolean, ms = 3000) => {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  return check();
};

// SQLite at FULL: commits return once the log is written; the log is fsynced on the thread pool right
// after, and whatever is acknowledged outside waits for that fsync.
describe('SQLite commits reach the disk off the event loop', () => {
  let t: TestStorage;
  beforeAll(async () => {
    t = await openTestStorage('sqlite', { sqliteSynchronous: 'FULL' });
  });
  afterAll(async () => {
    await t?.dispose();
  });
  const insert = (db = t.storage.db, id = `acc_${Math.random()}`) =>
    db
      .insertInto('account_balances')
      .values({ account_id: id, balance: 1, reserved: 0, updated_at: 0 })
      .execute();

  it('a commit returns before its fsync, which follows by itself; onDisk waits for it', async () => {
    await onDisk(t.storage.db);
    await t.storage.db.transaction().execute((tx) => insert(tx));
    expect(unsyncedCommits(t.storage.db)).toBeGreaterThan(0);
    await onDisk(t.storage.db);
    expect(unsyncedCommits(t.storage.db)).toBe(0);

    // A write outside a transaction, and nobody asking: the fsync comes anyway.
    await insert();
    expect(unsyncedCommits(t.storage.db)).toBeGreaterThan(0);
    expect(await until(() => unsyncedCommits(t.storage.db) === 0)).toBe(true);
  });

  it('a lazy transaction asks for no fsync of its own: the next one that is asked for covers it', async () => {
    await onDisk(t.storage.db);
    await t.storage.lazyTransaction((tx) => insert(tx));
    expect(await until(() => unsyncedCommits(t.storage.db) === 0, 300)).toBe(false);
    await onDisk(t.storage.db);
    expect(unsyncedCommits(t.storage.db)).toBe(0);
  });

  it('a batch writer tells its callers of a write only once it is on disk', async () => {
    const writer = createBatchWriter<string>(t.storage.db, async (tx, ids) => {
      for (const id of ids) await insert(tx, id);
    });
    const seen: number[] = [];
    await Promise.all(
      ['acc_b1', 'acc_b2', 'acc_b3'].map((id) =>
        writer.add(id).then(() => seen.push(unsyncedCommits(t.storage.db))),
      ),
    );
    expect(seen).toEqual([0, 0, 0]);
  });

  it('the report inbox answers a receipt only once it is on disk', async () => {
    const inbox = createReportInbox({
      db: t.storage.db,
      // Applying a receipt is whatever writes in the inbox's transaction; the point is when it answers.
      outcomes: { applyReports: async (tx: Tx) => void (await insert(tx)) } as never,
    });
    await inbox.receive({ routeId: 'r', carrierRef: 'c1', status: 'delivered', at: 0 } as never);
    expect(unsyncedCommits(t.storage.db)).toBe(0);
  });
});

describe('HTTP answers to writes wait for the disk; reads do not', () => {
  let ts: TestSystem;
  beforeAll(async () => {
    ts = await startTestSystem('sqlite', {}, { storage: { sqliteSynchronous: 'FULL' } });
  });
  afterAll(async () => {
    await ts?.close();
  });

  it('a 2xx to a write comes after the fsync of what it wrote', async () => {
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    for (let i = 0; i < 5; i++) {
      const r = await ts.app.inject({
        method: 'POST',
        url: '/v1/contacts',
        headers: key.headers,
        payload: { phone: `+3712900000${i}`, firstName: 'Ada' },
      });
      expect(r.statusCode, r.body).toBe(201);
      expect(unsyncedCommits(ts.system.storage.db)).toBe(0);
    }
  });
});
