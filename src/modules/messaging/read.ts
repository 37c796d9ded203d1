import { sql } from 'kysely';
import { AppError } from '../../kernel/errors';
import { firstIdAt } from '../../kernel/ids';
import type { Db } from '../../storage/database';
import type { MessageStatus, MessagesTable } from '../../storage/schema';
import { type MessageRouteInfo, type MessageView, routedMessageView } from './views';

export interface MessageFilter {
  status?: MessageStatus | undefined;
  to?: string | undefined;
  from?: string | undefined;
  createdAfter?: string | undefined;
  createdBefore?: string | undefined;
  campaignId?: string | undefined;
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
      return Object.assign(routedMessageView(m, route), {
        events: [
          created,
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

    async list(accountId: string, f: MessageFilter): Promise<MessageView[]> {
      let q = db
        .selectFrom('messages')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('deleted_at', 'is', null)
        .orderBy('id', 'desc')
        .limit(f.limit);
      if (f.cursor) q = q.where('id', '<', f.cursor);
      if (f.status) q = q.where('status', '=', f.status);
      if (f.to) q = q.where('to_number', '=', f.to);
      if (f.from) q = q.where('sender', '=', f.from);
      if (f.campaignId) q = q.where('campaign_id', '=', f.campaignId);
      if (f.createdAfter) q = q.where('created_at', '>=', Date.parse(f.createdAfter));
      if (f.createdBefore) q = q.where('created_at', '<', Date.parse(f.createdBefore));
      return (await q.execute()).map(view);
    },
  };
}
