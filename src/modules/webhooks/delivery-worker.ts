/**
 * The delivery worker: claims due deliveries under a lease (held ones of a previous boot taken back once),
 * POSTs them signed (Standard Webhooks) a few at a time, and hands each result to the recorder. Also makes
 * the single attempt a client asks for ("Send test event", "Redeliver") on a delivery the caller holds.
 */
import { sql } from 'kysely';
import { chunks } from '../../storage/chunk';
import { untilStorageBack } from '../../storage/faults';
import { claimDue as claimLeased, takeBackPreviousBoot } from '../../storage/lease';
import { prepared, slot } from '../../storage/prepared';
import type { WebhookDeliveriesTable, WebhookEndpointsTable } from '../../storage/schema-webhooks';
import type { PostOutcome } from './ports';
import type { ResultRecorder } from './results';
import { CLAIMED_COLUMNS, type ClaimedDelivery, DELIVERIES, type WebhooksContext } from './shared';
import { signWebhook } from './signing';

export function createDeliveryWorker(ctx: WebhooksContext, results: ResultRecorder) {
  const { db, clock, logger, capabilities, timeoutMs, concurrency, sender, owner, self, idsPerQuery } = ctx;
  const { recordResults, resultWriter } = results;
  let tookBackOwn = false;

  /**
   * Claims due deliveries for this worker: only rows whose lease it actually set come back. Built once
   * (the engine's capabilities do not change), then run with new values.
   */
  const claimDue = prepared<
    { now: number; leaseUntil: number; owner: string; limit: number },
    ClaimedDelivery
  >((executor) => {
    const now = slot<number>('now');
    // The lease condition is repeated outside the due query (see claimDue): no delivery is ever held by two
    // workers. Where several writers can change a row between the due query and the update, its status is
    // checked again too. With one writer that cannot happen, and the check would cost: without statistics
    // SQLite then walks every pending row through the status index to find the few claimed ones (16 ms a
    // claim at 100,000 pending).
    let claim = claimLeased(executor, DELIVERIES, {
      alias: 'd',
      // A status of a message waits while an earlier one of the same message is pending for the endpoint
      // (ids sort by creation): receivers get `sent` before `delivered`. Only the held rows pay for it, and
      // the partial index of pending deliveries answers the check.
      due: (d, free) =>
        d
          .selectFrom('webhook_deliveries as d')
          .select('d.id')
          .where('d.status', '=', 'pending')
          .where('d.next_attempt_at', '<=', now)
          .where(free)
          .where((eb) =>
            eb.or([
              eb('d.order_key', 'is', null),
              eb.not(
                eb.exists(
                  eb
                    .selectFrom('webhook_deliveries as e')
                    .select(sql.lit(1).as('one'))
                    .whereRef('e.endpoint_id', '=', 'd.endpoint_id')
                    .whereRef('e.order_key', '=', 'd.order_key')
                    .where('e.status', '=', sql.lit('pending'))
                    .whereRef('e.id', '<', 'd.id'),
                ),
              ),
            ]),
          )
          .orderBy('d.next_attempt_at')
          .limit(slot<number>('limit')),
      now,
      leaseUntil: slot<number>('leaseUntil'),
      owner: slot<string>('owner'),
      skipLocked: capabilities.skipLocked,
    });
    if (capabilities.multipleWriters) claim = claim.where('status', '=', 'pending');
    return claim.returning(CLAIMED_COLUMNS);
  });

  async function claim(limit: number, now: number): Promise<ClaimedDelivery[]> {
    // Long enough for every claimed delivery to wait its turn in the pool and then time out.
    const leaseUntil = now + timeoutMs * Math.ceil(limit / concurrency) + 30_000;
    return (await claimDue(db, { now, leaseUntil, owner, limit })).rows;
  }

  /**
   * Frees the deliveries a previous boot of this worker (same WORKER_ID, another boot token) still holds:
   * it was killed mid-attempt, and its long claim lease (see `claim`) would otherwise hold them back for
   * a minute or more. Done once, before this boot's first claim: every lease of a previous boot was taken
   * before this boot started, and one pass leaves the leases of other worker ids, and any taken later,
   * alone. (Renewing a short lease while attempts run would also free them, but only after that lease,
   * twice the request timeout, and with a renewal write per heartbeat.) Two live processes must not share
   * a WORKER_ID: one's attempts in flight would be sent again (same `webhook-id`) and its results dropped.
   */
  function takeBackOwn(now: number): Promise<number> {
    return takeBackPreviousBoot(db, DELIVERIES, {
      self,
      now,
      where: (q) => q.where('status', '=', 'pending'),
    });
  }

  /**
   * The Standard Webhooks headers of one attempt: `webhook-id` is the event id (the same for every attempt,
   * receivers de-duplicate on it); during a secret rotation the signature is given with each secret.
   */
  function signedHeaders(
    endpoint: Pick<WebhookEndpointsTable, 'secret' | 'previous_secret' | 'previous_secret_expires_at'>,
    delivery: Pick<WebhookDeliveriesTable, 'event_id' | 'body'>,
    at: number,
  ): Record<string, string> {
    const timestamp = Math.floor(at / 1000);
    let signature = signWebhook(endpoint.secret, delivery.event_id, timestamp, delivery.body);
    if (endpoint.previous_secret && Number(endpoint.previous_secret_expires_at) > at) {
      signature += ` ${signWebhook(endpoint.previous_secret, delivery.event_id, timestamp, delivery.body)}`;
    }
    return {
      'content-type': 'application/json',
      'user-agent': 'smsgate-webhooks/1',
      'webhook-id': delivery.event_id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature,
    };
  }

  /**
   * One attempt the client asked for, made now: the caller holds the delivery's lease (`leaseUntil`, this
   * process as owner), so no worker attempts it meanwhile; the result is recorded like any attempt.
   */
  async function attemptNow(
    endpoint: WebhookEndpointsTable,
    delivery: ClaimedDelivery,
    trigger: 'test' | 'redeliver',
    statusBefore: WebhookDeliveriesTable['status'],
  ): Promise<PostOutcome> {
    const at = clock.now();
    const outcome = await sender.post(
      new URL(endpoint.url),
      signedHeaders(endpoint, delivery, at),
      delivery.body,
    );
    await recordResults([
      {
        delivery,
        attempt: Number(delivery.attempts) + 1,
        at,
        finishedAt: clock.now(),
        outcome,
        trigger,
        statusBefore,
      },
    ]);
    return outcome;
  }

  return {
    attemptNow,

    /**
     * Attempts up to `limit` due deliveries: claims them under a lease (safe with several workers), POSTs
     * them `concurrency` at a time, and records each attempt. 2xx: delivered; 410: the endpoint is
     * disabled and its pending deliveries cancelled; anything else (3xx included: redirects are not
     * followed, timeouts, refused addresses): retried on the ladder, then failed. Returns the number of
     * deliveries attempted.
     */
    async deliverDue(limit = 100): Promise<number> {
      if (!tookBackOwn) {
        // Until it has worked once (the database may be away at boot).
        const freed = await takeBackOwn(clock.now());
        tookBackOwn = true;
        if (freed > 0)
          logger.info({ deliveries: freed }, 'took back the webhooks of this worker before its restart');
      }
      const claimed = await claim(limit, clock.now());
      if (claimed.length === 0) return 0;
      const endpointIds = [...new Set(claimed.map((d) => d.endpoint_id))];
      const endpoints = new Map<
        string,
        Pick<
          WebhookEndpointsTable,
          'id' | 'url' | 'secret' | 'previous_secret' | 'previous_secret_expires_at' | 'enabled'
        > & { parsed: URL }
      >();
      // Claimed now: the database away from here on must not leave them leased, unsent, for the whole lease.
      for (const part of chunks(endpointIds, idsPerQuery)) {
        const rows = await untilStorageBack(() =>
          db
            .selectFrom('webhook_endpoints')
            .select(['id', 'url', 'secret', 'previous_secret', 'previous_secret_expires_at', 'enabled'])
            .where('id', 'in', part)
            .execute(),
        );
        for (const row of rows) endpoints.set(row.id, Object.assign(row, { parsed: new URL(row.url) }));
      }
      // Deliveries of endpoints deleted or disabled meanwhile (an enqueue that raced the change): settle
      // them here, or they would be claimed again each time their lease ran out.
      const orphans = claimed.filter((d) => !endpoints.has(d.endpoint_id));
      const stopped = claimed.filter((d) => Number(endpoints.get(d.endpoint_id)?.enabled ?? 1) !== 1);
      if (orphans.length > 0 || stopped.length > 0) {
        await untilStorageBack(() =>
          db.transaction().execute(async (tx) => {
            for (const part of chunks(orphans, idsPerQuery)) {
              const idList = part.map((d) => d.id);
              await tx.deleteFrom('webhook_attempts').where('delivery_id', 'in', idList).execute();
              await tx.deleteFrom('webhook_deliveries').where('id', 'in', idList).execute();
            }
            for (const part of chunks(stopped, idsPerQuery)) {
              await tx
                .updateTable('webhook_deliveries')
                .set({ status: 'cancelled', lease_until: 0, lease_owner: null, completed_at: clock.now() })
                .where(
                  'id',
                  'in',
                  part.map((d) => d.id),
                )
                .where('status', '=', 'pending')
                .execute();
            }
          }),
        );
      }

      const writer = resultWriter();
      // Endpoints that answered 410 during this run: their remaining deliveries are not sent.
      const gone = new Set<string>();
      let attempted = 0;
      const queue = [...claimed];
      async function work() {
        for (let d = queue.shift(); d !== undefined; d = queue.shift()) {
          const endpoint = endpoints.get(d.endpoint_id);
          // Settled above, or the endpoint answered 410 meanwhile (its pending deliveries get cancelled).
          if (!endpoint || Number(endpoint.enabled) !== 1 || gone.has(d.endpoint_id)) continue;
          const at = clock.now();
          const outcome = await sender.post(endpoint.parsed, signedHeaders(endpoint, d, at), d.body);
          attempted++;
          if (outcome.statusCode === 410) gone.add(d.endpoint_id);
          writer.add({
            delivery: d,
            attempt: Number(d.attempts) + 1,
            at,
            finishedAt: clock.now(),
            outcome,
            trigger: null,
          });
        }
      }
      await Promise.all(Array.from({ length: Math.min(concurrency, claimed.length) }, work));
      await writer.flushed();
      return attempted;
    },

    /** Closes idle kept-alive connections to endpoints. */
    close(): void {
      sender.close();
    },
  };
}

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;
