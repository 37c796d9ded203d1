import { randomBytes } from 'node:crypto';
import { type Job as BullJob, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../kernel/logger';
import type { DbQueue } from './db-queue';
import type { Job, JobQueue } from './job-queue';

/** How long a job may sit in Redis before the outbox publishes it again (a lost Redis job costs this). */
const TRANSIT_LEASE_MS = 5 * 60_000;
const RELAY_BATCH = 500;

interface Envelope {
  id: string;
  payload: unknown;
}

export interface RedisQueue extends JobQueue {
  /** Publishes due outbox jobs to Redis; returns how many. Run by every worker process. */
  relay(): Promise<number>;
  close(): Promise<void>;
}

/**
 * The scale-out queue: BullMQ on Redis carries the work to whichever worker process is free, while the
 * `jobs` table stays the outbox and the source of truth. A job is written in the business transaction
 * (so nothing accepted is lost when Redis is away), the relay publishes it once committed, a consumer
 * renews its lease in the table when it takes it from Redis, and completing deletes the row in the
 * transaction that records the effect. Whatever Redis loses (a crash, a flush) comes back when the
 * table lease runs out, so handlers must stay safe to run twice, as with the database queue.
 */
export function createRedisQueue(deps: {
  outbox: DbQueue;
  url: string;
  prefix?: string;
  logger: Logger;
}): RedisQueue {
  const connection = new Redis(deps.url, { maxRetriesPerRequest: null, lazyConnect: false });
  connection.on('error', (error) => deps.logger.warn({ err: error }, 'redis connection error'));
  const prefix = deps.prefix ?? 'smsgate';
  const queues = new Map<string, Queue>();
  const workers = new Map<string, Worker>();
  const token = `${process.pid}-${randomBytes(6).toString('hex')}`;
  // Redis jobs taken by this process and not yet finished, by outbox id.
  const held = new Map<string, BullJob>();

  const queueOf = (kind: string) => {
    let q = queues.get(kind);
    if (!q) {
      q = new Queue(kind, { connection, prefix });
      queues.set(kind, q);
    }
    return q;
  };
  const workerOf = (kind: string, leaseMs: number) => {
    let w = workers.get(kind);
    if (!w) {
      w = new Worker(kind, null, { connection, prefix, autorun: false, lockDuration: leaseMs });
      workers.set(kind, w);
    }
    return w;
  };
  /** Marks Redis jobs done; the table row decides what really happened, so a failure here only logs. */
  async function finish(ids: string[]) {
    for (const id of ids) {
      const job = held.get(id);
      if (!job) continue;
      held.delete(id);
      try {
        await job.moveToCompleted(null, token, false);
      } catch (error) {
        deps.logger.warn({ err: error, job: id }, 'could not complete a Redis job; its lease will expire');
      }
    }
  }

  return {
    enqueue: (tx, jobs) => deps.outbox.enqueue(tx, jobs),

    async relay() {
      const due = await deps.outbox.claimAnyKind(RELAY_BATCH, TRANSIT_LEASE_MS);
      const byKind = new Map<string, Job[]>();
      for (const job of due) {
        const list = byKind.get(job.kind);
        if (list) list.push(job);
        else byKind.set(job.kind, [job]);
      }
      for (const [kind, jobs] of byKind) {
        // One Redis job per claim of an outbox row: a republished row gets a new id, a replayed add does not.
        await queueOf(kind).addBulk(
          jobs.map((j) => ({
            name: kind,
            data: { id: j.id, payload: j.payload } satisfies Envelope,
            opts: { jobId: `${j.id}.${j.attempts}`, removeOnComplete: true, removeOnFail: true },
          })),
        );
      }
      return due.length;
    },

    async claim<P>(kind: string, limit: number, leaseMs: number): Promise<Job<P>[]> {
      const worker = workerOf(kind, leaseMs);
      const taken: BullJob[] = [];
      while (taken.length < limit) {
        const job = (await worker.getNextJob(token, { block: false })) as BullJob | undefined;
        if (!job) break;
        taken.push(job);
      }
      if (taken.length === 0) return [];
      const envelopes = taken.map((j) => j.data as Envelope);
      const live = await deps.outbox.renewLeases(
        envelopes.map((e) => e.id),
        leaseMs,
      );
      const claimed: Job<P>[] = [];
      for (const [i, job] of taken.entries()) {
        const envelope = envelopes[i]!;
        held.set(envelope.id, job);
        const attempts = live.get(envelope.id);
        // Already completed by another worker (a duplicate delivery): nothing to do but drop it.
        if (attempts === undefined) await finish([envelope.id]);
        else claimed.push({ id: envelope.id, kind, payload: envelope.payload as P, attempts });
      }
      return claimed;
    },

    async complete(tx, ids) {
      await deps.outbox.complete(tx, ids);
      await finish(ids);
    },

    async retry(tx, id, runAt, error) {
      // The row goes back to the outbox; the relay publishes it again when it is due.
      await deps.outbox.retry(tx, id, runAt, error);
      await finish([id]);
    },

    async close() {
      await Promise.all([...workers.values()].map((w) => w.close()));
      await Promise.all([...queues.values()].map((q) => q.close()));
      connection.disconnect();
    },
  };
}
