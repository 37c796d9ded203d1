import { AppError } from '../../kernel/errors';
import type { Db } from '../../storage/database';
import type { MessageStatus } from '../../storage/schema';
import { type MessageView, messageView } from './views';

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

/** Reading messages: one with its events, or a filtered page (newest first, cursor = last id). */
export function createMessageReader(deps: { db: Db }) {
  const { db } = deps;
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
      const created = {
        at: new Date(Number(m.created_at)).toISOString(),
        status: m.send_at !== null ? 'scheduled' : 'queued',
        detail: 'accepted',
      };
      return {
        ...messageView(m),
        events: [
          created,
          ...events.map((e) => ({
            at: new Date(Number(e.at)).toISOString(),
            status: e.status,
            detail: e.detail,
          })),
        ],
      };
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
      return (await q.execute()).map(messageView);
    },
  };
}
