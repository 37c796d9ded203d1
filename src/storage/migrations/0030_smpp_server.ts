import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  // An account's SMPP credential: the system_id a client binds with and its password's hash. Failed binds
  // are counted here (not in memory) so that a lock holds across restarts and across SMPP processes.
  await db.schema
    .createTable('smpp_credentials')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('system_id', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text')
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('allowed_ips', 'text')
    .addColumn('max_binds', 'integer', (c) => c.notNull())
    .addColumn('failed_binds', 'integer', (c) => c.notNull())
    .addColumn('locked_until', 'bigint')
    .addColumn('last_bind_at', 'bigint')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('smpp_credentials_account')
    .on('smpp_credentials')
    .column('account_id')
    .execute();
  // A message submitted over SMPP that still owes its client a receipt: written in the transaction that
  // accepts the message, deleted when its final status queues the receipt.
  await db.schema
    .createTable('smpp_submits')
    .addColumn('message_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('credential_id', 'text', (c) => c.notNull())
    .addColumn('registered_delivery', 'integer', (c) => c.notNull())
    .addColumn('source_addr', 'text', (c) => c.notNull())
    .addColumn('text_head', 'text', (c) => c.notNull())
    .addColumn('submitted_at', 'bigint', (c) => c.notNull())
    .execute();
  // A deliver_sm owed to an account's receiver binds (a receipt or an MO message), kept until a bind
  // answers it with ESME_ROK.
  await db.schema
    .createTable('smpp_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('smpp_deliveries_due')
    .on('smpp_deliveries')
    .columns(['account_id', 'next_attempt_at'])
    .execute();
}
