/**
 * Deliveries and their attempts as clients see them: an endpoint's deliveries with every attempt,
 * "Retry now" (the endpoint's backlog due at once), a redelivery as a new delivery, and "Redeliver" now
 * as a new attempt of the same delivery, answered with its result.
 */
import { AppError } from '../../kernel/errors';
import { chunks } from '../../storage/chunk';
import type { WebhookAttemptsTable, WebhookDeliveriesTable } from '../../storage/schema-webhooks';
import type { ClientActor } from '../accounts';
import type { DeliveryWorker } from './delivery-worker';
import type { Enqueue } from './enqueue';
import type { PostOutcome } from './ports';
import {
  CLAIMED_COLUMNS,
  flushBacklog,
  iso,
  isoOrNull,
  ownEndpoint,
  succeeded,
  type WebhooksContext,
} from './shared';

export interface AttemptView {
  attempt: number;
  at: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** At most 1 KB of what the endpoint answered, when it was text. */
  responseBody: string | null;
  /** Bytes of the answer's body read (reading stops past 64 KiB); null when no answer came. */
  responseBytes: number | null;
  /** The body was binary: only its size is kept. */
  responseBinary: boolean;
  /** `schedule`: the retry ladder; `test` and `redeliver`: asked for by the client. */
  trigger: 'schedule' | 'test' | 'redeliver';
}

/** The answer to "Send test event" and "Redeliver": the attempt made now and its delivery. */
export interface ManualAttemptResult {
  /** The endpoint answered 2xx. */
  ok: boolean;
  attempt: AttemptView;
  delivery: DeliveryView;
}

function attemptView(a: WebhookAttemptsTable): AttemptView {
  return {
    attempt: Number(a.attempt),
    at: iso(a.at),
    statusCode: a.status_code === null ? null : Number(a.status_code),
    error: a.error,
    durationMs: Number(a.duration_ms),
    responseBody: a.response_body,
    responseBytes:
      a.response_bytes === null || a.response_bytes === undefined ? null : Number(a.response_bytes),
    responseBinary: Number(a.response_binary ?? 0) === 1,
    trigger: a.trigger ?? 'schedule',
  };
}

/** The first attempt, when the delivery row holds it instead of an attempt row (it succeeded at once). */
function keptAttempt(r: WebhookDeliveriesTable): AttemptView[] {
  if (r.first_duration_ms === null || r.first_duration_ms === undefined) return [];
  return [
    attemptView({
      id: '',
      delivery_id: r.id,
      attempt: 1,
      at: Number(r.last_attempt_at ?? 0),
      status_code: r.last_status_code,
      error: r.last_error,
      duration_ms: r.first_duration_ms,
      response_body: r.first_response_body ?? null,
      trigger: null,
      response_bytes: r.first_response_bytes ?? null,
      response_binary: r.first_response_binary ?? 0,
    }),
  ];
}

export interface DeliveryView {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: WebhookDeliveriesTable['status'];
  attemptCount: number;
  /** When the next attempt is due (pending deliveries only). */
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  completedAt: string | null;
  /** The body as sent: `{ id, type, createdAt, data }`. */
  payload: unknown;
  attempts: AttemptView[];
}

