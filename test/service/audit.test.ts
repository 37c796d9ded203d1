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
