import { performance } from 'node:perf_hooks';
import type { Config } from '../config';
import type { Logger } from '../kernel/logger';
import { ROUTE_HEALTH_EVERY_MS } from '../modules/dispatch';
import { type Loop, startLoop } from './loops';

/** What a run may ask of the runner: when the workers started (`performance.now()`). */
export interface RunContext {
  startedAt: number;
}

/** The settings the schedule reads. */
export type ScheduleConfig = Pick<Config, 'REDIS_URL' | 'RETENTION_SWEEP_MINUTES'>;

/**
 * One kind of background work: what one run does, and how the two runners use it. `startWorkers()` gives
 * each kind its loop(s) (`startLoop`); `workOnce()` (tests) runs the kinds in table order.
 */
export interface BackgroundKind {
  /** The loop's name in logs; copies are named `name-1`, `name-2`, … */
  name: string;
  /** One run; returns how much it did (0: nothing to do, the loop waits `idleMs`). */
  run(ctx: RunContext): Promise<number>;
  /** How long a loop waits after a run that found nothing to do. */
  idleMs: number;
  /** Loops side by side (default 1). */
  copies?: number;
  /** The idle wait of the copies after the first (default `idleMs`): only the first looks for work often. */
  copyIdleMs?: number;
  /**
   * A sweep on a period: the loop waits `idleMs` after every run, whatever it did, instead of running
   * back to back while there is work.
   */
  periodic?: boolean;
  /** Whether the kind runs at all with this configuration (default: always). */
  when?(config: ScheduleConfig): boolean;
  /**
   * Its part in `workOnce()`: `first` runs once before the others; `drain` runs with the other `drain`
   * kinds, round after round in table order, until a round does nothing; `{ skip }` never, for the reason
   * given.
   */
  once: 'first' | 'drain' | { skip: string };
}

/** The modules' functions the schedule calls: each kind's run is one of them. */
export interface ScheduleDeps {
  config: ScheduleConfig;
  dispatcher: {
    runOnce(maxJobs?: number): Promise<number>;
    readonly lease: { leaseMs: number; heartbeatMs: number };
  };
  /** The database queue: takes back the jobs this WORKER_ID's previous run left leased. */
  outbox: { reclaimOwn(leaseMs: number, staleMs: number): Promise<number> };
  /** The BullMQ relay (with REDIS_URL). */
  redisQueue: { relay(): Promise<number> } | null;
  /** Every simulated route running now (the built-in one and simulated route types). */
  simulators(): ReadonlyArray<{ pump(): Promise<number> }>;
  webhooks: { deliverDue(limit: number): Promise<number> };
  /** Status callbacks of the Twilio-compatible API. */
  twilioCallbacks?: { deliverDue(limit: number): Promise<number> };
  twilioServices?: { sweep(): Promise<number> };
  imports: { runDue(): Promise<number> };
  fanout: { runDue(): Promise<number> };
  /** Inbound messages with a keyword: HELP, DATA/DELETE and the accounts' rules. */
  keywords: { runOnce(maxJobs?: number): Promise<number> };
  receipts: { rematchWaiting(): Promise<number>; expireUnreported(): Promise<number> };
  /** Carriers' stored HTTP callbacks (delivery reports, inbound). */
  routeCallbacks: { applyDue(limit?: number): Promise<number> };
  /** Writes the live figures of the routes this process holds binds for, for every process to read. */
  routeHealth: { publish(): Promise<number> };
  incidents: { warnApproachingDeadlines(): Promise<number> };
  campaignFiles: { sweep(): Promise<{ attachments: number; links: number }> };
  retention: { sweepOnce(): Promise<unknown> };
  logger: Logger;
}

/** Dispatch batches a worker process runs side by side, and the most jobs each claims at once. */
export const DISPATCH_LOOPS = 4;
export const DISPATCH_JOBS_PER_RUN = 16;

/**
 * Every kind of background work, in the order `workOnce()` runs them and the loops start. The one map:
 * `startWorkers()` and `workOnce()` both read it, so they cannot differ except where an entry says why.
 */
