import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Clock } from '../../kernel/clock';
import { AppError } from '../../kernel/errors';
import type { IdGenerator } from '../../kernel/ids';
import type { Logger } from '../../kernel/logger';
import { chunks, itemsPerStatement } from '../../storage/chunk';
import type { Capabilities, Db, DbOrTx } from '../../storage/database';
import { storageFault } from '../../storage/faults';
import { prepared, slot } from '../../storage/prepared';
import { preparedInsert } from '../../storage/prepared-insert';
import type { MessageStatus } from '../../storage/schema';
import type {
  WebhookAttemptsTable,
  WebhookDeliveriesTable,
  WebhookEndpointsTable,
} from '../../storage/schema-webhooks';
import type { ClientActor } from '../accounts';
import type { AuditLog } from '../audit';
import { auditActorOf } from '../audit';
import { hostOf, parseWebhookUrl } from './addresses';
import {
  parseEventTypes,
  parseStatusFilter,
  RETRY_LADDER_MS,
  type WebhookEvent,
  type WebhookEventType,
} from './events';
import { type PostOutcome, TIMEOUT_ERROR_PREFIX, type WebhookNet } from './ports';
import { generateSecret, signWebhook } from './signing';

export interface WebhooksSettings {
  /** Allow endpoints on private, loopback and link-local addresses (tests, local receivers). */
  allowPrivate: boolean;
  /** Deadline of one delivery attempt; default 10 s. */
  timeoutMs?: number;
  /** Deliveries POSTed at once by one `deliverDue` call; default 20. */
  concurrency?: number;
}

export interface WebhooksDeps {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  audit: AuditLog;
  logger: Logger;
  /** Only `skipLocked`, `multipleWriters` and `maxParameters` are used. */
  capabilities: Pick<Capabilities, 'skipLocked' | 'multipleWriters' | 'maxParameters'>;
  settings: WebhooksSettings;
  /** The HTTP sender and the DNS check (`webhookNet` of src/adapters/webhooks). */
  net: WebhookNet;
  /**
   * This process's lease owner, `WORKER_ID/boot token` (the job queue's): a restarted process takes back
   * the deliveries its previous boot held. Default: this process only (nothing to take back).
   */
  owner?: string;
}

export interface EndpointView {
  id: string;
  url: string;
  description: string | null;
  events: WebhookEventType[];
  /** The statuses its `message.status` events are sent for; null: every status. */
  statuses: MessageStatus[] | null;
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: string | null;
  createdAt: string;
  updatedAt: string;
  /** Attempts that timed out: the receiver may have processed them all the same. */
  timeouts: number;
  /**
   * Deliveries that succeeded on a retry after a timed-out attempt: the receiver probably got them twice
   * (with the same `webhook-id`, by which receivers must de-duplicate).
   */
  duplicatesSuspected: number;
  /** Since when its attempts fail (null: the last one succeeded). */
  failingSince: string | null;
}

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

/** The event type of test events (never subscribed to: sent only when the client asks). */
export const TEST_EVENT_TYPE = 'webhook.test';

/** Writing attempt results while the database is away: retried after 250 ms, doubling, for about a minute. */
const RECORD_RETRY_FIRST_MS = 250;
const RECORD_RETRY_LAST_MS = 32_000;

/**
 * New deliveries: the columns `deliveryRow` writes, and the lease a manual attempt holds from the start
 * (null otherwise, its default); `manual_attempts` keeps its default. Compiled once per batch size.
 */
const insertDeliveryRows = preparedInsert('webhook_deliveries', [
  'id',
  'account_id',
  'endpoint_id',
  'event_id',
  'event_type',
  'body',
  'status',
  'attempts',
  'next_attempt_at',
  'lease_until',
  'last_attempt_at',
  'last_status_code',
  'last_error',
  'created_at',
  'completed_at',
  'order_key',
  'lease_owner',
]);

/** The enabled endpoints of one account (most batches of events are one account's): compiled once. */
const endpointsOfAccount = prepared<
  { accountId: string },
  Pick<WebhookEndpointsTable, 'id' | 'account_id' | 'events' | 'statuses'>
>((db) =>
  db
    .selectFrom('webhook_endpoints')
    .select(['id', 'account_id', 'events', 'statuses'])
    .where('account_id', '=', slot<string>('accountId'))
    .where('enabled', '=', 1),
);

/** What an attempt needs of a delivery it holds (claimed by a worker, or taken for a manual attempt). */
const CLAIMED_COLUMNS = [
  'id',
  'account_id',
  'endpoint_id',
  'event_id',
  'body',
  'attempts',
  'lease_until',
  'last_error',
  'manual_attempts',
] as const;

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

