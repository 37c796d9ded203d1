import { randomBytes } from 'node:crypto';
import { type Job as BullJob, Queue, Worker } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../kernel/logger';
import { settlesWithin, within } from '../kernel/timing';
import type { DbQueue } from './db-queue';
import type { Job, JobQueue } from './job-queue';

/** How long a job may sit in Redis before the outbox publishes it again (a lost Redis job costs this). */
const TRANSIT_LEASE_MS = 5 * 60_000;
/**
 * Rows the relay claimed hold only this short lease until Redis has them (then the transit lease): a
 * relay killed between claiming and publishing strands them seconds, not the transit lease.
 */
export const RELAY_CLAIM_LEASE_MS = 10_000;
const RELAY_BATCH = 500;
/**
 * Every Redis call gives up after this long: a paused or unreachable Redis slows the relay and the
 * consumers down, it never holds anything else (and never a database transaction) waiting.
 */
const COMMAND_TIMEOUT_MS = 3_000;
const CONNECT_TIMEOUT_MS = 3_000;
/** How long closing waits for BullMQ to let go before the connections are cut. */
const CLOSE_WAIT_MS = 3_000;
/**
 * The longest a publish or a fetch may take. BullMQ waits for its connection to be ready before it sends
 * a command, and with Redis gone that wait has no end (the command timeout starts only once it is sent):
 * a run of the relay or of dispatch would hang there, and with it the process's shutdown.
 */
const CALL_WAIT_MS = 5_000;

/** `call`, or a rejection once it has taken CALL_WAIT_MS (what it does later is ignored). */
const withinCallWait = <T>(call: Promise<T>, what: string) =>
  within(call, CALL_WAIT_MS, () => new Error(`Redis: ${what} took over ${CALL_WAIT_MS} ms`));

/** How often BullMQ looks for jobs whose worker died (lock expired) and puts them back in the queue. */
const STALLED_INTERVAL_MS = 10_000;

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
 * (so nothing accepted is lost when Redis is away), the relay publishes it once committed (holding the
 * row a few seconds while it publishes, then for the transit lease once Redis has it), a consumer
 * takes over its row in the table (only the publication it received: the row's attempt count is part
 * of the BullMQ job id) and renews both the row's lease and the BullMQ lock while it works, and
 * completing deletes the row in the transaction that records the effect; BullMQ hears of it only after
 * that commit ({@link JobQueue.release}). Whatever Redis loses (a crash, a flush) comes back when the
 * table lease runs out, so handlers must stay safe to run twice, as with the database queue.
 */
