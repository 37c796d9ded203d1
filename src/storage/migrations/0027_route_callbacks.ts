import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  // Carriers' callbacks (delivery reports, inbound SMS) on /hooks/routes/:routeId/:kind: stored as received
  // once their signature is checked, answered, then applied by a background worker.
  await db.schema
    .createTable('route_callbacks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('route_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('headers', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_until', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('applied_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('route_callbacks_pending')
    .on('route_callbacks')
    .columns(['status', 'lease_until'])
    .execute();
  await db.schema
    .createIndex('route_callbacks_received')
    .on('route_callbacks')
    .column('received_at')
    .execute();
}
