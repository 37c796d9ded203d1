import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('to_number', 'text', (c) => c.notNull())
    .addColumn('sender', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('encoding', 'text', (c) => c.notNull())
    .addColumn('segments', 'integer', (c) => c.notNull())
    .addColumn('price', 'bigint', (c) => c.notNull())
    .addColumn('country', 'text')
    .addColumn('reference', 'text')
    .addColumn('campaign_id', 'text')
    .addColumn('send_at', 'bigint')
    .addColumn('valid_until', 'bigint')
    .addColumn('route_id', 'text')
    .addColumn('carrier_ref', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error_code', 'text')
    .addColumn('error_detail', 'text')
    .addColumn('charged', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .addColumn('done_at', 'bigint')
    .execute();
  await db.schema.createIndex('messages_account').on('messages').columns(['account_id', 'id']).execute();
  await db.schema
    .createIndex('messages_account_status')
    .on('messages')
    .columns(['account_id', 'status', 'id'])
    .execute();
  await db.schema
    .createIndex('messages_route_status')
    .on('messages')
    .columns(['route_id', 'status', 'sent_at'])
    .execute();
  await db.schema.createIndex('messages_carrier_ref').on('messages').columns(['carrier_ref']).execute();

  await db.schema
    .createTable('message_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('message_events_message')
    .on('message_events')
    .columns(['message_id', 'id'])
    .execute();

  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('run_at', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_until', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_owner', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('jobs_due').on('jobs').columns(['kind', 'run_at']).execute();

  await db.schema
    .createTable('delivery_reports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('route_id', 'text', (c) => c.notNull())
    .addColumn('carrier_ref', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('raw', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('message_id', 'text')
    .addColumn('applied_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('delivery_reports_ref')
    .on('delivery_reports')
    .columns(['carrier_ref'])
    .execute();
  await db.schema
    .createIndex('delivery_reports_unmatched')
    .on('delivery_reports')
    .columns(['applied_at', 'received_at'])
    .execute();

  await db.schema
    .createTable('suppressions')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('phone', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('suppressions_pk', ['account_id', 'phone'])
    .execute();

  await db.schema
    .createTable('price_lists')
    .addColumn('owner', 'text', (c) => c.primaryKey())
    .addColumn('prices', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('simulator_reports')
    .addColumn('carrier_ref', 'text', (c) => c.primaryKey())
    .addColumn('route_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('simulator_reports_due').on('simulator_reports').columns(['due_at']).execute();
}
