import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  // Most deliveries succeed at their first attempt: that attempt is kept on the delivery row (its time,
  // status and error are the row's `last_*`) instead of in an attempt row of its own, one row fewer per
  // event. `first_duration_ms` not null says the row holds it; a later attempt moves it to an attempt row.
  await db.schema.alterTable('webhook_deliveries').addColumn('first_duration_ms', 'integer').execute();
  await db.schema.alterTable('webhook_deliveries').addColumn('first_response_body', 'text').execute();
  await db.schema.alterTable('webhook_deliveries').addColumn('first_response_bytes', 'integer').execute();
  await db.schema
    .alterTable('webhook_deliveries')
    .addColumn('first_response_binary', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
