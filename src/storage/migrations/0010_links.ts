import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('links')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('campaign_id', 'text')
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text')
    .addColumn('target_url', 'text')
    .addColumn('attachment_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('deleted_at', 'bigint')
    .addColumn('first_clicked_at', 'bigint')
    .execute();
  // Few indexes on purpose: fan-out inserts a link per recipient and URL, so every index costs there.
  // Campaign retention sets the expiry of a campaign's links.
  await db.schema.createIndex('links_campaign').on('links').columns(['campaign_id']).execute();
  // The link sweep finds expired links; the attachment sweep closes the links of a deleted file.
  await db.schema
    .createIndex('links_expires_at')
    .on('links')
    .columns(['expires_at'])
    .where(sql.ref('expires_at'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('links_attachment')
    .on('links')
    .columns(['attachment_id'])
    .where(sql.ref('attachment_id'), 'is not', null)
    .execute();

  await db.schema
    .createTable('link_clicks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('campaign_id', 'text')
    .addColumn('clicked_at', 'bigint', (c) => c.notNull())
    .addColumn('ua_family', 'text', (c) => c.notNull())
    .addColumn('is_first', 'integer', (c) => c.notNull())
    .execute();
  // Click statistics per campaign; retention deletes a link's clicks with it.
  await db.schema
    .createIndex('link_clicks_campaign')
    .on('link_clicks')
    .columns(['account_id', 'campaign_id'])
    .execute();
  await db.schema.createIndex('link_clicks_code').on('link_clicks').columns(['code']).execute();

  await db.schema
    .createTable('attachments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('file_key', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .execute();
  // Listing newest first (ids are time-sortable).
  await db.schema
    .createIndex('attachments_account')
    .on('attachments')
    .columns(['account_id', 'id'])
    .execute();
  // The sweep finds live attachments past their expiry.
  await db.schema
    .createIndex('attachments_expires_at')
    .on('attachments')
    .columns(['expires_at'])
    .where(sql.ref('deleted_at'), 'is', null)
    .execute();
}
