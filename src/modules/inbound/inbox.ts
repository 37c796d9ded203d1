import { AppError } from '../../kernel/errors';
import type { Db } from '../../storage/database';
import { tryNormalizePhone } from '../phone';
import { type InboundAdminView, type InboundView, inboundAdminView, inboundView } from './views';

export interface InboxFilter {
  /** Sender: matched as given and in E.164. */
  from?: string | undefined;
  /** The account's number it was sent to: matched as given and in E.164. */
  to?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface AdminInboxFilter extends InboxFilter {
  accountId?: string | undefined;
  /** Only messages to numbers no account had. */
  unassigned?: boolean | undefined;
}

/** A filter value as typed and, when it is a valid number, in E.164 (stored addresses are either). */
function addressForms(value: string): string[] {
  const trimmed = value.trim();
  const normalized = tryNormalizePhone(trimmed);
  return normalized.ok && normalized.e164 !== trimmed ? [trimmed, normalized.e164] : [trimmed];
}

/** Reading inbound messages: an account's inbox, and every message for the operator. Newest first. */
export function createInbox(deps: { db: Db }) {
  const { db } = deps;

  function query(filter: InboxFilter) {
    let q = db.selectFrom('inbound_messages').selectAll().orderBy('id', 'desc').limit(filter.limit);
    if (filter.cursor) q = q.where('id', '<', filter.cursor);
    if (filter.from) q = q.where('from_number', 'in', addressForms(filter.from));
    if (filter.to) q = q.where('to_number', 'in', addressForms(filter.to));
    return q;
  }

  return {
    /** The account's inbound messages. */
    async list(accountId: string, filter: InboxFilter): Promise<InboundView[]> {
      const rows = await query(filter).where('account_id', '=', accountId).execute();
      return rows.map(inboundView);
    },

    /** One of the account's inbound messages; another account's id is `not_found` like a missing one. */
    async get(accountId: string, id: string): Promise<InboundView> {
      const row = await db
        .selectFrom('inbound_messages')
        .selectAll()
        .where('id', '=', id)
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      if (!row) throw new AppError('not_found', 'No such inbound message.');
      return inboundView(row);
    },

    /** Every inbound message (operator), with its account; `unassigned` lists those no account received. */
    async listAll(filter: AdminInboxFilter): Promise<InboundAdminView[]> {
      let q = query(filter);
      if (filter.unassigned) q = q.where('account_id', 'is', null);
      else if (filter.accountId) q = q.where('account_id', '=', filter.accountId);
      return (await q.execute()).map(inboundAdminView);
    },
  };
}

export type Inbox = ReturnType<typeof createInbox>;
