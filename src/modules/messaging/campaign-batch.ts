import { CompiledQuery, sql } from 'kysely';
import type { Clock } from '../../kernel/clock';
import type { IdGenerator } from '../../kernel/ids';
import type { JobQueue } from '../../queue/job-queue';
import type { DbOrTx } from '../../storage/database';
import type { MessagesTable } from '../../storage/schema';
import type { MessagingSettings } from '../accounts';
import type { Ledger } from '../billing';
import { type PriceList, priceFor } from '../billing';
import { analyzeText, type TextAnalysis } from '../codec';
import { DISPATCH_JOB, type DispatchPayload } from './jobs';
import type { ClientEventSink } from './ports';
import { newMessageRow } from './rows';
import { DISPATCH_BATCH, statusEventData } from './send';

const HOUR_MS = 3_600_000;

const INSERT_CHUNK = 400;
const ID_CHUNK = 500;

/** One pre-rendered, pre-priced campaign message. */
export interface CampaignMessage {
  id: string;
  to: string;
  country: string | null;
  text: string;
  encoding: TextAnalysis['encoding'];
  segments: number;
  /** Total price (micro-credits). */
  price: number;
  sendAt: number;
  /** The A/B variant (0 = A) of a campaign that splits its text; null otherwise. */
  variant?: number | null | undefined;
  /** Set when the message is refused at fan-out (e.g. the credits ran out): written `rejected`, price 0. */
  error?: { code: string; detail: string } | undefined;
}

/**
 * Prices texts the way `send` does (same encoding analysis, same price list), caching the analysis of
 * texts that repeat (a template without placeholders renders the same text for everyone).
 */
export function createTextPricer(ctx: { settings: MessagingSettings; prices: PriceList }) {
  const cache = new Map<string, TextAnalysis>();
  return function price(text: string, country: string | null) {
    let analysis = cache.get(text);
    if (!analysis) {
      analysis = analyzeText(text, { smartReplace: ctx.settings.smartEncoding });
      if (cache.size > 10_000) cache.clear();
      cache.set(text, analysis);
    }
    const unitPrice = priceFor(ctx.prices, country);
    return { analysis, unitPrice, price: unitPrice * analysis.segments };
  };
}

export type TextPricer = ReturnType<typeof createTextPricer>;

/**
 * Campaign messages: written held (`scheduled`, no dispatch job) by the fan-out, released to the dispatch
 * queue in `send_at` order while the campaign runs, held again on pause, failed on cancel. The credits of
 * a campaign are reserved by the campaign as a whole; these messages draw on that reservation, so writing
 * them reserves nothing, and settling them (charge on sent, release on failure) works as for any message.
 */
