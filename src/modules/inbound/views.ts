import type { InboundMessagesTable, NumbersTable } from '../../storage/schema-inbound';

const iso = (ms: number) => new Date(Number(ms)).toISOString();

/** An inbound message as a client sees it (and as the `message.received` event carries it). */
export interface InboundView {
  id: string;
  from: string;
  to: string;
  text: string;
  receivedAt: string;
  /** The route it came in on. */
  route: string;
}

/** An inbound message as the operator sees it: with its account, null when no account had the number. */
export interface InboundAdminView extends InboundView {
  accountId: string | null;
}

/** A virtual number and the account it belongs to. */
export interface NumberView {
  id: string;
  number: string;
  accountId: string;
  createdAt: string;
}

export function inboundView(row: InboundMessagesTable): InboundView {
  return {
    id: row.id,
    from: row.from_number,
    to: row.to_number,
    text: row.text,
    receivedAt: iso(row.received_at),
    route: row.route_id,
  };
}

export function inboundAdminView(row: InboundMessagesTable): InboundAdminView {
  return Object.assign(inboundView(row), { accountId: row.account_id });
}

export function numberView(row: NumbersTable): NumberView {
  return { id: row.id, number: row.number, accountId: row.account_id, createdAt: iso(row.created_at) };
}
