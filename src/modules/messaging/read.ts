import { sql } from 'kysely';
import { AppError } from '../../kernel/errors';
import { firstIdAt } from '../../kernel/ids';
import type { Db } from '../../storage/database';
import type { MessageStatus, MessagesTable } from '../../storage/schema';
import { parseMessagingSettings } from '../accounts';
import { microToCredits } from '../billing';
import { ID_SLACK_MS, type MessageFilter, type MessageQuery, resolveMessageQuery } from './filter';
import { type MessageRouteInfo, type MessageView, routedMessageView } from './views';

/** A page of `GET /v1/messages`: the query's filters, newest first, after the cursor (an id). */
export interface MessagePageQuery extends MessageQuery {
  limit: number;
  cursor?: string | undefined;
}

const DAY_MS = 86_400_000;

/** Said in the events of a message that a simulated carrier took, next to what the carrier reported. */
export const SIMULATED_NOTE = 'simulated carrier: not delivered to a real phone';
const CARRIER_STATUSES = new Set(['sent', 'delivered', 'undelivered', 'expired']);

/**
 * Reading messages: one with its events, or a filtered page (newest first, cursor = last id).
 * `routeInfo` names the route a message took and says whether it was simulated.
 */
export function createMessageReader(deps: {
  db: Db;
  routeInfo?: (routeId: string) => MessageRouteInfo | undefined;
}) {
  const { db } = deps;
  const routeOf = (m: MessagesTable) =>
    m.route_id === null || !deps.routeInfo ? undefined : deps.routeInfo(m.route_id);
  const view = (m: MessagesTable) => routedMessageView(m, routeOf(m));

  async function resolve(accountId: string, q: MessageQuery): Promise<MessageFilter> {
    // A national number is read with the account's default country, as a send would read it.
    let defaultCountry: string | null = null;
    if (q.to !== undefined) {
      const account = await db
        .selectFrom('accounts')
        .select('settings')
        .where('id', '=', accountId)
        .executeTakeFirst();
      defaultCountry = parseMessagingSettings(account?.settings).defaultCountry;
    }
    return resolveMessageQuery(q, defaultCountry);
  }

  /** One status (or none) at a time: each such query walks an index in id order and stops at `limit`. */
  function oneStatus(
    accountId: string,
    f: MessageFilter,
    status: MessageStatus | undefined,
    limit: number,
    cursor: string | undefined,
  ) {
    let q = db
      .selectFrom('messages')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('deleted_at', 'is', null)
      .orderBy('id', 'desc')
      .limit(limit);
    if (cursor) q = q.where('id', '<', cursor);
    if (status) q = q.where('status', '=', status);
    if (f.to && 'exact' in f.to) q = q.where('to_number', '=', f.to.exact);
    // Stored numbers are `+` and at most 15 digits, so this range holds exactly those starting with the prefix.
    if (f.to && 'prefix' in f.to)
      q = q.where('to_number', '>=', f.to.prefix).where('to_number', '<=', `${f.to.prefix}${'9'.repeat(15)}`);
    if (f.sender !== undefined) q = q.where('sender', '=', f.sender);
    if (f.campaignId !== undefined) q = q.where('campaign_id', '=', f.campaignId);
    // Ids sort by creation time: a time range is also an id range, which the (account, id) index serves.
    if (f.createdAfter !== undefined) {
      q = q.where('id', '>=', firstIdAt('msg', f.createdAfter)).where('created_at', '>=', f.createdAfter);
    }
    if (f.createdBefore !== undefined) {
      q = q
        .where('id', '<', firstIdAt('msg', f.createdBefore + ID_SLACK_MS))
        .where('created_at', '<', f.createdBefore);
    }
    return q.execute();
  }

  /**
   * Several statuses are read one status at a time and merged: `status IN (…)` would walk the account's
   * messages in id order and, for rare statuses, read all of them to fill a page.
   */
  async function pageOf(
    accountId: string,
    f: MessageFilter,
    limit: number,
    cursor: string | undefined,
  ): Promise<MessagesTable[]> {
    const statuses = f.statuses ?? [];
    if (statuses.length <= 1) return oneStatus(accountId, f, statuses[0], limit, cursor);
    const pages = await Promise.all(statuses.map((s) => oneStatus(accountId, f, s, limit, cursor)));
    return pages
      .flat()
      .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .slice(0, limit);
  }
  async function withEvents(
    m: MessagesTable,
  ): Promise<MessageView & { events: Array<{ at: string; status: string; detail: string | null }> }> {
    const id = m.id;
    const events = await db
      .selectFrom('message_events')
      .selectAll()
      .where('message_id', '=', id)
      .orderBy('id')
      .execute();
    const route = routeOf(m);
    const simulated = route?.simulated === true;
    const created = {
      at: new Date(Number(m.created_at)).toISOString(),
      status: m.send_at !== null ? 'scheduled' : 'queued',
      detail: 'accepted',
    };
    // A message held at acceptance was never queued: its own first event says what it was.
    const heldAtOnce = events[0]?.status === 'held';
    return Object.assign(routedMessageView(m, route), {
      events: [
        ...(heldAtOnce ? [] : [created]),
        ...events.map((e) => ({
          at: new Date(Number(e.at)).toISOString(),
          status: e.status,
          // A simulator's "delivered" is not a real one: every carrier step says so.
          detail:
            simulated && CARRIER_STATUSES.has(e.status)
              ? e.detail
                ? `${e.detail}; ${SIMULATED_NOTE}`
                : SIMULATED_NOTE
              : e.detail,
        })),
      ],
    });
  }

  return {
    async get(
      accountId: string,
      id: string,
    ): Promise<MessageView & { events: Array<{ at: string; status: string; detail: string | null }> }> {
      const m = await db
        .selectFrom('messages')
        .selectAll()
        .where('id', '=', id)
        .where('account_id', '=', accountId)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (!m) throw new AppError('not_found', 'No such message.');
      return withEvents(m);
    },

    /**
     * One message of any account as the operator sees it: the client's view plus the account, the route's
     * carrier cost (credits, null when unknown) and how its route was chosen. Clients never see these.
     */
    async getForOperator(id: string) {
      const m = await db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
      if (!m) throw new AppError('not_found', 'No such message.');
      const view = await withEvents(m);
      const cost = m.cost === null || m.cost === undefined ? null : microToCredits(Number(m.cost));
      const routing = m.routing
        ? (JSON.parse(m.routing) as { rule: string | null; strategy: string; reason: string })
        : null;
      return Object.assign(view, { accountId: m.account_id, cost, routing });
    },

    /**
     * What the receipts of the newest `limit` settled messages said (route, country, delivered or not,
     * submit → receipt time), oldest first: routing's live quality starts from them. Walks the newest ids
     * only (the primary key, backwards), so it costs the same on any size of table.
     */
    async recentReceipts(limit: number) {
      const rows = await db
        .selectFrom('messages')
        .select(['route_id', 'country', 'status', 'sent_at', 'done_at'])
        .where('status', 'in', ['delivered', 'undelivered', 'rejected', 'expired'])
        .where('route_id', 'is not', null)
        .where('sent_at', 'is not', null)
        .where('done_at', 'is not', null)
        // A receipt timeout is the absence of a receipt, not one.
        .where((eb) => eb.or([eb('error_code', 'is', null), eb('error_code', '!=', 'receipt_timeout')]))
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.reverse().map((r) => ({
        routeId: r.route_id!,
        country: r.country,
        delivered: r.status === 'delivered',
        latencyMs: Number(r.done_at) - Number(r.sent_at),
      }));
    },

    /** Messages a route has sent that still wait for a delivery report (the simulator answers these). */
    async awaitingReports(
      routeId: string,
      sentBefore: number,
      limit: number,
    ): Promise<Array<{ carrierRef: string; to: string }>> {
      const rows = await db
        .selectFrom('messages')
        .select(['carrier_ref', 'to_number'])
        .where('route_id', '=', routeId)
        .where('status', '=', 'sent')
        .where('sent_at', '<=', sentBefore)
        .orderBy('sent_at')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ carrierRef: r.carrier_ref!, to: r.to_number }));
    },

    /**
     * Messages created per day (in the caller's time zone, as an offset) and status, over `days` days up
     * to `now`. Ids sort by creation time, so the range is an id range on the (account, id) index.
     */
    async dailyCounts(
      accountId: string,
      options: { now: number; days: number; utcOffsetMinutes: number },
    ): Promise<Array<{ day: string; status: string; count: number }>> {
      const offset = options.utcOffsetMinutes * 60_000;
      const todayStart = Math.floor((options.now + offset) / DAY_MS) * DAY_MS - offset;
      const since = todayStart - (options.days - 1) * DAY_MS;
      // Literals, not parameters: PostgreSQL matches the GROUP BY expression to the selected one by its text.
      const day = sql<number>`(${sql.ref('created_at')} + ${sql.lit(offset)}) / ${sql.lit(DAY_MS)}`;
      const rows = await db
        .selectFrom('messages')
        .select((eb) => [day.as('day'), 'status', eb.fn.countAll<number>().as('n')])
        .where('account_id', '=', accountId)
        .where('id', '>=', firstIdAt('msg', since))
        .where('deleted_at', 'is', null)
        .groupBy([day, 'status'])
        .execute();
      return rows.map((r) => ({
        day: new Date(Number(r.day) * DAY_MS).toISOString().slice(0, 10),
        status: r.status,
        count: Number(r.n),
      }));
    },

    /** A page of messages, newest first; a bad filter value is an AppError naming its query field. */
    async list(accountId: string, q: MessagePageQuery): Promise<MessageView[]> {
      const filter = await resolve(accountId, q);
      return (await pageOf(accountId, filter, q.limit, q.cursor)).map(view);
    },

    /**
     * Every message the filters match, newest first, in batches of `batch` read one after the other (an
     * export holds one batch at a time). The filters are checked before the first batch is asked for.
     */
    async iterate(accountId: string, q: MessageQuery, batch = 1000): Promise<AsyncGenerator<MessageView[]>> {
      const filter = await resolve(accountId, q);
      return (async function* () {
        let cursor: string | undefined;
        for (;;) {
          const rows = await pageOf(accountId, filter, batch, cursor);
          if (rows.length === 0) return;
          yield rows.map(view);
          if (rows.length < batch) return;
          cursor = rows[rows.length - 1]!.id;
        }
      })();
    },
  };
}
