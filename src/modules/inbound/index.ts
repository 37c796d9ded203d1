import type { Clock } from '../../kernel/clock';
import type { IdGenerator } from '../../kernel/ids';
import type { Db, Tx } from '../../storage/database';
import type { InboundMessagesTable } from '../../storage/schema-inbound';
import type { AuditLog } from '../audit';
import type { ClientEventSink } from '../messaging';
import { createInbox } from './inbox';
import { createNumbers } from './numbers';
import { createReceiver } from './receive';

export { removeInboundOfClosedAccounts } from './erase';
export type { AdminInboxFilter, Inbox, InboxFilter } from './inbox';
export { foldKeyword, keywordOf, MAX_KEYWORD_LENGTH } from './keyword';
export { type NumberFilter, type Numbers, ownersOf } from './numbers';
export { type InboundAdminView, type InboundView, inboundView, type NumberView } from './views';

export interface InboundDeps {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  audit: AuditLog;
  /** Where `message.received` events go, in the transaction that stores the message. */
  events: ClientEventSink;
  /** Most inbound messages stored in one transaction (default 1000). */
  maxBatch?: number;
  /** Called with every stored batch inside its transaction: STOP replies become suppressions there. */
  onStored?: ((tx: Tx, rows: InboundMessagesTable[]) => Promise<unknown>) | undefined;
}

/**
 * Inbound SMS: the operator's virtual numbers (which account owns which number), the receiver that routes
 * hand mobile-originated messages to (`receive` resolves once the message is durable), and the inbox.
 */
export function createInbound(deps: InboundDeps) {
  const receiver = createReceiver(deps);
  return {
    receive: receiver.receive,
    /** Resolves when every message handed to `receive` so far has been committed (or refused). */
    idle: receiver.idle,
    numbers: createNumbers(deps),
    inbox: createInbox(deps),
  };
}

export type Inbound = ReturnType<typeof createInbound>;
