import type { Kysely } from 'kysely';

/**
 * Free sign-up credits wait for a verified e-mail: the part of an account's balance that is such credits
 * still locked. Accounts that exist already keep what they have spendable (0 locked).
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('account_balances')
    .addColumn('locked_free', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
}
