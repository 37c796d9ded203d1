import type { DbOrTx } from '../../storage/database';

/** A change a client may subscribe to; the webhooks module turns these into signed deliveries. */
export interface ClientEvent {
  accountId: string;
  type: 'message.status' | 'message.received' | 'message.keyword';
  data: unknown;
}

/** Publishes client events inside the transaction of the change that caused them. */
export interface ClientEventSink {
  publish(tx: DbOrTx, events: ClientEvent[]): Promise<void>;
}
