/** Row types of the Twilio-compatible API's tables (see migrations/0029_twilio_callbacks.ts). */

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
  url: string;
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
  updated_at: number;
}

export interface TwilioTables {
  twilio_sms_urls: TwilioSmsUrlsTable;
  twilio_callbacks: TwilioCallbacksTable;
  twilio_callback_deliveries: TwilioCallbackDeliveriesTable;
}
