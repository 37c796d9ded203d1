import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdGenerator } from '../../src/kernel/ids';
import { createAuditLog } from '../../src/modules/audit';
import { FakeClock } from '../helpers/fake-clock';
import { DIALECTS, openTestStorage, type TestStorage } from '../helpers/storage';

describe.each(DIALECTS)('audit log on %s', (dialect) => {
  let t: TestStorage;
  const clock = new FakeClock();
  const audit = createAuditLog({ clock, ids: createIdGenerator(clock) });
  beforeAll(async () => {
    t = await openTestStorage(dialect);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('chains events per account; concurrent writers keep the chain intact', async () => {
    const db = t.storage.db;
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        db.transaction().execute((tx) =>
          audit.record(tx, {
            accountId: i % 2 ? 'acc_a' : 'acc_b',
            actor: { type: 'system', id: null },
            action: 'test.event',
            data: { i },
          }),
        ),
      ),
    );
    expect(await audit.verify(db, 'acc_a')).toEqual({ events: 20, brokenAt: null });
    expect(await audit.verify(db, 'acc_b')).toEqual({ events: 20, brokenAt: null });
  });

  it('many events of two chains in one transaction, and a rolled-back one, leave both chains intact', async () => {
    const db = t.storage.db;
    const event = (accountId: string, i: number) => ({
      accountId,
      actor: { type: 'system' as const, id: null },
      action: 'test.batch',
      data: { i },
    });
    await db.transaction().execute(async (tx) => {
      for (let i = 0; i < 30; i++) await audit.record(tx, event(i % 3 ? 'acc_c' : 'acc_d', i));
    });
    await expect(
      db.transaction().execute(async (tx) => {
        for (let i = 0; i < 5; i++) await audit.record(tx, event('acc_c', 100 + i));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await db.transaction().execute(async (tx) => {
      await audit.record(tx, event('acc_c', 200));
      await audit.record(tx, event('acc_d', 201));
      await audit.record(tx, event('acc_c', 202));
    });
    // Outside a transaction every statement commits alone: nothing is remembered between calls.
    await audit.record(db, event('acc_c', 300));
    await audit.record(db, event('acc_c', 301));
    expect(await audit.verify(db, 'acc_c')).toEqual({ events: 24, brokenAt: null });
    expect(await audit.verify(db, 'acc_d')).toEqual({ events: 11, brokenAt: null });
    const head = await db
      .selectFrom('audit_chain_heads')
      .select('seq')
      .where('chain', '=', 'acc_c')
      .executeTakeFirstOrThrow();
    expect(Number(head.seq)).toBe(24);
  });

  it('finds a tampered row, and a deleted one', async () => {
    const db = t.storage.db;
    for (let i = 0; i < 5; i++) {
      await db
        .transaction()
        .execute((tx) =>
          audit.record(tx, { accountId: 'acc_t', actor: { type: 'user', id: 'usr_x' }, action: `a.${i}` }),
        );
    }
    expect((await audit.verify(db, 'acc_t')).brokenAt).toBeNull();
    await db
      .updateTable('audit_events')
      .set({ action: 'a.forged' })
      .where('chain', '=', 'acc_t')
      .where('seq', '=', 3)
      .execute();
    expect(await audit.verify(db, 'acc_t')).toEqual({ events: 2, brokenAt: 3 });
    await db
      .updateTable('audit_events')
      .set({ action: 'a.2' })
      .where('chain', '=', 'acc_t')
      .where('seq', '=', 3)
      .execute();
    expect((await audit.verify(db, 'acc_t')).brokenAt).toBeNull();
    await db.deleteFrom('audit_events').where('chain', '=', 'acc_t').where('seq', '=', 2).execute();
    expect((await audit.verify(db, 'acc_t')).brokenAt).toBe(3);
  });
});
