import type { Clock } from '../../kernel/clock';
import type { Logger } from '../../kernel/logger';
import type { JobQueue } from '../../queue/job-queue';
import type { Db } from '../../storage/database';
import type { MessagesTable } from '../../storage/schema';
import { DISPATCH_JOB, type DispatchPayload, type Outcomes, type SendOutcome } from '../messaging';
import { RouteError } from './route-port';
import type { Router } from './router';

const LEASE_MS = 60_000;
const MAX_ATTEMPTS = 6;
const CONCURRENCY = 256;

/** Exponential backoff with jitter: about 2 s, 4 s, 8 s … capped at 5 minutes. */
export function retryDelayMs(attempt: number): number {
  const base = Math.min(300_000, 1000 * 2 ** attempt);
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

/**
 * The dispatch worker: claims dispatch jobs, hands each queued message to its route (failing over on
 * retryable errors), and records every outcome in one transaction with the job's completion. A message
 * that is no longer queued (sent by a previous run that died before completing the job) is skipped, so
 * running a job twice never sends twice what was recorded as sent.
 */
export function createDispatcher(deps: {
  db: Db;
  clock: Clock;
  queue: JobQueue;
  router: Router;
  outcomes: Outcomes;
  logger: Logger;
}) {
  const { db, clock } = deps;

  async function sendOne(message: MessagesTable): Promise<SendOutcome> {
    const now = clock.now();
    if (message.valid_until !== null && Number(message.valid_until) <= now) return { kind: 'expired' };
    let lastError: RouteError | null = null;
    let lastRoute: string | null = null;
    const routes = deps.router.routesFor(message);
    for (const [index, route] of routes.entries()) {
      lastRoute = route.id;
      // A route with no live bind would only time out: go straight to the failover, if there is one.
      if (index < routes.length - 1 && route.health().connectedBinds === 0) {
        lastError = new RouteError(true, 'route_down', `route ${route.id} has no connected bind`);
        continue;
      }
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
        });
        return { kind: 'sent', routeId: route.id, carrierRef: result.carrierRef, partRefs: result.partRefs };
      } catch (error) {
        const routeError =
          error instanceof RouteError
            ? error
            : new RouteError(true, 'route_exception', String((error as Error)?.message ?? error));
        if (!routeError.retryable)
          return {
            kind: 'failed',
            routeId: route.id,
            code: `route_${routeError.code}`,
            detail: routeError.message,
          };
        lastError = routeError;
      }
    }
    const attempts = Number(message.attempts) + 1;
    if (attempts >= MAX_ATTEMPTS) {
      return {
        kind: 'failed',
        routeId: lastRoute,
        code: 'route_unavailable',
        detail: `Gave up after ${attempts} attempts: ${lastError?.message ?? 'no route'}`,
      };
    }
    return {
      kind: 'retry',
      routeId: lastRoute,
      error: lastError?.message ?? 'no route',
      retryAt: now + retryDelayMs(attempts),
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
    /** Processes up to `maxJobs` due jobs; returns how many messages it handled. */
    async runOnce(maxJobs = 8): Promise<number> {
      const jobs = await deps.queue.claim<DispatchPayload>(DISPATCH_JOB, maxJobs, LEASE_MS);
      if (jobs.length === 0) return 0;
      const ids = jobs.flatMap((j) => j.payload.messageIds);
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
      const results: Array<{ message: MessagesTable; outcome: SendOutcome }> = [];
      let next = 0;
      const workers = Array.from({ length: Math.min(CONCURRENCY, messages.length) }, async () => {
        while (next < messages.length) {
          const message = messages[next++]!;
          if (closed.has(message.account_id)) {
            results.push({
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
          results.push({ message, outcome: await sendOne(message) });
        }
      });
      await Promise.all(workers);
      await db.transaction().execute(async (tx) => {
        await deps.outcomes.applySendOutcomes(tx, results);
        await deps.queue.complete(
          tx,
          jobs.map((j) => j.id),
        );
      });
      return messages.length || jobs.length;
    },
  };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
