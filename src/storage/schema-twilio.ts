/** Row types of the Twilio-compatible API's tables (migrations 0029_twilio_callbacks, 0031_twilio_services). */

/** The `StatusCallback` of a message sent through the compatible API, kept until the message is final. */
export interface TwilioCallbacksTable {
  message_id: string;
  account_id: string;
  url: string;
  /** The credential's secret: Twilio signs callbacks with the auth token the client sent with. */
  auth_token: string;
  from_number: string;
  created_at: number;
}

/** One status callback, form body and `X-Twilio-Signature` fixed when queued; deleted once delivered. */
export interface TwilioCallbackDeliveriesTable {
  id: string;
  account_id: string;
  /** The message (`msg_…`) of a status callback, or the inbound message (`inb_…`) posted to an SMS URL. */
  message_id: string;
  kind: 'status' | 'incoming';
  /** The full URL; with `GET` (an SMS URL's SmsMethod) it carries the parameters and `body` is empty. */
  url: string;
  /** `POST` or `GET` (0031; absent in rows written before it, read as POST). */
  method?: 'POST' | 'GET';
  body: string;
  signature: string;
  attempts: number;
  next_attempt_at: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
}

/** A number's SMS URL: where its inbound messages are POSTed, Twilio's way. */
export interface TwilioSmsUrlsTable {
  number_id: string;
  account_id: string;
  number: string;
  url: string;
  /** The credential's secret that set the URL: posts are signed with it, and replies sent with it. */
  auth_token: string;
  /** Twilio's SmsMethod: `POST`, or `GET` with the parameters in the query string (0031). */
  method?: 'POST' | 'GET';
  updated_at: number;
}

/** A Messaging Service (`MG…`): a named sender pool with an optional status callback (0031). */
export interface TwilioServicesTable {
  id: string;
  account_id: string;
  friendly_name: string;
  status_callback: string | null;
  created_at: number;
  updated_at: number;
}

/** One sender of a service's pool: a number of the account (`phone`, `ref` its id) or an alphanumeric ID. */
export interface TwilioServiceSendersTable {
  service_id: string;
  sender: string;
  kind: 'phone' | 'alpha';
  ref: string;
  created_at: number;
}

/** The sender a service last used for a recipient (known by a hash of the number only). */
export interface TwilioStickySendersTable {
  service_id: string;
  to_hash: string;
  sender: string;
  updated_at: number;
}

/** The service a message was sent through. */
export interface TwilioMessageServicesTable {
  message_id: string;
  service_id: string;
}

export interface TwilioTables {
  twilio_sms_urls: TwilioSmsUrlsTable;
  twilio_callbacks: TwilioCallbacksTable;
  twilio_callback_deliveries: TwilioCallbackDeliveriesTable;
  twilio_services: TwilioServicesTable;
  twilio_service_senders: TwilioServiceSendersTable;
  twilio_sticky_senders: TwilioStickySendersTable;
  twilio_message_services: TwilioMessageServicesTable;
}
