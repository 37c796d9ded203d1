import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  // The operator's test sends through one route: charged to no account, no row in `messages`; what the
  // carrier answered and, when it came, its receipt.
  await db.schema
    .createTable('route_tests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('route_id', 'text', (c) => c.notNull())
    .addColumn('staff_id', 'text')
    .addColumn('to_number', 'text', (c) => c.notNull())
    .addColumn('sender', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('segments', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('carrier_ref', 'text')
    .addColumn('error_code', 'text')
    .addColumn('error_detail', 'text')
    .addColumn('receipt_status', 'text')
    .addColumn('receipt_error_code', 'text')
    .addColumn('receipt_raw', 'text')
    .addColumn('receipt_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('route_tests_route').on('route_tests').columns(['route_id', 'id']).execute();
}
