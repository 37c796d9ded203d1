import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  // Attempts the client asked for ("Send test event", "Redeliver") are counted apart, so that they never
  // use up a delivery's retry ladder; `attempts` keeps counting every attempt (it numbers them).
  await db.schema
    .alterTable('webhook_deliveries')
    .addColumn('manual_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // What started an attempt: null for the retry ladder, 'test' or 'redeliver' when the client asked.
  await db.schema.alterTable('webhook_attempts').addColumn('trigger', 'text').execute();
  // The size of the answer's body (bytes read, up to the drain limit) and whether it was binary: a binary
  // body keeps no excerpt (it would be mojibake, and PostgreSQL text cannot hold NUL).
  await db.schema.alterTable('webhook_attempts').addColumn('response_bytes', 'integer').execute();
  await db.schema
    .alterTable('webhook_attempts')
    .addColumn('response_binary', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
