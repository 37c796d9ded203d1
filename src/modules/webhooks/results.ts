/**
 * Records the results of attempts: the delivery's next status on the retry ladder (only while the
 * attempt's lease is still held), the attempt row, each endpoint's health (failing-since, timeouts,
 * likely duplicates; the backlog made due when an outage ends), and the endpoint disabled on a 410.
 * Results are written as they come, several per transaction, retried while the database is away.
 */
import { sql } from 'kysely';
import { pause } from '../../kernel/timing';
import { caseById } from '../../storage/case-update';
import { chunks } from '../../storage/chunk';
import type { DbOrTx } from '../../storage/database';
import { untilStorageBack } from '../../storage/faults';
import { whereHeld } from '../../storage/lease';
import type { WebhookAttemptsTable, WebhookDeliveriesTable } from '../../storage/schema-webhooks';
import { RETRY_LADDER_MS } from './events';
import { type PostOutcome, TIMEOUT_ERROR_PREFIX } from './ports';
import {
  type ClaimedDelivery,
  cancelPending,
  DELIVERIES,
  flushBacklog,
  MAX_ROWS_PER_INSERT,
  succeeded,
  type WebhooksContext,
} from './shared';

/** Writing attempt results while the database is away: retried after 250 ms, doubling, for about a minute. */
const RECORD_RETRY_FIRST_MS = 250;
const RECORD_RETRY_LAST_MS = 32_000;

/**
 * Failing without a break at least this long before a success counts as an outage that ended (the
 * backlog is then sent at once). Shorter streaks are single bad events among good ones: their own
 * ladder must not be cut short. A delivery reaches the ladder's long steps only after failing this long.
 */
const OUTAGE_MIN_MS = 5_000;

/** Rows per UPDATE of final results: each row adds a dozen parameters. */
const FINALS_PER_UPDATE = 500;

/**
 * A first attempt on the ladder that succeeded is kept on its delivery row, not in an attempt row of its
 * own (migration 0032): the row's `last_*` already say when and what it answered.
 */
function keptOnRow(r: AttemptResult): boolean {
  return r.trigger === null && r.attempt === 1 && succeeded(r.outcome);
}

/** What a delivery keeps as its last error: the transport's, or the status of a non-2xx answer. */
function lastError(outcome: PostOutcome): string | null {
  return outcome.error ?? (succeeded(outcome) ? null : `HTTP ${outcome.statusCode}`);
}

/** What started an attempt: the retry ladder (null), or the client ("Send test event", "Redeliver"). */
export type AttemptTrigger = 'test' | 'redeliver' | null;

