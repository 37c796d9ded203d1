/** Row types of the webhooks module's tables (see migrations/0003_webhooks.ts). */

/** A client's webhook endpoint: where events of the subscribed types are POSTed. */
export interface WebhookEndpointsTable {
  id: string;
  account_id: string;
  url: string;
  description: string | null;
  /** JSON array of subscribed event types. */
  events: string;
  /** The signing secret (`whsec_…`); kept in clear because every delivery is signed with it. */
  secret: string;
  /** The secret before the last rotation, still signed with until `previous_secret_expires_at`. */
  previous_secret: string | null;
  previous_secret_expires_at: number | null;
  /** 1 when deliveries are made; 0 after the client disabled it or it answered 410 Gone. */
  enabled: number;
  disabled_reason: string | null;
  disabled_at: number | null;
  created_at: number;
  updated_at: number;
  /** Since when its attempts fail (null: the last one succeeded); 0014_receipts_webhooks. */
  failing_since?: number | null;
  /** Attempts that timed out: the receiver may have processed them all the same. */
  timeouts?: number;
  /** Deliveries that succeeded on a retry after a timed-out attempt: the receiver likely got them twice. */
  duplicates_suspected?: number;
  /** JSON array of the message statuses its `message.status` events carry; null: all (0015). */
  statuses?: string | null;
}

/** One event to one endpoint, with its retry state. The body is stored exactly as it is sent. */
export interface WebhookDeliveriesTable {
  id: string;
  account_id: string;
  endpoint_id: string;
  /** The event id (`evt_…`), sent as `webhook-id`; the same for every endpoint and every retry. */
  event_id: string;
  event_type: string;
  /** The JSON body `{ id, type, createdAt, data }`. */
  body: string;
  status: 'pending' | 'delivered' | 'failed' | 'cancelled';
  /** Attempts made so far. */
  attempts: number;
  next_attempt_at: number;
  /** A worker holds the delivery until then (0: nobody); also the fencing token of its result. */
  lease_until: number;
  last_attempt_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  /** The event's creation time. */
  created_at: number;
  completed_at: number | null;
  /**
   * Deliveries with the same key go out in order: one waits while an earlier one is pending (the message
   * id of `message.status` events; null: no order). Added by 0014_receipts_webhooks.
   */
  order_key?: string | null;
  /** Who holds the lease: `WORKER_ID/boot token` (null: nobody). Added by 0018_webhook_lease_owner. */
  lease_owner?: string | null;
  /**
   * Attempts the client asked for (test events, redeliveries), included in `attempts` but not on the retry
   * ladder: the ladder's step is `attempts - manual_attempts`. Added by 0019_webhook_manual_attempts.
   */
  manual_attempts?: number;
  /**
   * A first attempt that succeeded is kept on the row instead of an attempt row (0032): its duration and
   * answer here, its time, status and error in `last_*`. Not null: the row holds attempt 1.
   */
  first_duration_ms?: number | null;
  first_response_body?: string | null;
  first_response_bytes?: number | null;
  first_response_binary?: number;
}

/** One HTTP attempt of a delivery. */
export interface WebhookAttemptsTable {
  id: string;
  delivery_id: string;
  /** 1 for the first attempt. */
  attempt: number;
  at: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  /** At most 1 KB of the response body (text only; null for a binary body). */
  response_body: string | null;
  /** What started it: null for the retry ladder, `test` or `redeliver` when the client asked (0019). */
  trigger?: 'test' | 'redeliver' | null;
  /** Bytes of the response body read (up to the drain limit); null: no response (0019). */
  response_bytes?: number | null;
  /** 1 when the body was binary: no excerpt is kept (0019). */
  response_binary?: number;
}

export interface WebhooksTables {
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}
