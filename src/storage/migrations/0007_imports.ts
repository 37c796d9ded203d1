import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('imports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('file_key', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('delimiter', 'text')
    .addColumn('mapping', 'text', (c) => c.notNull())
    .addColumn('group_id', 'text')
    .addColumn('on_duplicate', 'text', (c) => c.notNull())
    .addColumn('total', 'bigint')
    .addColumn('processed', 'bigint', (c) => c.notNull())
    .addColumn('imported', 'bigint', (c) => c.notNull())
    .addColumn('updated', 'bigint', (c) => c.notNull())
    .addColumn('skipped', 'bigint', (c) => c.notNull())
    .addColumn('failed', 'bigint', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('cancel_requested', 'integer', (c) => c.notNull())
    .addColumn('lease_until', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('original_deleted_at', 'bigint')
    .execute();
  await db.schema.createIndex('imports_account').on('imports').columns(['account_id', 'id']).execute();
  // The worker looks for queued and running (lease expired) imports.
  await db.schema.createIndex('imports_status').on('imports').columns(['status', 'lease_until']).execute();
  // The 60-day sweep of originals.
  await db.schema
    .createIndex('imports_original')
    .on('imports')
    .columns(['original_deleted_at', 'created_at'])
    .execute();

  await db.schema
    .createTable('import_errors')
    .addColumn('import_id', 'text', (c) => c.notNull())
    .addColumn('row', 'bigint', (c) => c.notNull())
    .addColumn('column', 'text')
    .addColumn('message', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('import_errors_import')
    .on('import_errors')
    .columns(['import_id', 'row'])
    .execute();
}