export interface AttemptResult {
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

export function createResultRecorder(ctx: WebhooksContext) {
  const { db, ids, audit, logger, owner } = ctx;

  /**
   * The results of automatic attempts that end their deliveries (most of them: first attempts that
   * succeeded), one UPDATE per batch instead of one per delivery; answers the ids written. Each row is
   * written only under the lease this worker claimed it with.
   */
  async function recordFinals(tx: DbOrTx, finals: Array<{ r: AttemptResult; status: string }>) {
    const written = new Set<string>();
    for (const part of chunks(finals, FINALS_PER_UPDATE)) {
      const column = <T>(type: 'text' | 'bigint', value: (f: (typeof part)[number]) => T) =>
        caseById(
          part.map((f) => [f.r.delivery.id, value(f)]),
          type,
        );
      const rows = await tx
        .updateTable('webhook_deliveries')
        .set({
          attempts: column('bigint', (f) => f.r.attempt),
          lease_until: 0,
          lease_owner: null,
          last_attempt_at: column('bigint', (f) => f.r.at),
          last_status_code: column('bigint', (f) => f.r.outcome.statusCode),
          last_error: column('text', (f) => lastError(f.r.outcome)),
          status: column('text', (f) => f.status) as never,
          completed_at: column('bigint', (f) => f.r.finishedAt),
          first_duration_ms: column('bigint', (f) => (keptOnRow(f.r) ? f.r.outcome.durationMs : null)),
          first_response_body: column('text', (f) => (keptOnRow(f.r) ? f.r.outcome.responseExcerpt : null)),
          first_response_bytes: column('bigint', (f) => (keptOnRow(f.r) ? f.r.outcome.responseBytes : null)),
          first_response_binary: column('bigint', (f) =>
            keptOnRow(f.r) && f.r.outcome.responseBinary ? 1 : 0,
          ),
        })
        .where(
          'id',
          'in',
          part.map((f) => f.r.delivery.id),
        )
        .where('lease_owner', '=', owner)
        .where(
          'lease_until',
          '=',
          column('bigint', (f) => Number(f.r.delivery.lease_until)),
        )
        .returning('id')
        .execute();
      for (const row of rows) written.add(row.id);
    }
    return written;
  }

  /** Writes the first attempt a delivery row holds (if it holds one) as an attempt row, under the lease. */
  async function moveFirstAttempt(tx: DbOrTx, delivery: ClaimedDelivery) {
    await tx
      .insertInto('webhook_attempts')
      .columns([
        'id',
        'delivery_id',
        'attempt',
        'at',
        'status_code',
        'error',
        'duration_ms',
        'response_body',
        'trigger',
        'response_bytes',
        'response_binary',
      ])
      .expression((eb) =>
        whereHeld(
          eb
            .selectFrom('webhook_deliveries')
            .select((s) => [
              s.val(ids('wha')).as('id'),
              'id as delivery_id',
              s.lit(1).as('attempt'),
              s.fn.coalesce('last_attempt_at', s.lit(0)).as('at'),
              'last_status_code as status_code',
              'last_error as error',
              'first_duration_ms as duration_ms',
              'first_response_body as response_body',
              s.lit(null).as('trigger'),
              'first_response_bytes as response_bytes',
              s.fn.coalesce('first_response_binary', s.lit(0)).as('response_binary'),
            ])
            .where('id', '=', delivery.id)
            .where('first_duration_ms', 'is not', null),
          DELIVERIES,
          { until: delivery.lease_until, owner },
        ),
      )
      .execute();
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
      // A later boot of this worker may have taken a delivery back and claimed it again within the same
      // ms: only this owner's lease of that moment is written.
      const finals: Array<{ r: AttemptResult; status: string }> = [];
      const batched = new Set<AttemptResult>();
      const seen = new Set<string>();
      for (const r of results) {
        const status = statusAfter(r);
        // A delivery named twice in one batch (never on the ladder) keeps the row-by-row order of writes.
        if (r.trigger === null && status !== 'pending' && !seen.has(r.delivery.id)) {
          finals.push({ r, status });
          batched.add(r);
        }
        seen.add(r.delivery.id);
      }
      const written = finals.length > 0 ? await recordFinals(tx, finals) : new Set<string>();
      for (const r of results) {
        const { outcome, attempt } = r;
        const status = statusAfter(r);
        if (outcome.statusCode === 410)
          gone.set(r.delivery.endpoint_id, { accountId: r.delivery.account_id, at: r.finishedAt });
        const manual = r.trigger !== null;
        if (!batched.has(r)) {
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
            last_error: lastError(outcome),
            status,
            completed_at: finishes ? r.finishedAt : undefined,
            next_attempt_at:
              status === 'pending' && !manual
                ? r.finishedAt + RETRY_LADDER_MS[attempt - manualAttempts]!
                : undefined,
            manual_attempts: manual ? manualAttempts : undefined,
            first_duration_ms: manual ? null : undefined,
            first_response_body: manual ? null : undefined,
            first_response_bytes: manual ? null : undefined,
            first_response_binary: manual ? 0 : undefined,
          };
          // A client's attempt after a first one kept on the row: that one moves to an attempt row first.
          if (manual) await moveFirstAttempt(tx, r.delivery);
          const updated = await whereHeld(
            tx.updateTable('webhook_deliveries').set(update).where('id', '=', r.delivery.id),
            DELIVERIES,
            { until: r.delivery.lease_until, owner },
          ).executeTakeFirst();
          // No row: the delivery was cancelled or deleted meanwhile, or the lease was lost.
          if (Number(updated.numUpdatedRows ?? 0) === 0) continue;
        } else if (!written.has(r.delivery.id)) continue;
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
        if (batched.has(r) && keptOnRow(r)) continue;
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
   * Results are written as they come, several per transaction when they arrive together, so a slow
   * endpoint never holds back the record of the fast ones (group commit).
   */
  function resultWriter() {
    let buffer: AttemptResult[] = [];
    let running: Promise<void> | null = null;
    async function drain() {
      // Let results that arrive together share one transaction (one fsync) instead of one each.
      await pause(5);
      while (buffer.length > 0) {
        const batch = buffer;
        buffer = [];
        // The database away (a restart, a connection cut): the results are known, so they are written
        // once it is back rather than the deliveries sent again when their long claim lease runs out
        // (minutes). A write after that lease is refused by its lease check, so retrying is safe.
        try {
          await untilStorageBack(() => recordResults(batch), RECORD_RETRY_FIRST_MS, RECORD_RETRY_LAST_MS);
        } catch (error) {
          // The leases run out and the deliveries are attempted again: at least once, never lost.
          logger.error({ err: error, deliveries: batch.length }, 'recording webhook attempts failed');
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

  return { recordResults, resultWriter };
}

export type ResultRecorder = ReturnType<typeof createResultRecorder>;