export function createAttempts(
  ctx: WebhooksContext,
  parts: {
    enqueue: Pick<Enqueue, 'deliveryRow' | 'insertDeliveries'>;
    worker: Pick<DeliveryWorker, 'attemptNow'>;
  },
) {
  const { db, clock, owner, idsPerQuery, manualLeaseMs } = ctx;
  const { deliveryRow, insertDeliveries } = parts.enqueue;
  const { attemptNow } = parts.worker;

  async function deliveryViews(rows: WebhookDeliveriesTable[]): Promise<DeliveryView[]> {
    const attempts = new Map<string, AttemptView[]>();
    for (const part of chunks(
      rows.map((r) => r.id),
      idsPerQuery,
    )) {
      const found = await db
        .selectFrom('webhook_attempts')
        .selectAll()
        .where('delivery_id', 'in', part)
        .orderBy('delivery_id')
        .orderBy('attempt')
        .execute();
      for (const a of found) {
        const list = attempts.get(a.delivery_id) ?? [];
        list.push(attemptView(a));
        attempts.set(a.delivery_id, list);
      }
    }
    return rows.map((r) => ({
      id: r.id,
      endpointId: r.endpoint_id,
      eventId: r.event_id,
      eventType: r.event_type,
      status: r.status,
      attemptCount: Number(r.attempts),
      nextAttemptAt: r.status === 'pending' ? iso(r.next_attempt_at) : null,
      lastStatusCode: r.last_status_code === null ? null : Number(r.last_status_code),
      lastError: r.last_error,
      createdAt: iso(r.created_at),
      completedAt: isoOrNull(r.completed_at),
      payload: JSON.parse(r.body) as unknown,
      attempts: [...keptAttempt(r), ...(attempts.get(r.id) ?? [])],
    }));
  }

  /** The answer to a client's attempt: the delivery as it is now, and the attempt just made. */
  async function manualResult(deliveryId: string, outcome: PostOutcome): Promise<ManualAttemptResult> {
    const row = await db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('id', '=', deliveryId)
      .executeTakeFirst();
    // Erased or swept by retention while the attempt ran: nothing left to show.
    if (!row) throw new AppError('not_found', 'No such delivery.');
    const [delivery] = await deliveryViews([row]);
    const attempt = delivery!.attempts.at(-1)!;
    return { ok: succeeded(outcome), attempt, delivery: delivery! };
  }

  return {
    manualResult,

    /** An endpoint's deliveries, newest first, each with its attempts. */
    async listDeliveries(
      actor: ClientActor,
      endpointId: string,
      page: {
        limit: number;
        cursor?: string | undefined;
        status?: WebhookDeliveriesTable['status'] | undefined;
      },
    ): Promise<DeliveryView[]> {
      await ownEndpoint(db, actor, endpointId);
      let q = db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('endpoint_id', '=', endpointId)
        .orderBy('id', 'desc')
        .limit(page.limit);
      if (page.cursor) q = q.where('id', '<', page.cursor);
      if (page.status) q = q.where('status', '=', page.status);
      return deliveryViews(await q.execute());
    },

    /**
     * "Retry now": every delivery of the endpoint waiting on the retry ladder becomes due at once (the
     * client fixed its receiver and does not want to wait for the next step). Returns how many.
     */
    async retryNow(actor: ClientActor, endpointId: string): Promise<{ due: number }> {
      return db.transaction().execute(async (tx) => {
        const endpoint = await ownEndpoint(tx, actor, endpointId);
        if (Number(endpoint.enabled) !== 1) {
          throw new AppError('conflict', 'The endpoint is disabled; enable it before retrying.');
        }
        return { due: await flushBacklog(tx, endpointId, clock.now()) };
      });
    },

    /**
     * Sends an event again as a new delivery (same event id and body, a fresh retry ladder, due now).
     * `endpointId`, when given, must be the delivery's endpoint.
     */
    async redeliver(
      actor: ClientActor,
      deliveryId: string,
      endpointId?: string,
    ): Promise<{ id: string; eventId: string; status: 'pending' }> {
      return db.transaction().execute(async (tx) => {
        let q = tx
          .selectFrom('webhook_deliveries')
          .select(['endpoint_id', 'event_id', 'event_type', 'body'])
          .where('id', '=', deliveryId)
          .where('account_id', '=', actor.accountId);
        if (endpointId !== undefined) q = q.where('endpoint_id', '=', endpointId);
        const original = await q.executeTakeFirst();
        if (!original) throw new AppError('not_found', 'No such delivery.');
        const endpoint = await ownEndpoint(tx, actor, original.endpoint_id);
        if (Number(endpoint.enabled) !== 1) {
          throw new AppError('conflict', 'The endpoint is disabled; enable it before redelivering.');
        }
        const row = deliveryRow(
          endpoint,
          // Asked for by the client: not held behind anything.
          { id: original.event_id, type: original.event_type, body: original.body, orderKey: null },
          clock.now(),
        );
        await insertDeliveries(tx, [row]);
        return { id: row.id, eventId: row.event_id, status: 'pending' as const };
      });
    },

    /**
     * Sends a delivery again now, as a new attempt of the same delivery (same `webhook-id` and body, a
     * fresh timestamp and signature), and answers it. It does not move the delivery along its retry ladder:
     * a failure leaves it as it was; a success makes it delivered. 409 when the endpoint is disabled or a
     * worker is attempting the delivery at this moment.
     */
    async redeliverNow(actor: ClientActor, deliveryId: string): Promise<ManualAttemptResult> {
      const found = await db
        .selectFrom('webhook_deliveries')
        .select(['endpoint_id', 'status'])
        .where('id', '=', deliveryId)
        .where('account_id', '=', actor.accountId)
        .executeTakeFirst();
      if (!found) throw new AppError('not_found', 'No such delivery.');
      const endpoint = await ownEndpoint(db, actor, found.endpoint_id);
      if (Number(endpoint.enabled) !== 1) {
        throw new AppError('conflict', 'The endpoint is disabled; enable it before redelivering.');
      }
      const now = clock.now();
      // The lease is the lock: taken only when nobody holds it, so a worker's attempt and this one never
      // run at once (and a worker never claims it while this one runs).
      const held = await db
        .updateTable('webhook_deliveries')
        .set({ lease_until: now + manualLeaseMs, lease_owner: owner })
        .where('id', '=', deliveryId)
        .where('lease_until', '<=', now)
        .returning([...CLAIMED_COLUMNS, 'status'])
        .executeTakeFirst();
      if (!held) {
        throw new AppError('conflict', 'This delivery is being attempted right now; try again in a moment.');
      }
      const { status, ...delivery } = held;
      const outcome = await attemptNow(endpoint, delivery, 'redeliver', status);
      return manualResult(deliveryId, outcome);
    },
  };
}

export type Attempts = ReturnType<typeof createAttempts>;
