import type { Clock } from '../../kernel/clock';
import { AppError } from '../../kernel/errors';
import type { IdGenerator } from '../../kernel/ids';
import type { Logger } from '../../kernel/logger';
import { createBatchWriter } from '../../storage/batch-writer';
import type { Db } from '../../storage/database';
import { prepared, slot } from '../../storage/prepared';
import type { RouteCallbacksTable, RoutesTable } from '../../storage/schema';
import type { RouteEvents } from '../route-port';
import type { RouteCallback, RouteCallbackKind, RouteTypeDefinition, RouteTypes } from './route-types';

/** A worker applying a stored callback holds it this long; past it another may take it. */
const APPLY_LEASE_MS = 60_000;
/** Tries of a callback whose results could not be handed on (the database away): then it is failed. */
const MAX_APPLY_ATTEMPTS = 5;
/** Headers kept with a stored callback: what a parser may read. Credentials are never stored. */
const KEPT_HEADER = /^(content-type|user-agent|x-[\w-]+)$/;
const SIGNATURE_WINDOW_MS = 60_000;

export interface CallbackAnswer {
  status: number;
  contentType: string;
  body: string;
}

const DEFAULT_ANSWER: CallbackAnswer = { status: 200, contentType: 'text/plain', body: '' };

/** Every callback reads its route's row: compiled once (on SQLite it runs on the read-only connection). */
const routeRow = prepared<{ id: string }, Pick<RoutesTable, 'type' | 'config' | 'updated_at'>>((db) =>
  db.selectFrom('routes').select(['type', 'config', 'updated_at']).where('id', '=', slot<string>('id')),
);

/**
 * Carriers' callbacks on `/hooks/routes/:routeId/:kind`: checked with the route type's `verifyCallback`,
 * stored (one row each, committed before the answer), answered with the type's `callbackAnswer`, then
 * applied by a background worker through the same paths SMPP uses (`RouteEvents`). A flood is limited
 * per route by a token bucket in this process; a refused signature is counted for the route's health.
 */
