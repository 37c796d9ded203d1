import type { Kysely } from 'kysely';

/**
 * Sign-in hardening: login attempts are reserved (`pending`) before the password is checked, the same
 * table counts password-reset requests (`kind`), and the last accepted TOTP step of each user is kept
 * so that a code cannot be used twice.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('login_failures')
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('login'))
    .execute();
  await db.schema
    .alterTable('login_failures')
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('counted'))
    .execute();
  await db.schema.alterTable('users').addColumn('totp_last_step', 'bigint').execute();
  await db.schema.alterTable('staff_users').addColumn('totp_last_step', 'bigint').execute();
}
