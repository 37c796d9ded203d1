import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  // Which message statuses an endpoint's `message.status` subscription carries (JSON array); null: all.
  await db.schema.alterTable('webhook_endpoints').addColumn('statuses', 'text').execute();
}
