/** Row types of the inbound module's tables (see migrations/0004_inbound.ts). */

/** A virtual number: inbound SMS sent to it belong to its account. */
export interface NumbersTable {
  id: string;
  /** E.164 with the leading '+'; unique across the platform. */
  number: string;
  account_id: string;
  created_at: number;
}

/** One mobile-originated message as a route handed it in. */
export interface InboundMessagesTable {
  id: string;
  /** The owner of `to_number` when it arrived; null when no account had that number. */
  account_id: string | null;
  route_id: string;
  /** E.164 when the sender is a valid number, else as received (e.g. an alphanumeric sender). */
  from_number: string;
  /** E.164 when the destination is a valid number, else as received. */
  to_number: string;
  text: string;
  /** The first word of the text, upper-cased and without surrounding punctuation (STOP, HELP, …); null if none. */
  keyword: string | null;
  /** When the route received it (ms since the epoch). */
  received_at: number;
}

export interface InboundTables {
  numbers: NumbersTable;
  inbound_messages: InboundMessagesTable;
}
