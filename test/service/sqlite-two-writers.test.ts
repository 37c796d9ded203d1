import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../../src/storage/database';
import { openTestStorage, type TestStorage } from '../helpers/storage';

/**
 * Two processes on one SQLite file (`smsgate serve` with WORKERS=false and `smsgate worker`): here two
 * storages, each with its own writing connection. Transactions that read before they write, interleaved
 * between the two, must wait for each other, never fail with "database is locked".
 */
describe('two writers on one SQLite file', () => {
  let t: TestStorage;
  let other: Storage;
  beforeAll(async () => {
    t = await openTestStorage('sqlite');
    other = openStorage(t.url, { sqliteSynchronous: 'NORMAL' });
    await t.storage.db
      .insertInto('account_balances')
      .values({ account_id: 'acc_two_writers', balance: 0, reserved: 0, updated_at: 0 })
      .execute();
  });
  afterAll(async () => {
    await other?.close();
    await t?.dispose();
  });

  it('transactions that read, wait, then write all commit, from both connections', async () => {
    const increment = (storage: Storage) =>
      storage.db.transaction().execute(async (tx) => {
        const row = await tx
          .selectFrom('account_balances')
          .select('balance')
          .where('account_id', '=', 'acc_two_writers')
          .executeTakeFirstOrThrow();
        // Let the other connection run meanwhile, as the event loop does between two statements.
        await new Promise((resolve) => setTimeout(resolve, 1));
        await tx
          .updateTable('account_balances')
          .set({ balance: Number(row.balance) + 1 })
          .where('account_id', '=', 'acc_two_writers')
          .execute();
      });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => increment(i % 2 ? t.storage : other)),
    );
    const failed = outcomes.filter((o) => o.status === 'rejected').map((o) => String(o.reason));
    expect(failed).toEqual([]);
    const row = await t.storage.db
      .selectFrom('account_balances')
      .select('balance')
      .where('account_id', '=', 'acc_two_writers')
      .executeTakeFirstOrThrow();
    // No increment lost either: each read saw the other's last commit.
    expect(Number(row.balance)).toBe(40);
  });
});
