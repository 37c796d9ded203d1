/** Row types of the SMPP server's tables (see migrations/0030_smpp_server.ts). */

/** An account's SMPP credential (`system_id` and password hash; the password is shown once). */
export interface SmppCredentialsTable {
  id: string;
  account_id: string;
  system_id: string;
  /** The client's label for it (which system binds with it). */
  name: string | null;
  password_hash: string;
  /** JSON array of IP addresses allowed to bind, or null for any. */
  allowed_ips: string | null;
  max_binds: number;
  /** Wrong passwords in a row (reset by a good bind or a lock). */
  failed_binds: number;
  locked_until: number | null;
  last_bind_at: number | null;
  created_by: string;
  created_at: number;
}

/** A message accepted over SMPP whose final status the client may want as a receipt. */
export interface SmppSubmitsTable {
  message_id: string;
  account_id: string;
  credential_id: string;
  /** SMPP registered_delivery as submitted (bits 0–1: 1 = every final outcome, 2 = failures only). */
  registered_delivery: number;
  source_addr: string;
  /** The first 20 characters of the text, for the receipt's `text:` field. */
  text_head: string;
  submitted_at: number;
}

/** A deliver_sm owed to the account's receiver binds: a delivery receipt or an MO message. */
export interface SmppDeliveriesTable {
  id: string;
  account_id: string;
  kind: 'receipt' | 'mo';
  /** JSON of {@link SmppDelivery} without id and kind. */
  body: string;
  attempts: number;
  next_attempt_at: number;
  created_at: number;
}

export interface SmppTables {
  smpp_credentials: SmppCredentialsTable;
  smpp_submits: SmppSubmitsTable;
  smpp_deliveries: SmppDeliveriesTable;
}
