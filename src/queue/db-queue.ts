import { randomBytes } from 'node:crypto';
import type { Clock } from '../kernel/clock';
import type { IdGenerator } from '../kernel/ids';
import type { Capabilities, Db, DbOrTx } from '../storage/database';
import { prepared, slot } from '../storage/prepared';
import type { Job, JobQueue } from './job-queue';

const INSERT_CHUNK = 500;

/** A single-recipient send writes one job: compiled once. */
const insertOneJob = prepared<{ id: string; kind: string; payload: string; runAt: number; now: number }>(
  (db) =>
    db.insertInto('jobs').values({
      id: slot('id'),
      kind: slot('kind'),
      payload: slot('payload'),
      run_at: slot('runAt'),
      attempts: 0,
      lease_until: 0,
      lease_owner: null,
      last_error: null,
      created_at: slot('now'),
    }),
);

/** The database queue, plus the outbox calls the Redis transport (redis-queue.ts) builds on. */
export interface DbQueue extends JobQueue {
  /** Claims due jobs of any kind (the Redis relay publishes them all). */
  claimAnyKind(limit: number, leaseMs: number): Promise<Job[]>;
  /** Renews the lease of jobs that still exist; answers those ids with their attempt counts. */
  renewLeases(ids: string[], leaseMs: number): Promise<Map<string, number>>;
}

/** The JobQueue of the embedded default and of PostgreSQL deployments: the `jobs` table. */
export function createDbQueue(deps: {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  capabilities: Capabilities;
}): DbQueue {
  const owner = `${process.pid}-${randomBytes(4).toString('hex')}`;

  async function claimDue<P>(kind: string | null, limit: number, leaseMs: number): Promise<Job<P>[]> {
    const now = deps.clock.now();
    const rows = await deps.db
      .updateTable('jobs')
      .set((eb) => ({ lease_until: now + leaseMs, lease_owner: owner, attempts: eb('attempts', '+', 1) }))
      .where('id', 'in', (eb) => {
        let q = eb.selectFrom('jobs').select('id');
        if (kind !== null) q = q.where('kind', '=', kind);
        q = q.where('run_at', '<=', now).where('lease_until', '<=', now).orderBy('run_at').limit(limit);
        // Other workers skip rows being claimed instead of queueing behind them.
        if (deps.capabilities.skipLocked) q = q.forUpdate().skipLocked();
        return q;
      })
      .where('lease_until', '<=', now)
      .returning(['id', 'kind', 'payload', 'attempts'])
      .execute();
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      payload: JSON.parse(r.payload) as P,
      attempts: Number(r.attempts),
    }));
  }

  return {
    async enqueue(tx, jobs) {
      const now = deps.clock.now();
      if (jobs.length === 1) {
        const job = jobs[0]!;
        await insertOneJob(tx, {
          id: deps.ids('job'),
          kind: job.kind,
          payload: JSON.stringify(job.payload),
          runAt: job.runAt ?? now,
          now,
        });
        return;
      }
      for (let i = 0; i < jobs.length; i += INSERT_CHUNK) {
        await tx
          .insertInto('jobs')
          .values(
            jobs.slice(i, i + INSERT_CHUNK).map((j) => ({
              id: deps.ids('job'),
              kind: j.kind,
              payload: JSON.stringify(j.payload),
              run_at: j.runAt ?? now,
              attempts: 0,
              lease_until: 0,
              lease_owner: null,
              last_error: null,
              created_at: now,
            })),
          )
          .execute();
      }
    },

    claim: (kind, limit, leaseMs) => claimDue(kind, limit, leaseMs),
    claimAnyKind: (limit, leaseMs) => claimDue(null, limit, leaseMs),

    async renewLeases(ids, leaseMs) {
      const found = new Map<string, number>();
      if (ids.length === 0) return found;
      const rows = await deps.db
        .updateTable('jobs')
        .set({ lease_until: deps.clock.now() + leaseMs, lease_owner: owner })
        .where('id', 'in', ids)
        .returning(['id', 'attempts'])
        .execute();
      for (const r of rows) found.set(r.id, Number(r.attempts));
      return found;
    },

    async complete(tx: DbOrTx, ids: string[]) {
      for (let i = 0; i < ids.length; i += INSERT_CHUNK) {
        await tx
          .deleteFrom('jobs')
          .where('id', 'in', ids.slice(i, i + INSERT_CHUNK))
          .execute();
      }
    },

    async retry(tx: DbOrTx, id: string, runAt: number, error: string) {
      await tx
        .updateTable('jobs')
        .set({ run_at: runAt, lease_until: 0, lease_owner: null, last_error: error.slice(0, 500) })
        .where('id', '=', id)
        .execute();
    },
  };
}