/** Most endpoints one account may have: every event fans out to each of them. */
export const MAX_ENDPOINTS_PER_ACCOUNT = 20;
/** How long the previous secret still signs deliveries after a rotation. */
export const SECRET_ROTATION_GRACE_MS = 24 * 3600_000;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_CONCURRENCY = 20;
const MAX_ROWS_PER_INSERT = 500;
const MAX_IDS_PER_QUERY = 1000;
/**
 * Failing without a break at least this long before a success counts as an outage that ended (the
 * backlog is then sent at once). Shorter streaks are single bad events among good ones: their own
 * ladder must not be cut short. A delivery reaches the ladder's long steps only after failing this long.
 */
const OUTAGE_MIN_MS = 5_000;

const iso = (ms: number) => new Date(Number(ms)).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

function endpointView(row: WebhookEndpointsTable): EndpointView {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: JSON.parse(row.events) as WebhookEventType[],
    statuses: row.statuses ? (JSON.parse(row.statuses) as MessageStatus[]) : null,
    enabled: Number(row.enabled) === 1,
    disabledReason: row.disabled_reason,
    disabledAt: isoOrNull(row.disabled_at),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    timeouts: Number(row.timeouts ?? 0),
    duplicatesSuspected: Number(row.duplicates_suspected ?? 0),
    failingSince: isoOrNull(row.failing_since ?? null),
  };
}

type ClaimedDelivery = Pick<
  WebhookDeliveriesTable,
  | 'id'
  | 'account_id'
  | 'endpoint_id'
  | 'event_id'
  | 'body'
  | 'attempts'
  | 'lease_until'
  | 'last_error'
  | 'manual_attempts'
>;

/** What started an attempt: the retry ladder (null), or the client ("Send test event", "Redeliver"). */
export type AttemptTrigger = 'test' | 'redeliver' | null;

interface AttemptResult {
  delivery: ClaimedDelivery;
  /** The attempt's number (1 for the first). */
  attempt: number;
  at: number;
  finishedAt: number;
  outcome: PostOutcome;
  trigger: AttemptTrigger;
  /** The delivery's status when a client's attempt started (its result may leave a final status as it is). */
  statusBefore?: WebhookDeliveriesTable['status'];
}

/**
 * A delivery's status after an attempt. On the ladder: 2xx delivered, 410 failed, anything else pending
 * until the ladder's last step. A client's attempt never moves a delivery along the ladder: a test event
 * is one attempt (failed unless 2xx), a redelivery that fails leaves the delivery as it was (a pending one
 * keeps its next ladder step), one that succeeds makes it delivered.
 */
function statusAfter(r: AttemptResult): WebhookDeliveriesTable['status'] {
  const ok = succeeded(r.outcome);
  if (r.trigger === null) {
    if (ok) return 'delivered';
    if (r.outcome.statusCode === 410) return 'failed';
    const step = r.attempt - Number(r.delivery.manual_attempts ?? 0);
    return step < RETRY_LADDER_MS.length ? 'pending' : 'failed';
  }
  if (ok) return 'delivered';
  if (r.trigger === 'test') return 'failed';
  const before = r.statusBefore ?? 'pending';
  return before === 'pending' && r.outcome.statusCode === 410 ? 'failed' : before;
}

const succeeded = (o: PostOutcome) => o.statusCode !== null && o.statusCode >= 200 && o.statusCode < 300;

/** What orders an event's deliveries: the message of a status event (its statuses go out in order). */
function orderKeyOf(event: WebhookEvent): string | null {
  if (event.type !== 'message.status') return null;
  const messageId = (event.data as { messageId?: unknown } | null)?.messageId;
  return typeof messageId === 'string' ? messageId : null;
}

/** An endpoint as the fan-out of events sees it. */
interface SubscribedEndpoint {
  id: string;
  account_id: string;
  types: Set<string>;
  /** The statuses of `message.status` events it takes; null: all. */
  statuses: Set<string> | null;
}

/** Whether an endpoint takes an event: subscribed to its type and, for a status, not filtered out. */
function wants(endpoint: SubscribedEndpoint, event: WebhookEvent): boolean {
  if (!endpoint.types.has(event.type)) return false;
  if (endpoint.statuses === null || event.type !== 'message.status') return true;
  const status = (event.data as { status?: unknown } | null)?.status;
  return typeof status === 'string' && endpoint.statuses.has(status);
}

/**
 * Client webhooks: endpoints, events enqueued inside the business transaction that caused them, and
 * signed deliveries (Standard Webhooks) retried on a ladder, with every attempt recorded.
 */
