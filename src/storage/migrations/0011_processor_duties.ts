import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sub_processors')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('location', 'text', (c) => c.notNull())
    .addColumn('transfer_safeguard', 'text')
    .addColumn('replaces_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('removed_at', 'bigint')
    .execute();

  await db.schema
    .createTable('sub_processor_objections')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('sub_processor_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  // One objection per account and sub-processor: a second one is a conflict, not a duplicate row.
  await db.schema
    .createIndex('sub_processor_objections_unique')
    .on('sub_processor_objections')
    .columns(['sub_processor_id', 'account_id'])
    .unique()
    .execute();

  await db.schema
    .createTable('notices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('ref_type', 'text')
    .addColumn('ref_id', 'text')
    .addColumn('objection_deadline', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('read_at', 'bigint')
    .execute();
  await db.schema.createIndex('notices_account').on('notices').columns(['account_id', 'id']).execute();
  await db.schema.createIndex('notices_ref').on('notices').columns(['ref_id', 'account_id']).execute();

  await db.schema
    .createTable('incidents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('data_categories', 'text', (c) => c.notNull())
    .addColumn('all_accounts', 'integer', (c) => c.notNull())
    .addColumn('discovered_at', 'bigint', (c) => c.notNull())
    .addColumn('resolved_at', 'bigint')
    .addColumn('deadline_warned_at', 'bigint')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('incident_accounts')
    .addColumn('incident_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('notified_at', 'bigint')
    .addColumn('notice_id', 'text')
    .addPrimaryKeyConstraint('incident_accounts_pk', ['incident_id', 'account_id'])
    .execute();
  await db.schema
    .createIndex('incident_accounts_account')
    .on('incident_accounts')
    .columns(['account_id'])
    .execute();

  await db.schema
    .createTable('policy_versions')
    .addColumn('version', 'text', (c) => c.primaryKey())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('published_by', 'text')
    .addColumn('published_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('policy_versions_published')
    .on('policy_versions')
    .columns(['published_at'])
    .execute();
  // The login check reads a user's latest acceptance.
  await db.schema
    .createIndex('policy_consents_user_time')
    .on('policy_consents')
    .columns(['user_id', 'accepted_at'])
    .execute();
}
