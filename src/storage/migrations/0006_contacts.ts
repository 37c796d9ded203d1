import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('contacts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('phone', 'text', (c) => c.notNull())
    .addColumn('first_name', 'text')
    .addColumn('last_name', 'text')
    .addColumn('email', 'text')
    .addColumn('country', 'text')
    .addColumn('address', 'text')
    .addColumn('avatar_url', 'text')
    .addColumn('fields', 'text', (c) => c.notNull())
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('first_name_lc', 'text')
    .addColumn('last_name_lc', 'text')
    .addColumn('email_lc', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .execute();
  // One live contact per number and account; deleted ones may share it (they can be restored only if free).
  await db.schema
    .createIndex('contacts_live_phone')
    .on('contacts')
    .columns(['account_id', 'phone'])
    .unique()
    .where(sql.ref('deleted_at'), 'is', null)
    .execute();
  // Listing newest first (ids are time-sortable).
  await db.schema.createIndex('contacts_account_id').on('contacts').columns(['account_id', 'id']).execute();
  // Prefix search and filters.
  for (const column of ['first_name_lc', 'last_name_lc', 'email_lc', 'country']) {
    await db.schema
      .createIndex(`contacts_${column}`)
      .on('contacts')
      .columns(['account_id', column])
      .execute();
  }
  // The retention sweep finds deleted contacts by age.
  await db.schema.createIndex('contacts_deleted_at').on('contacts').columns(['deleted_at']).execute();

  await db.schema
    .createTable('contact_tags')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('tag', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('contact_tags_pk', ['contact_id', 'tag'])
    .execute();
  await db.schema
    .createIndex('contact_tags_account_tag')
    .on('contact_tags')
    .columns(['account_id', 'tag', 'contact_id'])
    .execute();

  await db.schema
    .createTable('contact_fields')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('contact_fields_pk', ['account_id', 'key'])
    .execute();

  await db.schema
    .createTable('contact_groups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('contact_groups_account')
    .on('contact_groups')
    .columns(['account_id', 'id'])
    .execute();

  await db.schema
    .createTable('group_members')
    .addColumn('group_id', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('added_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'contact_id'])
    .execute();
  await db.schema.createIndex('group_members_contact').on('group_members').columns(['contact_id']).execute();

  await db.schema
    .createTable('contact_consents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('granted', 'integer', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('evidence', 'text')
    .addColumn('recorded_by', 'text')
    .addColumn('recorded_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('contact_consents_contact')
    .on('contact_consents')
    .columns(['contact_id', 'id'])
    .execute();
}
