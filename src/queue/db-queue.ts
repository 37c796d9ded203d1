import { randomBytes } from 'node:crypto';
import type { Clock } from '../kernel/clock';
import type { IdGenerator } from '../kernel/ids';
import type { Capabilities, Db, DbOrTx } from '../storage/database';
import type { Job, JobQueue } from './job-queue';

const INSERT_CHUNK = 500;

/** The JobQueue of the embedded default and of PostgreSQL deployments: the `jobs` table. */
export function createDbQueue(deps: {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  capabilities: Capabilities;
}): JobQueue {
  const owner = `${process.pid}-${randomBytes(4).toString('hex')}`;
  return {
    async enqueue(tx, jobs) {
      const now = deps.clock.now();
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

    async claim<P>(kind: string, limit: number, leaseMs: number): Promise<Job<P>[]> {
      const now = deps.clock.now();
      const rows = await deps.db
        .updateTable('jobs')
        .set((eb) => ({ lease_until: now + leaseMs, lease_owner: owner, attempts: eb('attempts', '+', 1) }))
        .where('id', 'in', (eb) => {
          let q = eb
            .selectFrom('jobs')
            .select('id')
            .where('kind', '=', kind)
            .where('run_at', '<=', now)
            .where('lease_until', '<=', now)
            .orderBy('run_at')
            .limit(limit);
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
