import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directRunner } from '../../src/storage/direct';
import { prepared, slot } from '../../src/storage/prepared';
import { DIALECTS, openTestStorage, type TestStorage } from '../helpers/storage';

// Prepared statements take a shortcut past Kysely on SQLite (see src/storage/direct.ts); what they see
// and what they write must be exactly what the same statements see and write through Kysely.
const readBalance = prepared<{ id: string }, { balance: number }>((db) =>
  db.selectFrom('account_balances').select('balance').where('account_id', '=', slot<string>('id')),
);
const addToBalance = prepared<{ id: string; amount: number }>((db) =>
  db
    .updateTable('account_balances')
    .set({ balance: sql`balance + ${slot<number>('amount')}` })
    .where('account_id', '=', slot<string>('id')),
);
const insertBalance = prepared<{ id: string; balance: number }>((db) =>
  db.insertInto('account_balances').values({
    account_id: slot<string>('id'),
    balance: slot<number>('balance'),
    reserved: 0,
    updated_at: 0,
  }),
);

describe.each(DIALECTS)('prepared statements on %s', (dialect) => {
  let t: TestStorage;
  beforeAll(async () => {
    t = await openTestStorage(dialect);
  });
  afterAll(async () => {
    await t?.dispose();
  });
  const balanceOf = async (id: string) => (await readBalance(t.storage.db, { id })).rows[0]?.balance;

  it('inside a group transaction see their own writes; readers outside see them only once committed', async () => {
    const { db } = t.storage;
    await insertBalance(db, { id: 'acc_direct_1', balance: 10 });
    expect(await balanceOf('acc_direct_1')).toBe(10);

    let seenInside: number | undefined;
    let seenOutsideMeanwhile: number | undefined;
    const { onDisk } = await t.storage.stagedTransaction(async (tx) => {
      const result = await addToBalance(tx, { id: 'acc_direct_1', amount: 5 });
      expect(Number(result.numAffectedRows)).toBe(1);
      seenInside = (await readBalance(tx, { id: 'acc_direct_1' })).rows[0]?.balance;
      // A read outside the transaction, while it is open (SQLite: on the read-only connection).
      seenOutsideMeanwhile = await (dialect === 'sqlite' ? balanceOf('acc_direct_1') : Promise.resolve(10));
    });
    await onDisk;
    expect(seenInside).toBe(15);
    expect(seenOutsideMeanwhile).toBe(10);
    expect(await balanceOf('acc_direct_1')).toBe(15);
  });

  it('a failing unit rolls back every statement of its transaction', async () => {
    const { db } = t.storage;
    await insertBalance(db, { id: 'acc_direct_2', balance: 1 });
    await expect(
      t.storage.stagedTransaction(async (tx) => {
        await addToBalance(tx, { id: 'acc_direct_2', amount: 100 });
        // The primary key is taken: the statement throws, as it would through Kysely.
        await insertBalance(tx, { id: 'acc_direct_2', balance: 1 });
      }),
    ).rejects.toThrow(/UNIQUE|unique|duplicate/);
    expect(await balanceOf('acc_direct_2')).toBe(1);
  });

  it("in a module's own transaction too: straight on SQLite's connection, own writes seen, all rolled back on error", async () => {
    const { db } = t.storage;
    await insertBalance(db, { id: 'acc_direct_4', balance: 2 });
    let direct: unknown;
    let seenInside: number | undefined;
    await db.transaction().execute(async (tx) => {
      direct = directRunner(tx, false);
      await addToBalance(tx, { id: 'acc_direct_4', amount: 3 });
      seenInside = (await readBalance(tx, { id: 'acc_direct_4' })).rows[0]?.balance;
    });
    expect(Boolean(direct)).toBe(dialect === 'sqlite');
    expect(seenInside).toBe(5);
    await expect(
      db.transaction().execute(async (tx) => {
        await addToBalance(tx, { id: 'acc_direct_4', amount: 100 });
        await insertBalance(tx, { id: 'acc_direct_4', balance: 1 });
      }),
    ).rejects.toThrow(/UNIQUE|unique|duplicate/);
    expect(await balanceOf('acc_direct_4')).toBe(5);
    // The runner belongs to the transaction alone: gone once it ended.
    expect(directRunner(db, false)).toBeUndefined();
  });

  it('writes sent outside a transaction are not taken by the read-only connection', async () => {
    const { db } = t.storage;
    await insertBalance(db, { id: 'acc_direct_3', balance: 7 });
    await addToBalance(db, { id: 'acc_direct_3', amount: 3 });
    expect(await balanceOf('acc_direct_3')).toBe(10);
    const row = await db
      .selectFrom('account_balances')
      .select('balance')
      .where('account_id', '=', 'acc_direct_3')
      .executeTakeFirst();
    expect(row?.balance).toBe(10);
  });
});