export function createRouteCallbacks(deps: {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  routeTypes: RouteTypes;
  events: RouteEvents;
  logger: Logger;
  /** Callbacks a second per route and process (0: no limit); a burst of as many again is allowed. */
  settings: { perSecond: number };
}) {
  const { db, clock, routeTypes } = deps;
  const parsed = new Map<
    string,
    { version: number; definition: RouteTypeDefinition; config: Record<string, unknown> }
  >();
  const buckets = new Map<string, { tokens: number; at: number }>();
  const signatureFailures = new Map<string, number[]>();
  const writer = createBatchWriter<RouteCallbacksTable>(
    db,
    async (tx, rows) => {
      await tx.insertInto('route_callbacks').values(rows).execute();
    },
    { maxBatch: 500 },
  );

  /**
   * The route's type and parsed config (parsed once per version of its row); null when there is none.
   * Read for every callback (an operator's change applies at once), so compiled once.
   */
  async function routeOf(routeId: string) {
    const [row] = (await routeRow(db, { id: routeId })).rows;
    if (!row || !routeTypes.types.includes(row.type)) return null;
    const version = Number(row.updated_at);
    const cached = parsed.get(routeId);
    if (cached && cached.version === version) return cached;
    const definition = routeTypes.definition(row.type);
    const entry = {
      version,
      definition,
      config: definition.configSchema.parse(routeTypes.read(row.type, row.config)) as Record<string, unknown>,
    };
    parsed.set(routeId, entry);
    return entry;
  }

  /** Takes one token of the route's bucket; the seconds to wait when there is none. */
  function take(routeId: string): number | null {
    const rate = deps.settings.perSecond;
    if (rate <= 0) return null;
    const now = clock.now();
    const capacity = rate * 2;
    const bucket = buckets.get(routeId) ?? { tokens: capacity, at: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    buckets.set(routeId, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return null;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / rate));
  }

  function countSignatureFailure(routeId: string) {
    const now = clock.now();
    const list = (signatureFailures.get(routeId) ?? []).filter((t) => t > now - SIGNATURE_WINDOW_MS);
    if (list.length < 100_000) list.push(now);
    signatureFailures.set(routeId, list);
  }

  const handles = (d: RouteTypeDefinition, kind: RouteCallbackKind) =>
    d.verifyCallback !== undefined && (kind === 'status' ? d.parseReceipt : d.parseInbound) !== undefined;

  return {
    /**
     * Checks, stores and answers one callback. Throws `not_found` (no such route, or its type takes no
     * such callback), `rate_limited` (with `retryAfterSeconds`) or `invalid_signature`.
     */
    async receive(callback: Omit<RouteCallback, 'receivedAt'>): Promise<CallbackAnswer> {
      const route = await routeOf(callback.routeId);
      if (!route || !handles(route.definition, callback.kind))
        throw new AppError('not_found', `No route ${callback.routeId} taking ${callback.kind} callbacks.`);
      const wait = take(callback.routeId);
      if (wait !== null)
        throw new AppError('rate_limited', `Too many callbacks for this route; retry in ${wait} s.`, {
          extra: { retryAfterSeconds: wait },
        });
      const receivedAt = clock.now();
      const verdict = route.definition.verifyCallback!({ ...callback, receivedAt }, route.config);
      if (!verdict.ok) {
        countSignatureFailure(callback.routeId);
        throw new AppError('invalid_signature', `The callback was refused: ${verdict.reason}.`);
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(callback.headers))
        if (KEPT_HEADER.test(name) && value !== undefined)
          headers[name] = (Array.isArray(value) ? value.join(', ') : value).slice(0, 1000);
      await writer.add({
        id: deps.ids('rcb'),
        route_id: callback.routeId,
        kind: callback.kind,
        received_at: receivedAt,
        method: callback.method,
        // The token is the route's credential: the stored copy does without it.
        url: callback.url.replace(/([?&]token=)[^&#]*/, '$1***'),
        headers: JSON.stringify(headers),
        body: callback.body,
        status: 'pending',
        attempts: 0,
        lease_until: 0,
        error: null,
        applied_at: null,
      });
      return route.definition.callbackAnswer ?? DEFAULT_ANSWER;
    },

    /** Refused callbacks of a route in the last minute (this process). */
    signatureFailures(routeId: string): number {
      const now = clock.now();
      return (signatureFailures.get(routeId) ?? []).filter((t) => t > now - SIGNATURE_WINDOW_MS).length;
    },

    /**
     * Applies up to `limit` stored callbacks: parses each with its route type and hands the receipts and
     * messages on. One the parser refuses is marked failed with the reason (never retried); one whose
     * results could not be handed on stays pending and is tried again after its lease.
     */
    async applyDue(limit = 500): Promise<number> {
      const now = clock.now();
      const due = await db
        .selectFrom('route_callbacks')
        .select('id')
        .where('status', '=', 'pending')
        .where('lease_until', '<=', now)
        .orderBy('id')
        .limit(limit)
        .execute();
      if (due.length === 0) return 0;
      const rows = await db
        .updateTable('route_callbacks')
        .set((eb) => ({ lease_until: now + APPLY_LEASE_MS, attempts: eb('attempts', '+', 1) }))
        .where(
          'id',
          'in',
          due.map((r) => r.id),
        )
        .where('status', '=', 'pending')
        .where('lease_until', '<=', now)
        .returningAll()
        .execute();
      const applied: string[] = [];
      const failed: Array<{ id: string; error: string }> = [];
      // One look-up per route of the batch, not per callback.
      const routes = new Map<string, ReturnType<typeof routeOf>>();
      for (const row of rows) if (!routes.has(row.route_id)) routes.set(row.route_id, routeOf(row.route_id));
      await Promise.all(
        rows.map(async (row) => {
          let handOn: Array<() => void | Promise<void>>;
          let route: Awaited<ReturnType<typeof routeOf>>;
          try {
            route = await routes.get(row.route_id)!;
          } catch (error) {
            // The database, not the callback: it stays pending and is tried again after its lease.
            deps.logger.warn({ err: error, callback: row.id }, 'could not read the route of a callback');
            if (Number(row.attempts) >= MAX_APPLY_ATTEMPTS)
              failed.push({ id: row.id, error: `gave up: ${String((error as Error)?.message ?? error)}` });
            return;
          }
          try {
            if (!route) throw new Error('the route was removed');
            const url = new URL(row.url, 'http://callback.invalid');
            const callback: RouteCallback = {
              routeId: row.route_id,
              kind: row.kind as RouteCallbackKind,
              method: row.method === 'GET' ? 'GET' : 'POST',
              url: row.url,
              query: Object.fromEntries(url.searchParams),
              headers: JSON.parse(row.headers) as Record<string, string>,
              body: row.body,
              receivedAt: Number(row.received_at),
            };
            const { definition, config } = route;
            handOn =
              callback.kind === 'status'
                ? definition.parseReceipt!(callback, config).map((r) => () => deps.events.onDeliveryReport(r))
                : definition.parseInbound!(callback, config).map((m) => () => deps.events.onInbound(m));
          } catch (error) {
            failed.push({ id: row.id, error: String((error as Error)?.message ?? error).slice(0, 500) });
            return;
          }
          try {
            await Promise.all(handOn.map((f) => f()));
            applied.push(row.id);
          } catch (error) {
            deps.logger.warn({ err: error, callback: row.id }, 'could not apply a route callback');
            if (Number(row.attempts) >= MAX_APPLY_ATTEMPTS)
              failed.push({ id: row.id, error: `gave up: ${String((error as Error)?.message ?? error)}` });
          }
        }),
      );
      const done = clock.now();
      for (let i = 0; i < applied.length; i += 500)
        await db
          .updateTable('route_callbacks')
          .set({ status: 'applied', applied_at: done })
          .where('id', 'in', applied.slice(i, i + 500))
          .execute();
      for (const f of failed)
        await db
          .updateTable('route_callbacks')
          .set({ status: 'failed', error: f.error, applied_at: done })
          .where('id', '=', f.id)
          .execute();
      return rows.length;
    },
    /** Resolves when every callback handed to `receive` so far has been committed (or refused). */
    idle: writer.idle,
  };
}

export type RouteCallbacks = ReturnType<typeof createRouteCallbacks>;
