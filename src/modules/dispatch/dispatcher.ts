import { setMaxListeners } from 'node:events';
import type { Clock } from '../../kernel/clock';
import type { Logger } from '../../kernel/logger';
import { pause } from '../../kernel/timing';
import type { Job, JobQueue } from '../../queue/job-queue';
import type { Db } from '../../storage/database';
import { storageFault } from '../../storage/faults';
import type { MessagesTable } from '../../storage/schema';
import { DISPATCH_JOB, type DispatchPayload, type Outcomes, type SendOutcome } from '../messaging';
import { RouteError } from '../route-port';
import type { Router } from './router';

/** A claimed job is the worker's for this long past its last renewal. */
export const DISPATCH_LEASE_MS = 30_000;
/** Leases are renewed this often while a batch runs, so a slow or throttled carrier never outlives them. */
export const DISPATCH_HEARTBEAT_MS = 2_000;
const MAX_ATTEMPTS = 6;
const CONCURRENCY = 256;
/** Most outcomes written by one transaction while submits go on (more wait for the next one). */
const FLUSH_MAX = 500;
/** How many busy answers one message may get in one run before it is retried later like any error. */
const MAX_BUSY_RESUBMITS = 40;
/** Recording the run's last outcomes while the database is away: after 250 ms, doubling, about 30 s in all. */
const FINAL_WRITE_RETRY_FIRST_MS = 250;
const FINAL_WRITE_RETRY_LAST_MS = 16_000;

type Result = { message: MessagesTable; outcome: SendOutcome };

/**
 * Writes send outcomes as they come back, group-commit style: a transaction starts as soon as one
 * result waits and none is being written, and it takes every result that waits. So a crash loses the
 * record of only what was in flight at the carrier or in the last unfinished transaction, and a busy
 * dispatcher writes in large batches. A failed write keeps its results for the next one.
 */
function createOutcomeWriter(write: (batch: Result[]) => Promise<void>) {
  let pending: Result[] = [];
  let writing: Promise<void> | null = null;
  let failed = false;
  const kick = () => {
    if (writing || failed || pending.length === 0) return;
    const batch = pending.length > FLUSH_MAX ? pending.splice(0, FLUSH_MAX) : pending;
    if (batch === pending) pending = [];
    writing = write(batch)
      .catch(() => {
        // The database is away: keep them for the final write, which reports the error if it persists.
        failed = true;
        pending = batch.concat(pending);
      })
      .finally(() => {
        writing = null;
        kick();
      });
  };
  return {
    add(result: Result) {
      pending.push(result);
      kick();
    },
    /** Waits for the write under way; answers what is left to write. */
    async drain(): Promise<Result[]> {
      while (writing) await writing;
      const rest = pending;
      pending = [];
      return rest;
    },
  };
}

