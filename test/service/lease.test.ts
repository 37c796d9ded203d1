import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DbOrTx } from '../../src/storage/database';
import {
  acquireNamed,
  claimDue,
  type LeasedTable,
  releaseLeases,
  renewLeases,
  takeBackPreviousBoot,
} from '../../src/storage/lease';
import { DIALECTS, openTestStorage, type TestStorage } from '../helpers/storage';

// The helper over a table of the schema that has an owner column; the kinds' own suites cover their tables.
const JOBS: LeasedTable = { table: 'jobs', owner: 'lease_owner' };
const LEASES: LeasedTable = { table: 'retention_leases', key: 'name', owner: 'owner' };
const LEASE = 30_000;
const T0 = 1_000_000;
/** PostgreSQL settings under which an `IN (subquery)` is run again for each row of the outer table. */
const RESCANNING_PLAN = [
  'enable_hashjoin = off',
  'enable_mergejoin = off',
  'enable_hashagg = off',
  'enable_material = off',
  'enable_memoize = off',
  'enable_sort = off',
];

describe.each(DIALECTS)('the lease helper on %s', (dialect) => {
  let test: TestStorage;
  beforeAll(async () => {
    test = await openTestStorage(dialect);
  });
  beforeEach(async () => {
    await test.storage.db.deleteFrom('jobs').execute();
    await test.storage.db.deleteFrom('retention_leases').execute();
  });
  afterAll(async () => {
    await test?.dispose();
  });

  const insert = (rows: Array<{ id: string; owner?: string | null; until?: number }>) =>
    test.storage.db
      .insertInto('jobs')
      .values(
        rows.map((r) => ({
          id: r.id,
          kind: 'k',
          payload: '{}',
          run_at: T0,
          attempts: 0,
          lease_until: r.until ?? 0,
          lease_owner: r.owner ?? null,
          last_error: null,
          created_at: T0,
        })),
      )
      .execute();
  const claimStatement = (owner: string, now: number, limit: number, executor: DbOrTx = test.storage.db) =>
    claimDue(executor, JOBS, {
      due: (db) => db.selectFrom('jobs').select('id').where('run_at', '<=', now).orderBy('id').limit(limit),
      now,
      leaseUntil: now + LEASE,
      owner,
      skipLocked: test.storage.capabilities.skipLocked,
    }).returning('id');
  const claim = async (owner: string, now: number, limit: number, executor?: DbOrTx): Promise<string[]> => {
    const rows: Array<{ id: string }> = await claimStatement(owner, now, limit, executor).execute();
    return rows.map((r) => r.id).sort();
  };
  const owners = async () =>
    Object.fromEntries(
      (await test.storage.db.selectFrom('jobs').select(['id', 'lease_owner']).orderBy('id').execute()).map(
        (r) => [r.id, r.lease_owner],
      ),
    );

  it('two owners racing for the same rows get disjoint sets, each holding what it was answered', async () => {
    await insert(Array.from({ length: 30 }, (_, i) => ({ id: `j${String(i).padStart(2, '0')}` })));
    for (let round = 0; round < 5; round++) {
      const [a, b] = await Promise.all([claim('a/1', T0, 20), claim('b/1', T0, 20)]);
      expect(a.filter((id) => b.includes(id))).toEqual([]);
      expect([a.length, b.length].every((n) => n <= 20)).toBe(true);
      const held = await owners();
      for (const id of a) expect(held[id]).toBe('a/1');
      for (const id of b) expect(held[id]).toBe('b/1');
      await releaseLeases(test.storage.db, JOBS, a, { owner: 'a/1' });
      await releaseLeases(test.storage.db, JOBS, b, { owner: 'b/1' });
    }
  });

  it('a claim leases no more rows than its limit', async () => {
    await insert(Array.from({ length: 5 }, (_, i) => ({ id: `j${i}` })));
    expect(await claim('a/1', T0, 1)).toEqual(['j0']);
    expect(Object.values(await owners()).filter((o) => o !== null)).toEqual(['a/1']);
  });

  // PostgreSQL may run a subquery of the UPDATE again for each row it joins (a nested-loop semi-join), and
  // a locking one then skips the rows the statement already leased: each run answers the next rows.
  it.runIf(dialect === 'postgres')(
    'a claim leases no more rows than its limit, even where PostgreSQL reads the due rows again for each row',
    async () => {
      await insert(Array.from({ length: 40 }, (_, i) => ({ id: `j${String(i).padStart(2, '0')}` })));
      const claimed = await test.storage.db.transaction().execute(async (tx) => {
        // The plans that read the due rows once (hashed, sorted, memoized or materialized) cost too much.
        for (const plan of RESCANNING_PLAN) await sql.raw(`set local ${plan}`).execute(tx);
        // The premise: the UPDATE joins the due rows to the table in a nested loop, reading them per row.
        const statement = claimStatement('a/1', T0, 3, tx).compile();
        const explained = await tx.executeQuery<{ 'QUERY PLAN': string }>(
          CompiledQuery.raw(`explain ${statement.sql}`, [...statement.parameters]),
        );
        expect(explained.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('Nested Loop Semi Join');
        return claim('a/1', T0, 3, tx);
      });
      expect(claimed).toEqual(['j00', 'j01', 'j02']);
      expect(Object.values(await owners()).filter((o) => o !== null)).toHaveLength(3);
    },
  );

  it('renewing or handing back fails once another owner took the expired lease', async () => {
    await insert([{ id: 'j1' }]);
    expect(await claim('a/1', T0, 10)).toEqual(['j1']);
    // Held: nobody else gets it, and its owner renews it.
    expect(await claim('b/1', T0 + LEASE - 1, 10)).toEqual([]);
    expect(await renewLeases(test.storage.db, JOBS, ['j1'], 'a/1', T0 + LEASE)).toEqual(['j1']);
    // Run out: another owner takes it, and the first can neither renew nor free it.
    expect(await claim('b/1', T0 + LEASE, 10)).toEqual(['j1']);
    expect(await renewLeases(test.storage.db, JOBS, ['j1'], 'a/1', T0 + 2 * LEASE)).toEqual([]);
    expect(await releaseLeases(test.storage.db, JOBS, ['j1'], { owner: 'a/1' })).toBe(0);
    expect(await owners()).toEqual({ j1: 'b/1' });
    // A holder named by its lease value (a table without an owner column) is checked the same way.
    expect(await releaseLeases(test.storage.db, JOBS, ['j1'], { until: T0 + LEASE })).toBe(0);
    expect(await releaseLeases(test.storage.db, JOBS, ['j1'], { until: T0 + 2 * LEASE })).toBe(1);
    expect(await owners()).toEqual({ j1: null });
  });

  it("a previous boot's leases are taken back for this worker id only, never this run's or expired ones", async () => {
    const until = T0 + LEASE;
    await insert([
      { id: 'previous', owner: 'w1/old', until },
      { id: 'self', owner: 'w1/new', until },
      { id: 'relay', owner: 'w1/new:transit', until },
      { id: 'longer-id', owner: 'w10/old', until },
      // `_` would match any character in LIKE: the prefix is compared as text.
      { id: 'like-trap', owner: 'w_/old', until },
      { id: 'other', owner: 'w2/old', until },
      { id: 'expired', owner: 'w1/older', until: T0 - 1 },
      { id: 'free' },
    ]);
    const freed = await takeBackPreviousBoot(test.storage.db, JOBS, {
      self: { owner: 'w1/new', prefix: 'w1/' },
      now: T0,
      keep: ['w1/new:transit'],
    });
    expect(freed).toBe(1);
    expect(await owners()).toEqual({
      expired: 'w1/older',
      free: null,
      'like-trap': 'w_/old',
      'longer-id': 'w10/old',
      other: 'w2/old',
      previous: null,
      relay: 'w1/new:transit',
      self: 'w1/new',
    });
  });

  it('a named lease has one holder at a time, renewable by it, free again once it runs out or is handed back', async () => {
    await test.storage.db
      .insertInto('retention_leases')
      .values({ name: 'n', owner: null, lease_until: 0 })
      .execute();
    expect(await acquireNamed(test.storage.db, LEASES, 'n', 'a', T0, T0 + LEASE)).toBe(true);
    expect(await acquireNamed(test.storage.db, LEASES, 'n', 'b', T0 + 1, T0 + 1 + LEASE)).toBe(false);
    expect(await acquireNamed(test.storage.db, LEASES, 'n', 'a', T0 + 1, T0 + 1 + LEASE)).toBe(true);
    expect(await acquireNamed(test.storage.db, LEASES, 'n', 'b', T0 + 1 + LEASE, T0 + 1 + 2 * LEASE)).toBe(
      true,
    );
    expect(await releaseLeases(test.storage.db, LEASES, ['n'], { owner: 'a' })).toBe(0);
    expect(await releaseLeases(test.storage.db, LEASES, ['n'], { owner: 'b' })).toBe(1);
    expect(await acquireNamed(test.storage.db, LEASES, 'n', 'a', T0 + 2, T0 + 2 + LEASE)).toBe(true);
  });
});
