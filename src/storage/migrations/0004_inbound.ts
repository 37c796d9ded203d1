import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('numbers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('number', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  // The hot-path lookup of every inbound message, and the guard against giving one number to two accounts.
  await db.schema.createIndex('numbers_number').on('numbers').column('number').unique().execute();
  await db.schema.createIndex('numbers_account').on('numbers').columns(['account_id', 'id']).execute();

  await db.schema
    .createTable('inbound_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text')
    .addColumn('route_id', 'text', (c) => c.notNull())
    .addColumn('from_number', 'text', (c) => c.notNull())
    .addColumn('to_number', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('keyword', 'text')
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .execute();
  // An account's inbox, newest first (rows without an account are the operator's unrouted ones).
  await db.schema
    .createIndex('inbound_messages_account')
    .on('inbound_messages')
    .columns(['account_id', 'id'])
    .execute();
  // The inbox filtered by sender: a conversation with one number.
  await db.schema
    .createIndex('inbound_messages_account_from')
    .on('inbound_messages')
    .columns(['account_id', 'from_number', 'id'])
    .execute();
}
