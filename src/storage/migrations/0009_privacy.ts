import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  // Messages deleted by the client: hidden at once, erased at purged_at, removed later.
  await db.schema.alterTable('messages').addColumn('deleted_at', 'bigint').execute();
  await db.schema.alterTable('messages').addColumn('purged_at', 'bigint').execute();
  // Partial indexes: almost no message is ever deleted, so sends do not pay for keeping them.
  await db.schema
    .createIndex('messages_deleted_at')
    .on('messages')
    .columns(['deleted_at'])
    .where(sql.ref('deleted_at'), 'is not', null)
    .execute();
  // The erasing sweep walks only what it has not erased yet, so a long backlog costs no rescans.
  await db.schema
    .createIndex('messages_deleted_unpurged')
    .on('messages')
    .columns(['deleted_at'])
    .where(sql<boolean>`deleted_at is not null and purged_at is null`)
    .execute();
  // Data-subject search by number within an account.
  await db.schema
    .createIndex('messages_account_to')
    .on('messages')
    .columns(['account_id', 'to_number'])
    .execute();
  // Age-driven sweeps.
  await db.schema.createIndex('audit_events_at').on('audit_events').columns(['at']).execute();
  await db.schema
    .createIndex('webhook_deliveries_created')
    .on('webhook_deliveries')
    .columns(['created_at'])
    .execute();
  await db.schema
    .createIndex('delivery_reports_received')
    .on('delivery_reports')
    .columns(['received_at'])
    .execute();
  await db.schema
    .createIndex('delivery_reports_message')
    .on('delivery_reports')
    .columns(['message_id'])
    .execute();
  await db.schema.createIndex('login_failures_at').on('login_failures').columns(['at']).execute();
  await db.schema
    .createIndex('idempotency_keys_created')
    .on('idempotency_keys')
    .columns(['created_at'])
    .execute();

  await db.schema
    .createTable('retention_policies')
    .addColumn('rule', 'text', (c) => c.primaryKey())
    .addColumn('max_days', 'integer', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('retention_leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('owner', 'text')
    .addColumn('lease_until', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('audit_chain_anchors')
    .addColumn('chain', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('message_stats_daily')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('messages', 'bigint', (c) => c.notNull())
    .addColumn('segments', 'bigint', (c) => c.notNull())
    .addColumn('price', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('message_stats_daily_pk', ['account_id', 'day', 'status'])
    .execute();
  await db.schema
    .createTable('privacy_restrictions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('subject_hash', 'text', (c) => c.notNull())
    .addColumn('subject_kind', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('scope', 'text')
    .addColumn('created_by', 'text')
    .addColumn('restricted_at', 'bigint', (c) => c.notNull())
    .addColumn('lifted_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('privacy_restrictions_subject')
    .on('privacy_restrictions')
    .columns(['account_id', 'subject_hash'])
    .execute();
  await db.schema
    .createTable('privacy_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject_phone', 'text')
    .addColumn('subject_email', 'text')
    .addColumn('subject_name', 'text')
    .addColumn('message', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .addColumn('forwarded_at', 'bigint')
    .addColumn('closed_at', 'bigint')
    .addColumn('created_by', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('privacy_requests_account')
    .on('privacy_requests')
    .columns(['account_id', 'id'])
    .execute();
}
