import { prepared, slot } from '../../storage/prepared';
import type { MessagesTable } from '../../storage/schema';

/** What a caller decides about a new message; everything the dispatcher fills in later starts empty. */
export type NewMessage = Pick<
  MessagesTable,
  | 'id'
  | 'account_id'
  | 'to_number'
  | 'sender'
  | 'text'
  | 'type'
  | 'status'
  | 'encoding'
  | 'segments'
  | 'price'
  | 'country'
  | 'send_at'
  | 'created_by'
  | 'created_at'
> &
  Partial<
    Pick<
      MessagesTable,
      | 'reference'
      | 'campaign_id'
      | 'valid_until'
      | 'error_code'
      | 'error_detail'
      | 'done_at'
      | 'status_callback'
    >
  >;

/**
 * A full `messages` row for a message that has not been handed to a route yet. Written out property by
 * property: a campaign builds a million of these, and an object spread here costs far more.
 */
export function newMessageRow(m: NewMessage): MessagesTable {
  return {
    id: m.id,
    account_id: m.account_id,
    to_number: m.to_number,
    sender: m.sender,
    text: m.text,
    type: m.type,
    status: m.status,
    encoding: m.encoding,
    segments: m.segments,
    price: m.price,
    country: m.country,
    reference: m.reference ?? null,
    campaign_id: m.campaign_id ?? null,
    send_at: m.send_at,
    valid_until: m.valid_until ?? null,
    route_id: null,
    carrier_ref: null,
    attempts: 0,
    error_code: m.error_code ?? null,
    error_detail: m.error_detail ?? null,
    carrier_error_code: null,
    charged: 0,
    created_by: m.created_by,
    created_at: m.created_at,
    updated_at: m.created_at,
    sent_at: null,
    done_at: m.done_at ?? null,
    status_callback: m.status_callback ?? 0,
  };
}

/** The columns `newMessageRow` writes, in its order. */
const NEW_MESSAGE_COLUMNS = Object.keys(
  newMessageRow({
    id: '',
    account_id: '',
    to_number: '',
    sender: '',
    text: '',
    type: 'transactional',
    status: 'queued',
    encoding: 'GSM-7',
    segments: 0,
    price: 0,
    country: null,
    send_at: null,
    created_by: null,
    created_at: 0,
  }),
) as Array<keyof MessagesTable>;

/** One new message: the common single-recipient send, compiled once. */
export const insertOneMessage = prepared<MessagesTable>((db) =>
  db
    .insertInto('messages')
    .values(Object.fromEntries(NEW_MESSAGE_COLUMNS.map((c) => [c, slot(c)])) as unknown as MessagesTable),
);
