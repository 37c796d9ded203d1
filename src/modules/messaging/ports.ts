import type { DbOrTx } from '../../storage/database';

/** A change a client may subscribe to; the webhooks module turns these into signed deliveries. */
export interface ClientEvent {
  accountId: string;
  type: 'message.status' | 'message.received' | 'message.keyword';
  data: unknown;
  /**
   * Set on `message.status` events of messages whose sender asked for per-message status callbacks (the
   * Twilio-compatible API's StatusCallback), so a sink that serves those skips every other message unread.
   */
  statusCallback?: true;
}

/** Publishes client events inside the transaction of the change that caused them. */
export interface ClientEventSink {
  publish(tx: DbOrTx, events: ClientEvent[]): Promise<void>;
}
