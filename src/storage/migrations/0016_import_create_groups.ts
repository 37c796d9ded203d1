import type { Kysely } from 'kysely';

/**
 * Imports can create the groups named in a `groups` column (`createGroups=true`), so that a contacts
 * export imports into another account with its groups.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('imports')
    .addColumn('create_groups', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