export function backgroundSchedule(deps: ScheduleDeps): BackgroundKind[] {
  return [
    {
      name: 'lease-reclaim',
      // A previous run of this worker (killed, crashed) left leases it no longer renews: take them back
      // now instead of waiting them out. Past one lease after boot, none of them is left.
      run: async ({ startedAt }) => {
        const { leaseMs, heartbeatMs } = deps.dispatcher.lease;
        if (performance.now() - startedAt > leaseMs) return 0;
        // Live siblings with the same WORKER_ID renew every heartbeat: theirs never look this stale.
        const n = await deps.outbox.reclaimOwn(leaseMs, 2.5 * heartbeatMs);
        if (n > 0) deps.logger.info({ jobs: n }, 'took back the jobs of this worker before its restart');
        return 0;
      },
      idleMs: 1000,
      once: {
        skip: "a restart's catch-up, for the first lease after startWorkers(): workOnce() runs in the process that queued its jobs and leaves none leased",
      },
    },
    {
      // Expiry is by the day: a slow loop is enough.
      name: 'link-sweep',
      run: async () => {
        const swept = await deps.campaignFiles.sweep();
        return swept.attachments + swept.links;
      },
      idleMs: 60_000,
      periodic: true,
      once: 'first',
    },
    {
      // The operator's health view is answered by API processes that hold no binds: from these rows.
      name: 'route-health',
      run: () => deps.routeHealth.publish(),
      idleMs: ROUTE_HEALTH_EVERY_MS,
      periodic: true,
      once: 'first',
    },
    {
      // A check every few minutes is plenty against a 72-hour deadline.
      name: 'incident-deadlines',
      run: () => deps.incidents.warnApproachingDeadlines(),
      idleMs: 5 * 60_000,
      periodic: true,
      once: 'first',
    },
    {
      name: 'queue-relay',
      run: async () => (deps.redisQueue ? deps.redisQueue.relay() : 0),
      idleMs: 20,
      when: (config) => Boolean(config.REDIS_URL),
      once: 'drain',
    },
    {
      // Several batches in flight at once: while one waits for the carrier's answers (or its tail of slow
      // submits), the next is already claimed and loaded, so the bind's window stays full. Only the first
      // looks for work often when there is none; the others join within a quarter second of a burst.
      name: 'dispatch',
      run: () => deps.dispatcher.runOnce(DISPATCH_JOBS_PER_RUN),
      idleMs: 20,
      copies: DISPATCH_LOOPS,
      copyIdleMs: 250,
      once: 'drain',
    },
    {
      name: 'simulator-receipts',
      run: async () => {
        let n = 0;
        for (const sim of deps.simulators()) n += await sim.pump();
        return n;
      },
      idleMs: 100,
      once: 'drain',
    },
    {
      // Two claims in flight: the next batch of deliveries goes out while the last of one wait for answers.
      name: 'webhooks',
      run: () => deps.webhooks.deliverDue(500),
      idleMs: 100,
      copies: 2,
      copyIdleMs: 250,
      once: 'drain',
    },
    {
      name: 'twilio-callbacks',
      run: async () => {
        // Stale sticky senders age out on this loop: the sweep runs once a minute at most and is not
        // counted as work, so a test's rounds do not wait on it.
        await deps.twilioServices?.sweep();
        return (await deps.twilioCallbacks?.deliverDue(50)) ?? 0;
      },
      idleMs: 250,
      once: 'drain',
    },
    { name: 'imports', run: () => deps.imports.runDue(), idleMs: 500, once: 'drain' },
    { name: 'campaigns', run: () => deps.fanout.runDue(), idleMs: 500, once: 'drain' },
    { name: 'keywords', run: () => deps.keywords.runOnce(), idleMs: 250, once: 'drain' },
    {
      // Stored carrier callbacks: back to back while some wait, so DLRs keep pace with the submits.
      name: 'route-callbacks',
      run: () => deps.routeCallbacks.applyDue(1000),
      idleMs: 100,
      once: 'drain',
    },
    {
      // Back to back while receipts are due: each one looked at moves to its next try (or out).
      name: 'receipt-rematch',
      run: () => deps.receipts.rematchWaiting(),
      idleMs: 2000,
      once: 'drain',
    },
    {
      // `sent` ends after each route's receipt timeout (route config `receiptTimeoutSeconds`).
      name: 'receipt-timeout',
      run: () => deps.receipts.expireUnreported(),
      idleMs: 60_000,
      once: 'drain',
    },
    {
      // Every RETENTION_SWEEP_MINUTES; the sweep itself runs in short batches until done.
      name: 'retention',
      run: async () => {
        await deps.retention.sweepOnce();
        return 0;
      },
      idleMs: deps.config.RETENTION_SWEEP_MINUTES * 60_000,
      periodic: true,
      once: {
        skip: 'purges by period (days to years): tests move the clock and call retention.sweepOnce() to read what each rule purged, as `smsgate retention sweep` does',
      },
    },
  ];
}

/** The kinds that run with this configuration. */
function active(kinds: readonly BackgroundKind[], config: ScheduleConfig): BackgroundKind[] {
  return kinds.filter((k) => k.when?.(config) ?? true);
}

/** Starts every kind's loop(s); `stop()` each returned loop to end them. */
export function startSchedule(
  kinds: readonly BackgroundKind[],
  options: { config: ScheduleConfig; logger: Logger },
): Loop[] {
  const ctx: RunContext = { startedAt: performance.now() };
  const loops: Loop[] = [];
  for (const kind of active(kinds, options.config)) {
    const copies = kind.copies ?? 1;
    const tick = kind.periodic
      ? async () => {
          await kind.run(ctx);
          return 0;
        }
      : () => kind.run(ctx);
    for (let i = 0; i < copies; i++) {
      loops.push(
        startLoop(copies === 1 ? kind.name : `${kind.name}-${i + 1}`, tick, {
          idleMs: i === 0 ? kind.idleMs : (kind.copyIdleMs ?? kind.idleMs),
          logger: options.logger,
        }),
      );
    }
  }
  return loops;
}

/**
 * One pass of the schedule (tests call it with a fake clock instead of running loops): the `first` kinds
 * once each, then the `drain` kinds round after round until a round does nothing. Returns how much was done.
 */
export async function runScheduleOnce(
  kinds: readonly BackgroundKind[],
  config: ScheduleConfig,
): Promise<number> {
  const ctx: RunContext = { startedAt: performance.now() };
  const run = active(kinds, config);
  let done = 0;
  for (const kind of run) if (kind.once === 'first') done += await kind.run(ctx);
  const rounds = run.filter((k) => k.once === 'drain');
  for (;;) {
    let n = 0;
    for (const kind of rounds) n += await kind.run(ctx);
    done += n;
    if (n === 0) return done;
  }
}