export function createCampaignMessages(deps: {
  clock: Clock;
  ids: IdGenerator;
  ledger: Ledger;
  queue: JobQueue;
  events: ClientEventSink;
}) {
  const { clock, ids } = deps;
  // The SQL of a chunk depends only on its size: compiled once, then reused with new parameters. Building
  // Kysely's tree of 10,000 values per chunk costs more than the database's insert.
  const insertSql = new Map<number, { sql: string; columns: Array<keyof MessagesTable> }>();
  function insertQuery(tx: DbOrTx, chunk: MessagesTable[]): CompiledQuery {
    let compiled = insertSql.get(chunk.length);
    if (!compiled) {
      compiled = {
        sql: tx
          .insertInto('messages')
          .values(chunk)
          .onConflict((oc) =>
            oc.columns(['campaign_id', 'to_number']).where('campaign_id', 'is not', null).doNothing(),
          )
          .compile().sql,
        columns: Object.keys(chunk[0]!) as Array<keyof MessagesTable>,
      };
      insertSql.set(chunk.length, compiled);
    }
    const columns = compiled.columns;
    const parameters: unknown[] = new Array(chunk.length * columns.length);
    let k = 0;
    for (const row of chunk) for (const c of columns) parameters[k++] = row[c];
    return CompiledQuery.raw(compiled.sql, parameters);
  }

  return {
    /**
     * Inserts a batch in the caller's transaction. A recipient who already has a message of the campaign
     * is skipped (unique index); the answer says which messages were written and what they cost.
     */
    async insertBatch(
      tx: DbOrTx,
      input: {
        accountId: string;
        campaignId: string;
        sender: string;
        type: 'transactional' | 'marketing';
        createdBy: string | null;
        messages: CampaignMessage[];
      },
    ): Promise<{ inserted: number; cost: number }> {
      if (input.messages.length === 0) return { inserted: 0, cost: 0 };
      const now = clock.now();
      // Every row carries `variant` (null without a split), so a chunk's rows have the same columns.
      const rows = input.messages.map((m) =>
        Object.assign(
          newMessageRow({
            id: m.id,
            account_id: input.accountId,
            to_number: m.to,
            sender: input.sender,
            text: m.text,
            type: input.type,
            status: m.error ? 'rejected' : 'scheduled',
            encoding: m.encoding,
            segments: m.segments,
            price: m.error ? 0 : m.price,
            error_code: m.error?.code ?? null,
            error_detail: m.error?.detail ?? null,
            done_at: m.error ? now : null,
            country: m.country,
            campaign_id: input.campaignId,
            send_at: m.sendAt,
            created_by: input.createdBy,
            created_at: now,
          }),
          { variant: m.variant ?? null },
        ),
      );
      let inserted = 0;
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        const chunk = rows.slice(i, i + INSERT_CHUNK);
        const result = await tx.executeQuery(insertQuery(tx, chunk));
        inserted += Number(result.numAffectedRows ?? 0);
      }
      let cost = rows.reduce((sum, r) => sum + r.price, 0);
      if (inserted !== rows.length) {
        // Rare: some recipients already had a message. Count what was really written.
        cost = 0;
        inserted = 0;
        for (let i = 0; i < rows.length; i += ID_CHUNK) {
          const chunk = rows.slice(i, i + ID_CHUNK);
          const found = await tx
            .selectFrom('messages')
            .select(['price'])
            .where(
              'id',
              'in',
              chunk.map((r) => r.id),
            )
            .execute();
          inserted += found.length;
          for (const f of found) cost += Number(f.price);
        }
      }
      return { inserted, cost };
    },

    /**
     * Hands due held messages to the dispatch queue, oldest `send_at` first, at most `limit`. Messages of
     * a country whose recipients are in quiet hours now (`openingOf(country) > now`) are moved to the
     * opening instead, all at once, so a pause that ran into the night cannot wake anyone.
     */
    async releaseDue(
      tx: DbOrTx,
      input: { campaignId: string; limit: number; openingOf?: (country: string | null) => number },
    ): Promise<number> {
      const now = clock.now();
      let released = 0;
      for (let round = 0; round < 20 && released < input.limit; round++) {
        const due = await tx
          .selectFrom('messages')
          .select(['id', 'country'])
          .where('campaign_id', '=', input.campaignId)
          .where('status', '=', 'scheduled')
          .where('send_at', '<=', now)
          .orderBy('send_at')
          .limit(input.limit - released)
          .execute();
        if (due.length === 0) break;
        const deferred = new Map<string | null, number>();
        const go: string[] = [];
        for (const m of due) {
          const opening = input.openingOf ? input.openingOf(m.country) : now;
          if (opening > now) deferred.set(m.country, opening);
          else go.push(m.id);
        }
        for (const [country, opening] of deferred) {
          let q = tx
            .updateTable('messages')
            .set({ send_at: opening, updated_at: now })
            .where('campaign_id', '=', input.campaignId)
            .where('status', '=', 'scheduled')
            .where('send_at', '<', opening);
          q = country === null ? q.where('country', 'is', null) : q.where('country', '=', country);
          await q.execute();
        }
        for (let i = 0; i < go.length; i += ID_CHUNK) {
          await tx
            .updateTable('messages')
            .set({ status: 'queued', updated_at: now })
            .where('id', 'in', go.slice(i, i + ID_CHUNK))
            .execute();
        }
        const jobs = [];
        for (let i = 0; i < go.length; i += DISPATCH_BATCH) {
          const payload: DispatchPayload = { messageIds: go.slice(i, i + DISPATCH_BATCH) };
          jobs.push({ kind: DISPATCH_JOB, payload, runAt: now });
        }
        await deps.queue.enqueue(tx, jobs);
        released += go.length;
      }
      return released;
    },

    /**
     * Pause: queued messages not yet handed to a route go back to held. The dispatcher skips held
     * campaign messages, so jobs already in the queue send nothing for them.
     */
    async hold(tx: DbOrTx, campaignId: string): Promise<number> {
      const result = await tx
        .updateTable('messages')
        .set({ status: 'scheduled', updated_at: clock.now() })
        .where('campaign_id', '=', campaignId)
        .where('status', '=', 'queued')
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    /** Resume: moves the plan of held messages later by the time the campaign was paused. */
    async shift(tx: DbOrTx, campaignId: string, byMs: number): Promise<void> {
      if (byMs <= 0) return;
      await tx
        .updateTable('messages')
        .set((eb) => ({ send_at: eb('send_at', '+', byMs), updated_at: clock.now() }))
        .where('campaign_id', '=', campaignId)
        .where('status', '=', 'scheduled')
        .execute();
    },

    /**
     * Cancel, one batch: up to `limit` messages not yet handed to a route become `failed`
     * (`campaign_cancelled`), their reservations are released and `message.status` events published.
     * Returns how many and their price (0 when none is left). Batches keep each transaction short.
     */
    async cancel(
      tx: DbOrTx,
      campaignId: string,
      limit = ID_CHUNK,
    ): Promise<{ cancelled: number; released: number }> {
      const now = clock.now();
      let cancelled = 0;
      let released = 0;
      const error = {
        code: 'campaign_cancelled',
        detail: 'The campaign was cancelled before this was sent.',
      };
      for (;;) {
        const rows: Array<
          Pick<MessagesTable, 'id' | 'account_id' | 'to_number' | 'reference' | 'segments' | 'price'>
        > = await tx
          .selectFrom('messages')
          .select(['id', 'account_id', 'to_number', 'reference', 'segments', 'price'])
          .where('campaign_id', '=', campaignId)
          .where('status', 'in', ['scheduled', 'queued'])
          .limit(Math.min(ID_CHUNK, limit - cancelled))
          .execute();
        if (rows.length === 0) break;
        await tx
          .updateTable('messages')
          .set({
            status: 'failed',
            error_code: error.code,
            error_detail: error.detail,
            done_at: now,
            updated_at: now,
          })
          .where(
            'id',
            'in',
            rows.map((r) => r.id),
          )
          .execute();
        await tx
          .insertInto('message_events')
          .values(
            rows.map((r) => ({
              id: ids('evt'),
              message_id: r.id,
              status: 'failed',
              detail: error.code,
              at: now,
            })),
          )
          .execute();
        await deps.events.publish(
          tx,
          rows.map((r) => ({
            accountId: r.account_id,
            type: 'message.status' as const,
            data: statusEventData(r, 'failed', now, error),
          })),
        );
        const sum = rows.reduce((s, r) => s + Number(r.price), 0);
        await deps.ledger.settle(
          tx,
          [{ accountId: rows[0]!.account_id, kind: 'release', amountMicro: sum }],
          'campaign cancelled',
        );
        cancelled += rows.length;
        released += sum;
        if (cancelled >= limit) break;
      }
      return { cancelled, released };
    },

    /** Counts and sums of a campaign's messages, for its live statistics. */
    async stats(db: DbOrTx, campaignId: string) {
      const byStatus = await db
        .selectFrom('messages')
        .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
        .where('campaign_id', '=', campaignId)
        .groupBy('status')
        .execute();
      const charged = await db
        .selectFrom('messages')
        .select((eb) => [eb.fn.sum<number>('price').as('cost')])
        .where('campaign_id', '=', campaignId)
        .where('charged', '=', 1)
        .executeTakeFirst();
      const byCountry = await db
        .selectFrom('messages')
        .select((eb) => [
          'country',
          'status',
          eb.fn.countAll<number>().as('n'),
          eb.fn.sum<number>(eb.case().when('charged', '=', 1).then(eb.ref('price')).else(0).end()).as('cost'),
        ])
        .where('campaign_id', '=', campaignId)
        .groupBy(['country', 'status'])
        .execute();
      return {
        byStatus: byStatus.map((r) => ({ status: r.status, count: Number(r.n) })),
        cost: Number(charged?.cost ?? 0),
        byCountry: byCountry.map((r) => ({
          country: r.country,
          status: r.status,
          count: Number(r.n),
          cost: Number(r.cost ?? 0),
        })),
      };
    },

    /** Message counts of a campaign per A/B variant and status (rows without a variant left out). */
    async statsByVariant(db: DbOrTx, campaignId: string) {
      const rows = await db
        .selectFrom('messages')
        .select((eb) => ['variant', 'status', eb.fn.countAll<number>().as('n')])
        .where('campaign_id', '=', campaignId)
        .where('variant', 'is not', null)
        .groupBy(['variant', 'status'])
        .execute();
      return rows.map((r) => ({ variant: Number(r.variant), status: r.status, count: Number(r.n) }));
    },

    /** Sent and delivered counts per hour (bucket start in ms) of a campaign. */
    async timeline(db: DbOrTx, campaignId: string) {
      // The hour's start by integer arithmetic, the same on both dialects (a division by a bound number
      // is fractional on SQLite, which gave every message its own "hour"). Literals, not parameters, so
      // that PostgreSQL matches the GROUP BY expression to the selected one.
      const hourOf = (column: 'sent_at' | 'done_at') =>
        sql<number>`(${sql.ref(column)} - ${sql.ref(column)} % ${sql.lit(HOUR_MS)})`;
      const sent = await db
        .selectFrom('messages')
        .select((eb) => [hourOf('sent_at').as('bucket'), eb.fn.countAll<number>().as('n')])
        .where('campaign_id', '=', campaignId)
        .where('sent_at', 'is not', null)
        .groupBy(hourOf('sent_at'))
        .execute();
      const delivered = await db
        .selectFrom('messages')
        .select((eb) => [hourOf('done_at').as('bucket'), eb.fn.countAll<number>().as('n')])
        .where('campaign_id', '=', campaignId)
        .where('status', '=', 'delivered')
        .where('done_at', 'is not', null)
        .groupBy(hourOf('done_at'))
        .execute();
      return {
        sent: sent.map((r) => ({ hour: Number(r.bucket), count: Number(r.n) })),
        delivered: delivered.map((r) => ({ hour: Number(r.bucket), count: Number(r.n) })),
      };
    },
  };
}

export type CampaignMessages = ReturnType<typeof createCampaignMessages>;
