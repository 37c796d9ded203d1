import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('templates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('templates_account').on('templates').columns(['account_id', 'id']).execute();

  await db.schema
    .createTable('campaigns')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('template_id', 'text')
    .addColumn('sender', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('group_ids', 'text', (c) => c.notNull())
    .addColumn('contact_filter', 'text')
    .addColumn('send_at', 'bigint')
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('quiet_hours', 'text')
    .addColumn('speed_per_minute', 'integer')
    // When the campaign last handed messages to the dispatch queue: the speed limit of every worker.
    .addColumn('released_at', 'bigint')
    .addColumn('track_links', 'integer', (c) => c.notNull())
    .addColumn('attachment_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    // Fixed at start: the opt-out footer appended, the effective start instant and quiet window.
    .addColumn('footer', 'text')
    .addColumn('start_at', 'bigint')
    .addColumn('quiet_start', 'integer')
    .addColumn('quiet_end', 'integer')
    .addColumn('recipients', 'integer', (c) => c.notNull())
    .addColumn('reserved', 'bigint', (c) => c.notNull())
    .addColumn('reserve_left', 'bigint', (c) => c.notNull())
    // Fan-out progress, written in the transaction of each batch: the last contact id done and the count.
    .addColumn('fanout_cursor', 'text')
    .addColumn('fanout_count', 'integer', (c) => c.notNull())
    .addColumn('fanout_done', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('paused_at', 'bigint')
    .addColumn('completed_at', 'bigint')
    .addColumn('cancelled_at', 'bigint')
    .execute();
  await db.schema.createIndex('campaigns_account').on('campaigns').columns(['account_id', 'id']).execute();
  await db.schema.createIndex('campaigns_status').on('campaigns').columns(['status']).execute();

  await db.schema
    .createTable('campaign_settings')
    .addColumn('account_id', 'text', (c) => c.primaryKey())
    .addColumn('quiet_start', 'integer', (c) => c.notNull())
    .addColumn('quiet_end', 'integer', (c) => c.notNull())
    .addColumn('footer', 'text')
    .addColumn('stop_words', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // A recipient gets a campaign's message once: the fan-out's second guard after its cursor.
  await db.schema
    .createIndex('messages_campaign_recipient')
    .on('messages')
    .columns(['campaign_id', 'to_number'])
    .unique()
    .where(sql.ref('campaign_id'), 'is not', null)
    .execute();
  // Campaign stats by status, and the release of due messages in send_at order.
  await db.schema
    .createIndex('messages_campaign_status')
    .on('messages')
    .columns(['campaign_id', 'status', 'send_at'])
    .where(sql.ref('campaign_id'), 'is not', null)
    .execute();
}