/** Exponential backoff with jitter: about 2 s, 4 s, 8 s … capped at 5 minutes. */
export function retryDelayMs(attempt: number): number {
  const base = Math.min(300_000, 1000 * 2 ** attempt);
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

/**
 * The dispatch worker: claims dispatch jobs, hands each queued message to its route (failing over on
 * retryable errors), and records each outcome as it comes back (see createOutcomeWriter); the jobs are
 * completed with the last outcomes. A message that is no longer queued (sent by a previous run that died
 * before completing the job) is skipped, so running a job again re-sends at most what was in flight.
 * While a batch runs its leases are renewed every heartbeat; a job found to belong to another worker
 * (its lease ran out meanwhile) sends no further message.
 */
export function createDispatcher(deps: {
  db: Db;
  clock: Clock;
  queue: JobQueue;
  router: Router;
  outcomes: Outcomes;
  logger: Logger;
  /** Lease and heartbeat (tests shorten them). */
  settings?: { leaseMs?: number; heartbeatMs?: number };
}) {
  const { db, clock } = deps;
  const leaseMs = deps.settings?.leaseMs ?? DISPATCH_LEASE_MS;
  const heartbeatMs = deps.settings?.heartbeatMs ?? DISPATCH_HEARTBEAT_MS;

  /** The outcome of handing one message to its routes; null when withdrawn (the job went to another worker). */
  async function sendOne(message: MessagesTable, signal: AbortSignal): Promise<SendOutcome | null> {
    const now = clock.now();
    if (message.valid_until !== null && Number(message.valid_until) <= now) return { kind: 'expired' };
    let lastError: RouteError | null = null;
    let lastRoute: string | null = null;
    const plan = deps.router.plan?.(message);
    const routes = plan ? plan.routes : deps.router.routesFor(message);
    // Why the route was chosen, with the failovers taken on the way, as the message will record it.
    const skipped: string[] = [];
    const routing = (routeId: string) =>
      plan
        ? JSON.stringify({
            rule: plan.rule,
            strategy: plan.strategy,
            reason: (skipped.length > 0 && routes[0]?.id !== routeId
              ? `${plan.reason}; failover to ${routeId} (${skipped.join(', ')})`
              : plan.reason
            ).slice(0, 500),
          })
        : null;
    for (const [index, route] of routes.entries()) {
      lastRoute = route.id;
      // A route with no live bind would only time out: go straight to the failover, if there is one.
      if (index < routes.length - 1 && route.health().connectedBinds === 0) {
        lastError = new RouteError('unreachable', `route ${route.id} has no connected bind`);
        skipped.push(`${route.id} ${lastError.code}`);
        continue;
      }
      for (let busy = 0; ; busy++) {
        try {
          const result = await route.send({
            messageId: message.id,
            accountId: message.account_id,
            to: message.to_number,
            from: message.sender,
            text: message.text,
            encoding: message.encoding,
            segments: Number(message.segments),
            validUntil: message.valid_until === null ? null : Number(message.valid_until),
            type: message.type,
            signal,
          });
          const unit = deps.router.costOf?.(route.id, message) ?? null;
          return {
            kind: 'sent',
            routeId: route.id,
            carrierRef: result.carrierRef,
            partRefs: result.partRefs,
            cost: unit === null ? null : unit * Number(message.segments),
            routing: routing(route.id),
          };
        } catch (error) {
          lastError =
            error instanceof RouteError
              ? error
              : new RouteError('carrier_error', String((error as Error)?.message ?? error));
        }
        // Throttling (or a full queue) is the carrier pacing us, not a failure: the route pauses the bind,
        // and the message waits its turn there (a later retry job would cost seconds of back-off and an attempt).
        if (signal.aborted) return null;
        if (lastError.code !== 'throttled' || busy >= MAX_BUSY_RESUBMITS) break;
      }
      skipped.push(`${route.id} ${lastError.code}`);
      if (!lastError.retryable)
        return {
          kind: 'failed',
          routeId: route.id,
          code: lastError.code,
          carrierCode: lastError.carrierCode,
          detail: lastError.message,
          routing: routing(route.id),
        };
    }
    const attempts = Number(message.attempts) + 1;
    if (attempts >= MAX_ATTEMPTS) {
      return {
        kind: 'failed',
        routeId: lastRoute,
        code: 'route_unavailable',
        carrierCode: lastError?.carrierCode ?? null,
        detail: `Gave up after ${attempts} attempts: ${lastError?.message ?? 'no route'}`,
      };
    }
    return {
      kind: 'retry',
      routeId: lastRoute,
      error: lastError?.message ?? 'no route',
      // A carrier that said when to come back (Retry-After) is not asked sooner.
      retryAt: now + Math.max(retryDelayMs(attempts), lastError?.retryAfterMs ?? 0),
    };
  }

  /**
   * Marks the loaded messages `sending` before any reaches a route, with an UPDATE conditional on the
   * status they were loaded with: a client's cancel (an UPDATE conditional on `scheduled`/`queued`) and
   * this claim cannot both match a row. Messages that lost to a cancel are dropped from `messages`.
   */
  async function claim(messages: MessagesTable[]): Promise<void> {
    const fresh = messages.filter((m) => m.status !== 'sending').map((m) => m.id);
    if (fresh.length === 0) return;
    const now = clock.now();
    const claimed = new Set<string>();
    for (let i = 0; i < fresh.length; i += 500) {
      const rows = await db
        .updateTable('messages')
        .set({ status: 'sending', updated_at: now })
        .where('id', 'in', fresh.slice(i, i + 500))
        .where((eb) =>
          eb.or([
            eb('status', '=', 'queued'),
            eb.and([eb('status', '=', 'scheduled'), eb('campaign_id', 'is', null)]),
          ]),
        )
        .returning('id')
        .execute();
      for (const r of rows) claimed.add(r.id);
    }
    let kept = 0;
    for (const m of messages) {
      if (m.status === 'sending' || claimed.has(m.id)) {
        if (m.status !== 'sending') m.status = 'sending';
        messages[kept++] = m;
      }
    }
    messages.length = kept;
  }

  return {
    /** The lease this dispatcher claims jobs with, and how often it renews it. */
    lease: { leaseMs, heartbeatMs },
    /** Processes up to `maxJobs` due jobs; returns how many messages it handled. */
    async runOnce(maxJobs = 8): Promise<number> {
      const jobs = await deps.queue.claim<DispatchPayload>(DISPATCH_JOB, maxJobs, leaseMs);
      if (jobs.length === 0) return 0;
      // The jobs are claimed: a failed freshness check (the database away a moment) must not drop them
      // until their lease runs out. They are routed with what this process knows.
      await deps.router
        .refresh?.()
        .catch((err: unknown) =>
          deps.logger.warn(
            { err },
            'could not check routes and rules for changes; routing with the last ones read',
          ),
        );
      const jobIds = jobs.map((j) => j.id);
      // Jobs whose lease went to another worker: their messages are its to send now. Aborting a job's
      // signal withdraws its messages still waiting in a route's queue.
      const lost = new Set<string>();
      const signals = new Map(
        jobIds.map((id) => {
          const controller = new AbortController();
          // Each of the job's messages waiting in a route's queue listens to it: a bulk job has hundreds.
          setMaxListeners(0, controller.signal);
          return [id, controller];
        }),
      );
      const lose = (id: string) => {
        lost.add(id);
        signals.get(id)?.abort();
      };
      let renewing = false;
      const run = { completing: false };
      let lastRenewal = performance.now();
      const heartbeat = setInterval(() => {
        if (renewing) return;
        renewing = true;
        const held = jobIds.filter((id) => !lost.has(id));
        deps.queue
          .extend(held, leaseMs)
          .then((kept) => {
            lastRenewal = performance.now();
            // The run is recording its last outcomes and completing its jobs: a row missing now was
            // completed by that commit, not taken over, and nothing is left to withdraw.
            if (run.completing) return;
            const keep = new Set(kept);
            for (const id of held) if (!keep.has(id)) lose(id);
            if (lost.size > 0)
              deps.logger.warn({ jobs: [...lost] }, 'dispatch jobs taken over by another worker');
          })
          .catch((error: unknown) => {
            deps.logger.warn({ err: error }, 'could not renew dispatch leases');
            // Unrenewed for most of the lease: another worker may take the jobs any moment; stop sending.
            if (performance.now() - lastRenewal > leaseMs / 2) for (const id of held) lose(id);
          })
          .finally(() => {
            renewing = false;
          });
      }, heartbeatMs);
      try {
        return await dispatch(jobs, lost, signals, run);
      } finally {
        clearInterval(heartbeat);
      }
    },
  };

  async function dispatch(
    jobs: Array<Job<DispatchPayload>>,
    lost: Set<string>,
    signals: Map<string, AbortController>,
    run: { completing: boolean },
  ): Promise<number> {
    const jobsOf = new Map<string, string[]>();
    for (const job of jobs)
      for (const id of job.payload.messageIds) {
        const list = jobsOf.get(id);
        if (list) list.push(job.id);
        else jobsOf.set(id, [job.id]);
      }
    const ids = [...jobsOf.keys()];
    const messages: MessagesTable[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      messages.push(
        ...(await db
          .selectFrom('messages')
          .selectAll()
          .where('id', 'in', ids.slice(i, i + 500))
          // A held campaign message (paused campaign) stays put even if an older job names it;
          // `sending` is one this job claimed on an earlier run (a retry, or a run that died).
          .where((eb) =>
            eb.or([
              eb('status', 'in', ['queued', 'sending']),
              eb.and([eb('status', '=', 'scheduled'), eb('campaign_id', 'is', null)]),
            ]),
          )
          .execute()),
      );
    }
    await claim(messages);
    // A send accepted just before its account was closed (the closure cancels what is pending, but
    // this one committed after it) must not reach a carrier: it fails here and its credits go back.
    const accountIds = [...new Set(messages.map((m) => m.account_id))];
    const closed = new Set(
      accountIds.length === 0
        ? []
        : (
            await db
              .selectFrom('accounts')
              .select('id')
              .where('id', 'in', accountIds)
              .where('status', '=', 'closed')
              .execute()
          ).map((a) => a.id),
    );
    const writer = createOutcomeWriter((batch) =>
      db.transaction().execute((tx) => deps.outcomes.applySendOutcomes(tx, batch)),
    );
    const mine = (message: MessagesTable) => !(jobsOf.get(message.id) ?? []).some((id) => lost.has(id));
    let next = 0;
    const workers = Array.from({ length: Math.min(CONCURRENCY, messages.length) }, async () => {
      while (next < messages.length) {
        const message = messages[next++]!;
        if (!mine(message)) continue;
        if (closed.has(message.account_id)) {
          writer.add({
            message,
            outcome: {
              kind: 'failed',
              routeId: null,
              code: 'account_closed',
              detail: 'The account was closed before this message was sent.',
            },
          });
          continue;
        }
        const jobId = (jobsOf.get(message.id) ?? [])[0]!;
        const outcome = await sendOne(message, signals.get(jobId)!.signal);
        if (outcome) writer.add({ message, outcome });
      }
    });
    await Promise.all(workers);
    const rest = await writer.drain();
    run.completing = true;
    // What the carrier accepted must be recorded: given up on, the job would run again once its lease
    // ran out and send these messages a second time. So a database that is away (connections cut, a
    // failover) is waited for, while the heartbeat keeps the leases.
    for (let wait = FINAL_WRITE_RETRY_FIRST_MS; ; wait *= 2) {
      try {
        const done = jobs.map((j) => j.id).filter((id) => !lost.has(id));
        await db.transaction().execute(async (tx) => {
          if (rest.length > 0) await deps.outcomes.applySendOutcomes(tx, rest);
          await deps.queue.complete(tx, done);
        });
        break;
      } catch (error) {
        if (storageFault(error) !== 'unavailable' || wait > FINAL_WRITE_RETRY_LAST_MS) throw error;
        deps.logger.warn(
          { err: error, outcomes: rest.length, retryInMs: wait },
          'could not record send outcomes; the database is away, trying again',
        );
        await pause(wait);
      }
    }
    // Only now, the database committed: the transport (Redis) is never waited on inside a transaction.
    void deps.queue.release(jobs.map((j) => j.id)).catch((error: unknown) => {
      deps.logger.warn({ err: error }, 'could not release dispatch jobs; their leases will expire');
    });
    return messages.length || jobs.length;
  }
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
