import type { Clock } from '../kernel/clock';
import type { IdGenerator } from '../kernel/ids';
import type { Capabilities, Db, DbOrTx } from '../storage/database';
import {
  claimDue as claimLeased,
  type LeasedTable,
  leaseOwner,
  releaseLeases,
  renewLeases,
  takeBackPreviousBoot,
  whereHeld,
} from '../storage/lease';
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

const JOBS: LeasedTable = { table: 'jobs', owner: 'lease_owner' };

/** Suffix of the lease owner while a row is published to Redis and not yet taken by a consumer. */
const TRANSIT = ':transit';

/** The database queue, plus the outbox calls the Redis transport (redis-queue.ts) builds on. */
export interface DbQueue extends JobQueue {
  /** This process's lease owner: `WORKER_ID/boot token`. */
  readonly owner: string;
  /** Claims due jobs of any kind for publishing (the Redis relay publishes them all). */
  claimAnyKind(limit: number, leaseMs: number): Promise<Job[]>;
  /**
   * A consumer takes over rows it received from Redis: only the publication it holds (same attempt
   * count) and only while the row is in transit, already its own, or free. Answers the ids taken.
   */
  takeOver(jobs: Array<{ id: string; attempts: number }>, leaseMs: number): Promise<Set<string>>;
  /** Rows this process claimed for publishing are in Redis now: they hold the transit lease. */
  published(ids: string[], leaseMs: number): Promise<void>;
  /** Frees rows claimed for publishing that could not be published, so the next relay tries again. */
  unpublish(ids: string[]): Promise<void>;
  /** Frees every row in transit, whichever process published it (Redis restarted empty); answers how many. */
  unpublishAll(): Promise<number>;
  /**
   * Frees the leases a previous run of this worker (same WORKER_ID, another boot) left behind and no
   * longer renews — jobs it was running, and rows its relay claimed but never got into Redis — so a
   * restarted process takes its own work back at once instead of waiting them out.
   * A lease renewed within `staleMs` belongs to a live sibling with the same id and is left alone.
   */
  reclaimOwn(leaseMs: number, staleMs: number): Promise<number>;
}

/** The JobQueue of the embedded default and of PostgreSQL deployments: the `jobs` table. */
export function createDbQueue(deps: {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  capabilities: Capabilities;
  /** Stable name of this worker across restarts (WORKER_ID); default: this process only. */
  workerId?: string;
}): DbQueue {
  // The boot token tells this run's leases from those a previous run of the same worker left behind.
  const self = leaseOwner(deps.workerId);
  const { owner } = self;
  const transitOwner = `${owner}${TRANSIT}`;

  type ClaimParams = { kind: string; now: number; leaseUntil: number; owner: string; limit: number };
  // Built once per queue (whether rows are skipped while locked depends on the engine), then reused.
  const claimStatement = (ofKind: boolean) =>
    prepared<ClaimParams, { id: string; kind: string; payload: string; attempts: number }>((db) =>
      claimLeased(db, JOBS, {
        due: (d) => {
          let q = d.selectFrom('jobs').select('id');
          if (ofKind) q = q.where('kind', '=', slot<string>('kind'));
          return q.where('run_at', '<=', slot<number>('now')).orderBy('run_at').limit(slot<number>('limit'));
        },
        now: slot<number>('now'),
        leaseUntil: slot<number>('leaseUntil'),
        owner: slot<string>('owner'),
        skipLocked: deps.capabilities.skipLocked,
        set: (eb) => ({ attempts: eb('attempts', '+', 1) }),
      }).returning(['id', 'kind', 'payload', 'attempts']),
    );
  const claimOfKind = claimStatement(true);
  const claimOfAnyKind = claimStatement(false);

  async function claimDue<P>(kind: string | null, limit: number, leaseMs: number): Promise<Job<P>[]> {
    const now = deps.clock.now();
    const params = {
      kind: kind ?? '',
      now,
      leaseUntil: now + leaseMs,
      owner: kind === null ? transitOwner : owner,
      limit,
    };
    const { rows } = await (kind === null ? claimOfAnyKind : claimOfKind)(deps.db, params);
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      payload: JSON.parse(r.payload) as P,
      attempts: Number(r.attempts),
    }));
  }

  return {
    owner,
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

    // Only this owner's leases: a job that expired and went to another worker stays with it.
    extend: (ids, leaseMs) => renewLeases(deps.db, JOBS, ids, owner, deps.clock.now() + leaseMs),

    async takeOver(jobs, leaseMs) {
      const taken = new Set<string>();
      const now = deps.clock.now();
      const byAttempts = new Map<number, string[]>();
      for (const j of jobs) {
        const list = byAttempts.get(j.attempts);
        if (list) list.push(j.id);
        else byAttempts.set(j.attempts, [j.id]);
      }
      for (const [attempts, ids] of byAttempts) {
        const rows = await deps.db
          .updateTable('jobs')
          .set({ lease_until: now + leaseMs, lease_owner: owner })
          .where('id', 'in', ids)
          .where('attempts', '=', attempts)
          .where((eb) =>
            eb.or([
              eb('lease_owner', 'like', `%${TRANSIT}`),
              eb('lease_owner', '=', owner),
              eb('lease_owner', 'is', null),
              eb('lease_until', '<=', now),
            ]),
          )
          .returning('id')
          .execute();
        for (const r of rows) taken.add(r.id);
      }
      return taken;
    },

    async published(ids, leaseMs) {
      const now = deps.clock.now();
      for (let i = 0; i < ids.length; i += INSERT_CHUNK) {
        // Only rows still in this relay's hands: a consumer may have taken some over already.
        await whereHeld(
          deps.db
            .updateTable('jobs')
            .set({ lease_until: now + leaseMs })
            .where('id', 'in', ids.slice(i, i + INSERT_CHUNK)),
          JOBS,
          { owner: transitOwner },
        ).execute();
      }
    },

    async unpublish(ids) {
      await releaseLeases(deps.db, JOBS, ids, { owner: transitOwner });
    },

    async unpublishAll() {
      const result = await deps.db
        .updateTable('jobs')
        .set({ lease_until: 0, lease_owner: null })
        .where('lease_owner', 'like', `%${TRANSIT}`)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async reclaimOwn(leaseMs, staleMs) {
      const now = deps.clock.now();
      return takeBackPreviousBoot(deps.db, JOBS, {
        self,
        now,
        // The relay's rows of this run are its own too.
        keep: [transitOwner],
        // Renewed more than staleMs ago (every renewal sets lease_until to renewal time + leaseMs).
        where: (q) => q.where('lease_until', '<', now + leaseMs - staleMs),
      });
    },

    async complete(tx: DbOrTx, ids: string[]) {
      // A stale owner's completion does nothing: the job now belongs to whoever took it over.
      for (let i = 0; i < ids.length; i += INSERT_CHUNK) {
        await whereHeld(tx.deleteFrom('jobs').where('id', 'in', ids.slice(i, i + INSERT_CHUNK)), JOBS, {
          owner,
        }).execute();
      }
    },

    async release() {
      // Nothing outside the database to tell.
    },

    async retry(tx: DbOrTx, id: string, runAt: number, error: string) {
      await whereHeld(
        tx
          .updateTable('jobs')
          .set({ run_at: runAt, lease_until: 0, lease_owner: null, last_error: error.slice(0, 500) })
          .where('id', '=', id),
        JOBS,
        { owner },
      ).execute();
    },
  };
}
