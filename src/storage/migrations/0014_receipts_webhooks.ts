import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  // Receipts still waiting for their message: the safety-net sweep tries each again on a back-off and
  // finally marks it unmatched, so receipts that can never match stop taking the sweep's place.
  await db.schema
    .alterTable('delivery_reports')
    .addColumn('match_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('delivery_reports').addColumn('next_match_at', 'bigint').execute();
  await db.schema.alterTable('delivery_reports').addColumn('unmatched_at', 'bigint').execute();
  await db
    .updateTable('delivery_reports')
    .set({ next_match_at: sql.ref('received_at') })
    .where('applied_at', 'is', null)
    .execute();
  await db.schema
    .createIndex('delivery_reports_match_due')
    .on('delivery_reports')
    .columns(['next_match_at'])
    .where(sql<boolean>`applied_at is null and unmatched_at is null`)
    .execute();
  // The sweep no longer reads receipts by (applied_at, received_at); left in place, that index would also
  // tempt a planner without statistics away from the carrier reference when an outcome looks up receipts.
  await db.schema.dropIndex('delivery_reports_unmatched').execute();
  // Writing a carrier reference looks up the receipts that overtook it: only waiting ones are indexed.
  await db.schema
    .createIndex('delivery_reports_waiting_ref')
    .on('delivery_reports')
    .columns(['carrier_ref', 'route_id'])
    .where(sql.ref('applied_at'), 'is', null)
    .execute();

  // Messages waiting for their receipt, by when they were sent: the receipt-timeout sweep reads these.
  await db.schema
    .createIndex('messages_awaiting_receipt')
    .on('messages')
    .columns(['sent_at'])
    .where(sql<boolean>`status = 'sent'`)
    .execute();

  // Webhooks: per-message ordering (a status waits for the earlier one of the same message), recovery
  // after an outage, and counts of timeouts and the duplicates they can cause.
  await db.schema.alterTable('webhook_deliveries').addColumn('order_key', 'text').execute();
  // Pending deliveries by endpoint: the ordering check of the claim, and flushing an endpoint's backlog.
  await db.schema
    .createIndex('webhook_deliveries_pending')
    .on('webhook_deliveries')
    .columns(['endpoint_id', 'order_key', 'id'])
    .where(sql<boolean>`status = 'pending'`)
    .execute();
  await db.schema.alterTable('webhook_endpoints').addColumn('failing_since', 'bigint').execute();
  await db.schema
    .alterTable('webhook_endpoints')
    .addColumn('timeouts', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('webhook_endpoints')
    .addColumn('duplicates_suspected', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