export function createWebhooks(deps: WebhooksDeps) {
  const { db, clock, ids, audit, logger, capabilities, settings } = deps;
  const timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const concurrency = settings.concurrency ?? DEFAULT_CONCURRENCY;
  const sender = deps.net.createSender({ allowPrivate: settings.allowPrivate, timeoutMs });
  const owner = deps.owner ?? `pid${process.pid}/${randomBytes(6).toString('hex')}`;
  // `WORKER_ID/`: the leases of every boot of this worker start with it.
  const ownPrefix = owner.slice(0, owner.indexOf('/') + 1);
  let tookBackOwn = false;
  const DELIVERY_COLUMNS = 15;
  const rowsPerInsert = itemsPerStatement(capabilities.maxParameters, DELIVERY_COLUMNS, {
    cap: MAX_ROWS_PER_INSERT,
  });
  const idsPerQuery = itemsPerStatement(capabilities.maxParameters, 1, {
    cap: MAX_IDS_PER_QUERY,
    reserved: 10,
  });

  async function checkedUrl(raw: string): Promise<string> {
    const url = parseWebhookUrl(raw);
    if (!settings.allowPrivate) await deps.net.assertPublicHost(url);
    return url.href;
  }

  async function ownEndpoint(tx: DbOrTx, actor: ClientActor, id: string): Promise<WebhookEndpointsTable> {
    const row = await tx
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', actor.accountId)
      .executeTakeFirst();
    if (!row) throw new AppError('not_found', 'No such webhook endpoint.');
    return row;
  }

  /** Stops an endpoint's pending deliveries (the lease reset also voids any result still in flight). */
  async function cancelPending(tx: DbOrTx, endpointId: string, now: number) {
    await tx
      .updateTable('webhook_deliveries')
      .set({ status: 'cancelled', lease_until: 0, lease_owner: null, completed_at: now })
      .where('endpoint_id', '=', endpointId)
      .where('status', '=', 'pending')
      .execute();
  }

  function deliveryRow(
    endpoint: { id: string; account_id: string },
    event: { id: string; type: string; body: string; orderKey: string | null },
    now: number,
  ): WebhookDeliveriesTable {
    return {
      id: ids('whd'),
      account_id: endpoint.account_id,
      endpoint_id: endpoint.id,
      event_id: event.id,
      event_type: event.type,
      body: event.body,
      status: 'pending',
      attempts: 0,
      next_attempt_at: now + RETRY_LADDER_MS[0]!,
      lease_until: 0,
      last_attempt_at: null,
      last_status_code: null,
      last_error: null,
      created_at: now,
      completed_at: null,
      order_key: event.orderKey,
    };
  }

  /** Makes an endpoint's waiting deliveries due now (after an outage, or when the client asks). */
  async function flushBacklog(tx: DbOrTx, endpointId: string, now: number): Promise<number> {
    // `status = 'pending'` as a literal: that is how the partial index by endpoint is defined.
    const moved = await tx
      .updateTable('webhook_deliveries')
      .set({ next_attempt_at: now })
      .where('endpoint_id', '=', endpointId)
      .where('status', '=', sql.lit('pending'))
      .where('next_attempt_at', '>', now)
      // Deliveries in flight are left to the worker holding them (and never waited for).
      .where('lease_until', '<=', now)
      .executeTakeFirst();
    return Number(moved.numUpdatedRows);
  }

  async function insertDeliveries(tx: DbOrTx, rows: WebhookDeliveriesTable[]) {
    await insertDeliveryRows(tx, rows, rowsPerInsert);
  }

  /**
   * Claims due deliveries for this worker: only rows whose lease it actually set come back. Built once
   * (the engine's capabilities do not change), then run with new values.
   */
  const claimDue = prepared<
    { now: number; leaseUntil: number; owner: string; limit: number },
    ClaimedDelivery
  >((executor) => {
    const now = slot<number>('now');
    // A status of a message waits while an earlier one of the same message is pending for the endpoint
    // (ids sort by creation): receivers get `sent` before `delivered`. Only the held rows pay for it, and
    // the partial index of pending deliveries answers the check.
    let due = executor
      .selectFrom('webhook_deliveries as d')
      .select('d.id')
      .where('d.status', '=', 'pending')
      .where('d.next_attempt_at', '<=', now)
      .where('d.lease_until', '<=', now)
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
      .limit(slot<number>('limit'));
    if (capabilities.skipLocked) due = due.forUpdate().skipLocked();
    // The lease condition is repeated outside the subquery: a row another worker leased meanwhile
    // no longer matches, so no delivery is ever held by two workers. Where several writers can change a
    // row between the subquery and the update, its status is checked again too. With one writer that
    // cannot happen, and the check would cost: without statistics SQLite then walks every pending
    // row through the status index to find the few claimed ones (16 ms a claim at 100,000 pending).
    let claim = executor
      .updateTable('webhook_deliveries')
      .set({ lease_until: slot<number>('leaseUntil'), lease_owner: slot<string>('owner') })
      .where('id', 'in', due)
      .where('lease_until', '<=', now);
    if (capabilities.multipleWriters) claim = claim.where('status', '=', 'pending');
    return claim.returning(CLAIMED_COLUMNS);
  });

  async function claim(limit: number, now: number): Promise<ClaimedDelivery[]> {
    // Long enough for every claimed delivery to wait its turn in the pool and then time out.
    const leaseUntil = now + timeoutMs * Math.ceil(limit / concurrency) + 30_000;
    return (await claimDue(db, { now, leaseUntil, owner, limit })).rows;
  }

  /**
   * The result of an automatic attempt that ends its delivery (most of them: a first attempt that
   * succeeded), written by a statement compiled once; other results are written as built below.
   */
  const recordFinal = prepared<{
    id: string;
    leaseUntil: number;
    owner: string;
    attempts: number;
    at: number;
    statusCode: number | null;
    error: string | null;
    status: string;
    completedAt: number;
  }>((executor) =>
    executor
      .updateTable('webhook_deliveries')
      .set({
        attempts: slot<number>('attempts'),
        lease_until: 0,
        lease_owner: null,
        last_attempt_at: slot<number>('at'),
        last_status_code: slot<number | null>('statusCode'),
        last_error: slot<string | null>('error'),
        status: slot<WebhookDeliveriesTable['status']>('status'),
        completed_at: slot<number>('completedAt'),
      })
      .where('id', '=', slot<string>('id'))
      .where('lease_until', '=', slot<number>('leaseUntil'))
      .where('lease_owner', '=', slot<string>('owner')),
  );

  /**
   * Frees the deliveries a previous boot of this worker (same WORKER_ID, another boot token) still holds:
   * it was killed mid-attempt, and its long claim lease (see `claim`) would otherwise hold them back for
   * a minute or more. Done once, before this boot's first claim: every lease of a previous boot was taken
   * before this boot started, and one pass leaves the leases of other worker ids, and any taken later,
   * alone. (Renewing a short lease while attempts run would also free them, but only after that lease,
   * twice the request timeout, and with a renewal write per heartbeat.) Two live processes must not share
   * a WORKER_ID: one's attempts in flight would be sent again (same `webhook-id`) and its results dropped.
   */
  async function takeBackOwn(now: number): Promise<number> {
    if (ownPrefix === '') return 0;
    const freed = await db
      .updateTable('webhook_deliveries')
      .set({ lease_until: 0, lease_owner: null })
      // Not null, spelled out: it selects the partial index of leased rows.
      .where('lease_owner', 'is not', null)
      // substr, not LIKE: a WORKER_ID may contain `_`.
      .where(sql<string>`substr(lease_owner, 1, ${ownPrefix.length})`, '=', ownPrefix)
      .where('lease_owner', '<>', owner)
      .where('status', '=', 'pending')
      .where('lease_until', '>', now)
      .executeTakeFirst();
    return Number(freed.numUpdatedRows);
  }

  /** Writes attempt results; each delivery is only updated while this worker still holds its lease. */
  async function recordResults(results: AttemptResult[]) {
    await db.transaction().execute(async (tx) => {
      const attempts: WebhookAttemptsTable[] = [];
      const gone = new Map<string, { accountId: string; at: number }>();
      // Per endpoint: the last success and first failure of this batch, timeouts, likely duplicates.
      const health = new Map<
        string,
        { ok: number | null; failed: number | null; timeouts: number; duplicates: number }
      >();
      for (const r of results) {
        const { outcome, attempt } = r;
        const status = statusAfter(r);
        if (outcome.statusCode === 410)
          gone.set(r.delivery.endpoint_id, { accountId: r.delivery.account_id, at: r.finishedAt });
        const manual = r.trigger !== null;
        const manualAttempts = Number(r.delivery.manual_attempts ?? 0) + (manual ? 1 : 0);
        // A client's attempt keeps a pending delivery's next step; a final one keeps its completion time.
        const finishes = status !== 'pending' && (!manual || r.statusBefore === 'pending');
        // One literal (undefined columns are left as they are): see "Object literals" in the README.
        const update: Partial<WebhookDeliveriesTable> = {
          attempts: attempt,
          lease_until: 0,
          lease_owner: null,
          last_attempt_at: r.at,
          last_status_code: outcome.statusCode,
          last_error: outcome.error ?? (succeeded(outcome) ? null : `HTTP ${outcome.statusCode}`),
          status,
          completed_at: finishes ? r.finishedAt : undefined,
          next_attempt_at:
            status === 'pending' && !manual
              ? r.finishedAt + RETRY_LADDER_MS[attempt - manualAttempts]!
              : undefined,
          manual_attempts: manual ? manualAttempts : undefined,
        };
        // A later boot of this worker may have taken it back and claimed it again within the same ms:
        // only this owner's lease of that moment is written.
        const updated =
          !manual && status !== 'pending'
            ? (
                await recordFinal(tx, {
                  id: r.delivery.id,
                  leaseUntil: Number(r.delivery.lease_until),
                  owner,
                  attempts: attempt,
                  at: r.at,
                  statusCode: update.last_status_code ?? null,
                  error: update.last_error ?? null,
                  status,
                  completedAt: r.finishedAt,
                })
              ).numAffectedRows
            : (
                await tx
                  .updateTable('webhook_deliveries')
                  .set(update)
                  .where('id', '=', r.delivery.id)
                  .where('lease_until', '=', r.delivery.lease_until)
                  .where('lease_owner', '=', owner)
                  .executeTakeFirst()
              ).numUpdatedRows;
        // No row: the delivery was cancelled or deleted meanwhile, or the lease was lost.
        if (Number(updated ?? 0) === 0) continue;
        let h = health.get(r.delivery.endpoint_id);
        if (!h) {
          h = { ok: null, failed: null, timeouts: 0, duplicates: 0 };
          health.set(r.delivery.endpoint_id, h);
        }
        if (succeeded(outcome)) {
          h.ok = Math.max(h.ok ?? 0, r.finishedAt);
          // The attempt before this one timed out: the receiver may have processed that one too.
          if (r.delivery.last_error?.startsWith(TIMEOUT_ERROR_PREFIX)) h.duplicates++;
        } else if (outcome.statusCode !== 410) h.failed = Math.min(h.failed ?? r.finishedAt, r.finishedAt);
        if (outcome.timedOut) h.timeouts++;
        attempts.push({
          id: ids('wha'),
          delivery_id: r.delivery.id,
          attempt,
          at: r.at,
          status_code: outcome.statusCode,
          error: outcome.error,
          duration_ms: outcome.durationMs,
          response_body: outcome.responseExcerpt,
          trigger: r.trigger,
          response_bytes: outcome.responseBytes,
          response_binary: outcome.responseBinary ? 1 : 0,
        });
      }
      for (const part of chunks(attempts, MAX_ROWS_PER_INSERT)) {
        await tx.insertInto('webhook_attempts').values(part).execute();
      }
      await recordHealth(tx, health);
      for (const [endpointId, { accountId, at }] of gone) {
        const reason = 'The endpoint answered 410 Gone.';
        const disabled = await tx
          .updateTable('webhook_endpoints')
          .set({ enabled: 0, disabled_reason: reason, disabled_at: at, updated_at: at })
          .where('id', '=', endpointId)
          .where('enabled', '=', 1)
          .executeTakeFirst();
        await cancelPending(tx, endpointId, at);
        if (Number(disabled.numUpdatedRows) > 0) {
          logger.warn({ endpointId, accountId }, 'webhook endpoint answered 410 Gone: disabled');
          await audit.record(tx, {
            accountId,
            actor: { type: 'system', id: null },
            action: 'webhook.disabled',
            target: { type: 'webhook', id: endpointId },
            data: { reason },
          });
        }
      }
    });
  }

  /**
   * Keeps each endpoint's failing-since mark and counters. The first success after failures sends the
   * endpoint's backlog at once instead of on the ladder: after an outage the receiver is back, and events
   * would otherwise wait up to the ladder's step (5 minutes, then more).
   */
  async function recordHealth(
    tx: DbOrTx,
    health: Map<string, { ok: number | null; failed: number | null; timeouts: number; duplicates: number }>,
  ) {
    const recovered = [...health].filter(([, h]) => h.ok !== null && (h.failed === null || h.ok >= h.failed));
    // Which of the endpoints that succeeded were failing: one read whatever the batch.
    const failingSince = new Map<string, number>();
    if (recovered.length > 0) {
      const rows = await tx
        .selectFrom('webhook_endpoints')
        .select(['id', 'failing_since'])
        .where(
          'id',
          'in',
          recovered.map(([id]) => id),
        )
        .where('failing_since', 'is not', null)
        .execute();
      for (const r of rows) failingSince.set(r.id, Number(r.failing_since));
    }
    // Endpoint rows are written in id order by every worker, and an endpoint's backlog only while its row
    // is held: two workers recording results for the same endpoints wait for each other, never deadlock.
    for (const endpointId of [...health.keys()].sort()) {
      const h = health.get(endpointId)!;
      const back = h.ok !== null && (h.failed === null || h.ok >= h.failed);
      const change: Record<string, unknown> = {};
      if (h.timeouts > 0) change.timeouts = sql`timeouts + ${h.timeouts}`;
      if (h.duplicates > 0) change.duplicates_suspected = sql`duplicates_suspected + ${h.duplicates}`;
      if (back && failingSince.has(endpointId)) change.failing_since = null;
      // The first failure of a streak is kept: a success clears it.
      else if (!back && h.failed !== null) change.failing_since = sql`coalesce(failing_since, ${h.failed})`;
      if (Object.keys(change).length === 0) continue;
      await tx.updateTable('webhook_endpoints').set(change).where('id', '=', endpointId).execute();
      const since = failingSince.get(endpointId);
      if (!back || since === undefined || h.ok! - since < OUTAGE_MIN_MS) continue;
      const moved = await flushBacklog(tx, endpointId, h.ok!);
      if (moved > 0)
        logger.info({ endpointId, deliveries: moved }, 'webhook endpoint recovered: backlog due now');
    }
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

  /** A manual attempt holds the delivery this long: the request's deadline and a margin. */
  const manualLeaseMs = timeoutMs + 30_000;

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
      attempts: attempts.get(r.id) ?? [],
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

  /**
   * Results are written as they come, several per transaction when they arrive together, so a slow
   * endpoint never holds back the record of the fast ones (group commit).
   */
  function resultWriter() {
    let buffer: AttemptResult[] = [];
    let running: Promise<void> | null = null;
    async function drain() {
      // Let results that arrive together share one transaction (one fsync) instead of one each.
      await new Promise((resolve) => setTimeout(resolve, 5));
      while (buffer.length > 0) {
        const batch = buffer;
        buffer = [];
        // The database away (a restart, a connection cut): the results are known, so they are written
        // once it is back rather than the deliveries sent again when their long claim lease runs out
        // (minutes). A write after that lease is refused by its lease check, so retrying is safe.
        for (let wait = RECORD_RETRY_FIRST_MS; ; wait *= 2) {
          try {
            await recordResults(batch);
            break;
          } catch (error) {
            if (!storageFault(error) || wait > RECORD_RETRY_LAST_MS) {
              // The leases run out and the deliveries are attempted again: at least once, never lost.
              logger.error({ err: error, deliveries: batch.length }, 'recording webhook attempts failed');
              break;
            }
            await new Promise((resolve) => setTimeout(resolve, wait));
          }
        }
      }
      running = null;
    }
    return {
      add(result: AttemptResult) {
        buffer.push(result);
        running ??= drain();
      },
      async flushed() {
        while (running) await running;
      },
    };
  }

  return {
    /** Creates an endpoint; the answer is the only one that carries the signing secret. */
    async createEndpoint(
      actor: ClientActor,
      input: {
        url: string;
        events: readonly string[];
        statuses?: readonly string[] | null | undefined;
        description?: string | null | undefined;
      },
    ): Promise<EndpointView & { secret: string }> {
      const events = parseEventTypes(input.events);
      const statuses = parseStatusFilter(input.statuses, events);
      const url = await checkedUrl(input.url);
      const now = clock.now();
      const row: WebhookEndpointsTable = {
        id: ids('whk'),
        account_id: actor.accountId,
        url,
        description: input.description?.trim() || null,
        events: JSON.stringify(events),
        statuses: statuses === null ? null : JSON.stringify(statuses),
        secret: generateSecret(),
        previous_secret: null,
        previous_secret_expires_at: null,
        enabled: 1,
        disabled_reason: null,
        disabled_at: null,
        created_at: now,
        updated_at: now,
      };
      await db.transaction().execute(async (tx) => {
        const { n } = await tx
          .selectFrom('webhook_endpoints')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('account_id', '=', actor.accountId)
          .executeTakeFirstOrThrow();
        if (Number(n) >= MAX_ENDPOINTS_PER_ACCOUNT) {
          throw new AppError(
            'conflict',
            `An account may have at most ${MAX_ENDPOINTS_PER_ACCOUNT} webhooks.`,
          );
        }
        await tx.insertInto('webhook_endpoints').values(row).execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'webhook.created',
          target: { type: 'webhook', id: row.id },
          data: { host: hostOf(new URL(url)), events, statuses },
        });
      });
      return { ...endpointView(row), secret: row.secret };
    },

    async listEndpoints(actor: ClientActor): Promise<EndpointView[]> {
      const rows = await db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('account_id', '=', actor.accountId)
        .orderBy('id', 'desc')
        .execute();
      return rows.map(endpointView);
    },

    async getEndpoint(actor: ClientActor, id: string): Promise<EndpointView> {
      return endpointView(await ownEndpoint(db, actor, id));
    },

    /**
     * Changes the URL, the subscriptions, the description or the enabled flag. Disabling stops the
     * pending deliveries; enabling again (also after a 410) clears the reason.
     */
    async updateEndpoint(
      actor: ClientActor,
      id: string,
      input: {
        url?: string | undefined;
        events?: readonly string[] | undefined;
        /** null removes the filter. */
        statuses?: readonly string[] | null | undefined;
        enabled?: boolean | undefined;
        description?: string | null | undefined;
      },
    ): Promise<EndpointView> {
      const events = input.events === undefined ? undefined : parseEventTypes(input.events);
      const url = input.url === undefined ? undefined : await checkedUrl(input.url);
      return db.transaction().execute(async (tx) => {
        const current = await ownEndpoint(tx, actor, id);
        const now = clock.now();
        const change: Partial<WebhookEndpointsTable> = { updated_at: now };
        if (url !== undefined) change.url = url;
        if (events !== undefined) change.events = JSON.stringify(events);
        const subscribed = events ?? (JSON.parse(current.events) as WebhookEventType[]);
        let statuses: MessageStatus[] | null | undefined;
        if (input.statuses !== undefined) statuses = parseStatusFilter(input.statuses, subscribed);
        // No longer subscribed to message.status: a kept filter would filter nothing, and would surprise
        // whoever subscribes again later.
        else if (current.statuses && !subscribed.includes('message.status')) statuses = null;
        if (statuses !== undefined) change.statuses = statuses === null ? null : JSON.stringify(statuses);
        if (input.description !== undefined) change.description = input.description?.trim() || null;
        const wasEnabled = Number(current.enabled) === 1;
        if (input.enabled === true && !wasEnabled) {
          Object.assign(change, { enabled: 1, disabled_reason: null, disabled_at: null });
        } else if (input.enabled === false && wasEnabled) {
          Object.assign(change, {
            enabled: 0,
            disabled_reason: 'Disabled by the account.',
            disabled_at: now,
          });
          await cancelPending(tx, id, now);
        }
        await tx.updateTable('webhook_endpoints').set(change).where('id', '=', id).execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'webhook.updated',
          target: { type: 'webhook', id },
          data: {
            ...(url !== undefined ? { host: hostOf(new URL(url)) } : {}),
            ...(events !== undefined ? { events } : {}),
            ...(statuses !== undefined ? { statuses } : {}),
            ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
          },
        });
        return endpointView({ ...current, ...change });
      });
    },

    /** Deletes an endpoint with its deliveries and their attempts. */
    async deleteEndpoint(actor: ClientActor, id: string): Promise<void> {
      await db.transaction().execute(async (tx) => {
        const current = await ownEndpoint(tx, actor, id);
        await tx
          .deleteFrom('webhook_attempts')
          .where('delivery_id', 'in', (eb) =>
            eb.selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', id),
          )
          .execute();
        await tx.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute();
        await tx.deleteFrom('webhook_endpoints').where('id', '=', id).execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'webhook.deleted',
          target: { type: 'webhook', id },
          data: { host: hostOf(new URL(current.url)) },
        });
      });
    },

    /**
     * A new signing secret. For 24 hours deliveries carry a signature with each secret (space-separated
     * in `webhook-signature`), so receivers can switch without losing events.
     */
    async rotateSecret(actor: ClientActor, id: string): Promise<EndpointView & { secret: string }> {
      return db.transaction().execute(async (tx) => {
        const current = await ownEndpoint(tx, actor, id);
        const now = clock.now();
        const change = {
          secret: generateSecret(),
          previous_secret: current.secret,
          previous_secret_expires_at: now + SECRET_ROTATION_GRACE_MS,
          updated_at: now,
        };
        await tx.updateTable('webhook_endpoints').set(change).where('id', '=', id).execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'webhook.secret_rotated',
          target: { type: 'webhook', id },
        });
        return { ...endpointView({ ...current, ...change }), secret: change.secret };
      });
    },

    /**
     * Records events for delivery. Call it INSIDE the transaction of the change that caused them: an
     * event exists iff that change committed. One indexed query finds the subscribed endpoints of every
     * account in the batch, and the deliveries are written with multi-row inserts; accounts without
     * endpoints cost nothing more. Returns the number of deliveries created.
     */
    async enqueue(tx: DbOrTx, events: readonly WebhookEvent[]): Promise<number> {
      if (events.length === 0) return 0;
      const accountIds = [...new Set(events.map((e) => e.accountId))];
      const endpoints: Array<Pick<WebhookEndpointsTable, 'id' | 'account_id' | 'events' | 'statuses'>> = [];
      for (const part of chunks(accountIds, idsPerQuery)) {
        const rows =
          part.length === 1
            ? (await endpointsOfAccount(tx, { accountId: part[0]! })).rows
            : await tx
                .selectFrom('webhook_endpoints')
                .select(['id', 'account_id', 'events', 'statuses'])
                .where('account_id', 'in', part)
                .where('enabled', '=', 1)
                .execute();
        endpoints.push(...rows);
      }
      if (endpoints.length === 0) return 0;
      const byAccount = new Map<string, SubscribedEndpoint[]>();
      for (const e of endpoints) {
        const list = byAccount.get(e.account_id) ?? [];
        list.push({
          id: e.id,
          account_id: e.account_id,
          types: new Set(JSON.parse(e.events) as string[]),
          statuses: e.statuses ? new Set(JSON.parse(e.statuses) as string[]) : null,
        });
        byAccount.set(e.account_id, list);
      }
      const now = clock.now();
      const createdAt = iso(now);
      const rows: WebhookDeliveriesTable[] = [];
      for (const event of events) {
        // The status filter applies here, so an event nobody wants creates no delivery row at all.
        const subscribed = byAccount.get(event.accountId)?.filter((e) => wants(e, event));
        if (!subscribed || subscribed.length === 0) continue;
        const id = ids('evt');
        const body = JSON.stringify({ id, type: event.type, createdAt, data: event.data ?? null });
        const orderKey = orderKeyOf(event);
        for (const endpoint of subscribed)
          rows.push(deliveryRow(endpoint, { id, type: event.type, body, orderKey }, now));
      }
      await insertDeliveries(tx, rows);
      return rows.length;
    },

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
      for (const part of chunks(endpointIds, idsPerQuery)) {
        const rows = await db
          .selectFrom('webhook_endpoints')
          .select(['id', 'url', 'secret', 'previous_secret', 'previous_secret_expires_at', 'enabled'])
          .where('id', 'in', part)
          .execute();
        for (const row of rows) endpoints.set(row.id, Object.assign(row, { parsed: new URL(row.url) }));
      }
      // Deliveries of endpoints deleted or disabled meanwhile (an enqueue that raced the change): settle
      // them here, or they would be claimed again each time their lease ran out.
      const orphans = claimed.filter((d) => !endpoints.has(d.endpoint_id));
      const stopped = claimed.filter((d) => Number(endpoints.get(d.endpoint_id)?.enabled ?? 1) !== 1);
      if (orphans.length > 0 || stopped.length > 0) {
        await db.transaction().execute(async (tx) => {
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
        });
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
     * Sends a signed `webhook.test` event to the endpoint now (disabled ones too: a way to check a receiver
     * before enabling it again) and answers the attempt. The event is a delivery of its own, listed with
     * the others; it is not retried on the ladder (a 410 still disables the endpoint, as for any event).
     */
    async sendTest(actor: ClientActor, endpointId: string): Promise<ManualAttemptResult> {
      const endpoint = await ownEndpoint(db, actor, endpointId);
      const now = clock.now();
      const eventId = ids('evt');
      const body = JSON.stringify({
        id: eventId,
        type: TEST_EVENT_TYPE,
        createdAt: iso(now),
        data: { endpointId, message: 'A test event: your endpoint receives and verifies smsgate webhooks.' },
      });
      const row = deliveryRow(endpoint, { id: eventId, type: TEST_EVENT_TYPE, body, orderKey: null }, now);
      // Held by this process from the start: no worker attempts it while this request does.
      Object.assign(row, { lease_until: now + manualLeaseMs, lease_owner: owner });
      await db.transaction().execute(async (tx) => {
        await insertDeliveries(tx, [row]);
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'webhook.test_sent',
          target: { type: 'webhook', id: endpointId },
          data: { deliveryId: row.id },
        });
      });
      const outcome = await attemptNow(endpoint, row, 'test', 'pending');
      return manualResult(row.id, outcome);
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

    /** Closes idle kept-alive connections to endpoints. */
    close(): void {
      sender.close();
    },
  };
}

export type Webhooks = ReturnType<typeof createWebhooks>;
