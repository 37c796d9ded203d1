import type { Clock } from '../../kernel/clock';
import type { IdGenerator } from '../../kernel/ids';
import { createBatchWriter } from '../../storage/batch-writer';
import type { Db, Tx } from '../../storage/database';
import type { InboundMessagesTable } from '../../storage/schema-inbound';
import type { InboundSms } from '../dispatch';
import type { ClientEvent, ClientEventSink } from '../messaging';
import { destinationOf, senderOf, withoutNul } from './addresses';
import { keywordOf } from './keyword';
import { ownersOf } from './numbers';
import { inboundView } from './views';

const INSERT_CHUNK = 400;

export interface ReceiverDeps {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  events: ClientEventSink;
  /** Most messages stored in one transaction (default 1000). */
  maxBatch?: number;
  /** Opt-out handling (STOP replies → suppression list), in the transaction that stores the messages. */
  onStored?: ((tx: Tx, rows: InboundMessagesTable[]) => Promise<unknown>) | undefined;
}

/**
 * Where routes hand in mobile-originated messages. Messages arriving together are stored in ONE
 * transaction with their `message.received` events; `receive` resolves only after that commit, so an
 * adapter acknowledges a message (SMPP deliver_sm_resp) only once it is durable.
 */
export function createReceiver(deps: ReceiverDeps) {
  const { clock, ids, events } = deps;

  async function store(tx: Tx, batch: InboundSms[]): Promise<void> {
    const destinations = batch.map((sms) => destinationOf(sms.to));
    const owners = await ownersOf(
      tx,
      destinations.flatMap((d) => d.candidates),
    );
    const now = clock.now();
    const rows: InboundMessagesTable[] = batch.map((sms, i) => {
      const destination = destinations[i]!;
      const number = destination.candidates.find((c) => owners.has(c));
      const text = withoutNul(sms.text);
      return {
        id: ids('inb'),
        account_id: sms.accountId ?? (number === undefined ? null : owners.get(number)!),
        route_id: sms.routeId,
        from_number: senderOf(sms.from, destination.country),
        to_number: number ?? destination.stored,
        text,
        keyword: keywordOf(text),
        received_at: sms.at || now,
      };
    });
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await tx
        .insertInto('inbound_messages')
        .values(rows.slice(i, i + INSERT_CHUNK))
        .execute();
    }
    const received: ClientEvent[] = [];
    for (const row of rows) {
      if (row.account_id !== null)
        received.push({ accountId: row.account_id, type: 'message.received', data: inboundView(row) });
    }
    await events.publish(tx, received);
    if (deps.onStored) await deps.onStored(tx, rows);
  }

  const writer = createBatchWriter<InboundSms>(deps.db, store, { maxBatch: deps.maxBatch ?? 1000 });
  return {
    /** Stores one inbound SMS; resolves once it is committed. */
    receive(sms: InboundSms): Promise<void> {
      return writer.add(sms);
    },
    /** Resolves when every message handed in so far has been committed (or refused). */
    idle: writer.idle,
  };
}
