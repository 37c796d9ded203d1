import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createIdGenerator } from '../../src/kernel/ids';
import { createDbQueue } from '../../src/queue/db-queue';
import { FakeClock } from '../helpers/fake-clock';
import { DIALECTS, openTestStorage, type TestStorage } from '../helpers/storage';

const LEASE = 30_000;

describe.each(DIALECTS)('database queue leases on %s', (dialect) => {
  let test: TestStorage;
  const clock = new FakeClock();
  beforeAll(async () => {
    test = await openTestStorage(dialect);
  });
  beforeEach(async () => {
    await test.storage.db.deleteFrom('jobs').execute();
  });
  afterAll(async () => {
    await test?.dispose();
  });

  const worker = (workerId: string) =>
    createDbQueue({
      db: test.storage.db,
      clock,
      ids: createIdGenerator(clock),
      capabilities: test.storage.capabilities,
      workerId,
    });
  const rows = () => test.storage.db.selectFrom('jobs').selectAll().execute();
  const enqueue = (n: number) =>
    test.storage.db.transaction().execute((tx) =>
      worker('x').enqueue(
        tx,
        Array.from({ length: n }, (_, i) => ({ kind: 'k', payload: i })),
      ),
    );

  it('a renewed lease stays; one that ran out goes to another worker, and the first learns it and completes nothing', async () => {
    await enqueue(1);
    const [a, b] = [worker('a'), worker('b')];
    const [job] = await a.claim('k', 10, LEASE);
    clock.advance(LEASE - 1);
    expect(await a.extend([job!.id], LEASE)).toEqual([job!.id]);
    clock.advance(LEASE - 1);
    expect(await b.claim('k', 10, LEASE)).toEqual([]);

    clock.advance(2);
    const [taken] = await b.claim('k', 10, LEASE);
    expect(taken).toMatchObject({ id: job!.id, attempts: 2 });
    expect(await a.extend([job!.id], LEASE)).toEqual([]);
    await test.storage.db.transaction().execute((tx) => a.complete(tx, [job!.id]));
    await test.storage.db.transaction().execute((tx) => a.retry(tx, job!.id, clock.now(), 'stale'));
    expect(await rows()).toMatchObject([{ id: job!.id, lease_owner: b.owner, last_error: null }]);
    await test.storage.db.transaction().execute((tx) => b.complete(tx, [taken!.id]));
    expect(await rows()).toEqual([]);
  });

  it('a restarted worker takes back at once the leases its previous run stopped renewing, never a live sibling’s', async () => {
    await enqueue(2);
    const before = worker('host:worker');
    const sibling = worker('host:worker');
    const other = worker('elsewhere:worker');
    const [dead] = await before.claim('k', 1, LEASE);
    const [live] = await sibling.claim('k', 1, LEASE);
    clock.advance(6_000);
    expect(await sibling.extend([live!.id], LEASE)).toEqual([live!.id]);

    // Another worker id never reclaims; the restarted one frees only the unrenewed lease.
    expect(await other.reclaimOwn(LEASE, 5_000)).toBe(0);
    const restarted = worker('host:worker');
    expect(await restarted.reclaimOwn(LEASE, 5_000)).toBe(1);
    const [again] = await restarted.claim('k', 10, LEASE);
    expect(again?.id).toBe(dead!.id);
    expect(await sibling.extend([live!.id], LEASE)).toEqual([live!.id]);
  });
});
