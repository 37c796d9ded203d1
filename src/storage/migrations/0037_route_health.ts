import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  // Each worker process's view of the routes it holds binds for, written every few seconds: an API process
  // holds no binds and answers the operator's health view from these rows.
  await db.schema
    .createTable('route_health')
    .addColumn('route_id', 'text', (c) => c.notNull())
    .addColumn('worker_id', 'text', (c) => c.notNull())
    .addColumn('connected_binds', 'integer', (c) => c.notNull())
    .addColumn('in_flight', 'integer', (c) => c.notNull())
    .addColumn('sent_last_minute', 'integer', (c) => c.notNull())
    .addColumn('errors_last_minute', 'integer', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('route_health_pk', ['route_id', 'worker_id'])
    .execute();
}