export function createRedisQueue(deps: {
  outbox: DbQueue;
  url: string;
  prefix?: string;
  logger: Logger;
  /** How often to look for jobs whose worker died (default STALLED_INTERVAL_MS; tests shorten it). */
  stalledIntervalMs?: number;
}): RedisQueue {
  const bounded: RedisOptions = {
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    lazyConnect: false,
  };
  // Producer (relay): a failed publish is retried by the next relay from the table, so fail fast.
  const producer = new Redis(deps.url, { ...bounded, maxRetriesPerRequest: 1 });
  // BullMQ refuses a worker connection with a retry limit; commandTimeout bounds its calls instead
  // (consumers never block: jobs are fetched with `block: false`).
  const consumer = new Redis(deps.url, { ...bounded, maxRetriesPerRequest: null });
  for (const connection of [producer, consumer])
    connection.on('error', (error) => deps.logger.warn({ err: error }, 'redis connection error'));
  // A Redis that restarted without its data lost every job in transit: publish them again at once
  // rather than after their transit lease. (Another publication of a row that was not lost is dropped
  // by the consumer that takes it: its attempt count is no longer the row's.)
  let runId: string | null = null;
  producer.on('ready', () => {
    producer
      .info('server')
      .then(async (info) => {
        const id = /run_id:(\w+)/.exec(info)?.[1] ?? null;
        const restarted = runId !== null && id !== null && id !== runId;
        runId = id ?? runId;
        if (!restarted) return;
        const n = await deps.outbox.unpublishAll();
        deps.logger.warn({ jobs: n }, 'Redis restarted empty: jobs in transit published again');
      })
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'could not check for a Redis restart'));
  });
  const prefix = deps.prefix ?? 'smsgate';
  const queues = new Map<string, Queue>();
  const workers = new Map<string, Worker>();
  const token = `${process.pid}-${randomBytes(6).toString('hex')}`;
  // Redis jobs taken by this process and not yet finished, by outbox id.
  const held = new Map<string, BullJob>();

  // BullMQ reads Redis's version when a Queue or Worker first connects and keeps that answer for the
  // object's whole life: a Redis paused at that moment (the command times out) would leave the object
  // failing every call for ever. So no version check (Redis ≥ 6.2 is documented), and an object whose
  // call failed is dropped and made again on the next use.
  const bullOptions = { connection: producer, prefix, skipVersionCheck: true };
  const drop = <T extends { close(): Promise<void> }>(map: Map<string, T>, kind: string) => {
    const object = map.get(kind);
    map.delete(kind);
    void object?.close().catch(() => undefined);
  };
  const queueOf = (kind: string) => {
    let q = queues.get(kind);
    if (!q) {
      q = new Queue(kind, bullOptions);
      q.on('error', (error) => deps.logger.warn({ err: error, kind }, 'redis queue error'));
      queues.set(kind, q);
    }
    return q;
  };
  const workerOf = (kind: string, leaseMs: number) => {
    let w = workers.get(kind);
    if (!w) {
      w = new Worker(kind, null, {
        ...bullOptions,
        connection: consumer,
        autorun: false,
        lockDuration: leaseMs,
        stalledInterval: deps.stalledIntervalMs ?? STALLED_INTERVAL_MS,
        // A stalled job goes back to the queue however often it stalls: the table decides its fate.
        maxStalledCount: Number.MAX_SAFE_INTEGER,
      });
      w.on('error', (error) => deps.logger.warn({ err: error, kind }, 'redis worker error'));
      // Without autorun BullMQ never looks for stalled jobs by itself: a job whose worker died would
      // stay "active" forever. The checker runs once now, then every STALLED_INTERVAL_MS.
      void w
        .startStalledCheckTimer()
        .catch((error: unknown) =>
          deps.logger.warn({ err: error, kind }, 'stalled-job check failed to start'),
        );
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
  /** The attempt count in a BullMQ job id `outboxId.attempts` (see relay). */
  const attemptsOf = (job: BullJob) => Number(String(job.id).split('.').pop());

  return {
    enqueue: (tx, jobs) => deps.outbox.enqueue(tx, jobs),

    async relay() {
      const due = await deps.outbox.claimAnyKind(RELAY_BATCH, RELAY_CLAIM_LEASE_MS);
      const byKind = new Map<string, Job[]>();
      for (const job of due) {
        const list = byKind.get(job.kind);
        if (list) list.push(job);
        else byKind.set(job.kind, [job]);
      }
      for (const [kind, jobs] of byKind) {
        try {
          // One Redis job per claim of an outbox row: a republished row gets a new id, a replayed add does not.
          await withinCallWait(
            queueOf(kind).addBulk(
              jobs.map((j) => ({
                name: kind,
                data: { id: j.id, payload: j.payload } satisfies Envelope,
                opts: { jobId: `${j.id}.${j.attempts}`, removeOnComplete: true, removeOnFail: true },
              })),
            ),
            'publishing jobs',
          );
        } catch (error) {
          // Redis away: the rows go back to the outbox at once rather than after the claim lease.
          drop(queues, kind);
          await deps.outbox.unpublish(jobs.map((j) => j.id));
          throw error;
        }
        // In Redis now: a consumer takes them when it is free, however long the queue.
        await deps.outbox.published(
          jobs.map((j) => j.id),
          TRANSIT_LEASE_MS,
        );
      }
      return due.length;
    },

    async claim<P>(kind: string, limit: number, leaseMs: number): Promise<Job<P>[]> {
      const worker = workerOf(kind, leaseMs);
      const taken: BullJob[] = [];
      while (taken.length < limit) {
        let job: BullJob | undefined;
        try {
          job = (await withinCallWait(worker.getNextJob(token, { block: false }), 'fetching a job')) as
            | BullJob
            | undefined;
        } catch (error) {
          // Jobs taken before the failure are handled below; none taken: the loop retries later.
          if (workers.get(kind) === worker) drop(workers, kind);
          if (taken.length === 0) throw error;
          break;
        }
        if (!job) break;
        taken.push(job);
      }
      if (taken.length === 0) return [];
      // A job this process is still running, back from the stalled check (its lock could not be renewed:
      // Redis was away, or its Worker was replaced): the run under way finishes it, so it is not run twice.
      for (let i = taken.length - 1; i >= 0; i--) {
        const job = taken[i]!;
        // The same publication (same BullMQ id), not a later one of the same row (a retry republished).
        if (held.get((job.data as Envelope).id)?.id !== job.id) continue;
        taken.splice(i, 1);
        await job.moveToCompleted(null, token, false).catch(() => undefined);
      }
      if (taken.length === 0) return [];
      const envelopes = taken.map((j) => j.data as Envelope);
      const live = await deps.outbox.takeOver(
        taken.map((job, i) => ({ id: envelopes[i]!.id, attempts: attemptsOf(job) })),
        leaseMs,
      );
      const claimed: Job<P>[] = [];
      for (const [i, job] of taken.entries()) {
        const envelope = envelopes[i]!;
        held.set(envelope.id, job);
        // Completed, or an older publication of a row another worker now holds: drop it.
        if (!live.has(envelope.id)) await finish([envelope.id]);
        else
          claimed.push({ id: envelope.id, kind, payload: envelope.payload as P, attempts: attemptsOf(job) });
      }
      return claimed;
    },

    async extend(ids, leaseMs) {
      const kept = await deps.outbox.extend(ids, leaseMs);
      const keep = new Set(kept);
      for (const id of ids) {
        const job = held.get(id);
        if (!job) continue;
        if (!keep.has(id)) {
          await finish([id]);
          continue;
        }
        // BullMQ's own lock renewal runs only in its processing loop, which this queue does not use.
        try {
          await job.extendLock(token, leaseMs);
        } catch (error) {
          deps.logger.warn({ err: error, job: id }, 'could not extend a Redis job lock');
        }
      }
      return kept;
    },

    complete: (tx, ids) => deps.outbox.complete(tx, ids),

    // The row goes back to the outbox; the relay publishes it again when it is due.
    retry: (tx, id, runAt, error) => deps.outbox.retry(tx, id, runAt, error),

    release: (ids) => finish(ids),

    async close() {
      // BullMQ's close waits for a connection still being made: with Redis gone that is for ever. Give it
      // a few seconds, then cut the connections (the table holds the truth; leases run out).
      const closing = Promise.all([
        ...[...workers.values()].map((w) => w.close()),
        ...[...queues.values()].map((q) => q.close()),
      ]).catch(() => undefined);
      await settlesWithin(closing, CLOSE_WAIT_MS);
      producer.disconnect();
      consumer.disconnect();
    },
  };
}
