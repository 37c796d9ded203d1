import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  // An account's keyword rules: the first word of an inbound message (folded: upper case, no accents)
  // or one of its synonyms, on every number of the account or only on those listed, and what to do.
  await db.schema
    .createTable('keyword_rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('keyword', 'text', (c) => c.notNull())
    .addColumn('synonyms', 'text', (c) => c.notNull())
    .addColumn('numbers', 'text', (c) => c.notNull())
    .addColumn('reply', 'text')
    .addColumn('add_to_group_id', 'text')
    .addColumn('remove_from_group_id', 'text')
    .addColumn('forward_email', 'text')
    .addColumn('forward_webhook', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('keyword_rules_account')
    .on('keyword_rules')
    .columns(['account_id', 'id'])
    .execute();
  // The words an account answers privacy requests by SMS to, by kind and language (null: the seeds).
  await db.schema
    .createTable('keyword_settings')
    .addColumn('account_id', 'text', (c) => c.primaryKey())
    .addColumn('privacy_words', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  // Where a data-subject request came from ('sms'; null: recorded by the operator), and the lookup that
  // keeps a second DATA/DELETE text of the same day from opening a second request.
  await db.schema.alterTable('privacy_requests').addColumn('source', 'text').execute();
  await db.schema
    .createIndex('privacy_requests_subject_phone')
    .on('privacy_requests')
    .columns(['account_id', 'subject_phone', 'received_at'])
    .execute();
}
