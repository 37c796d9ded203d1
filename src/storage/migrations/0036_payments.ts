import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  // A client's purchase of credits through a payment provider. The provider's order id is unique per
  // provider so that a callback repeated by the provider can never credit the account twice.
  await db.schema
    .createTable('payments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('provider_order_id', 'text', (c) => c.notNull())
    .addColumn('provider_transaction_id', 'text')
    .addColumn('amount_minor', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('credits_micro', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('paid_at', 'bigint')
    .addColumn('refunded_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('payments_provider_order', ['provider', 'provider_order_id'])
    .execute();
  await db.schema.createIndex('payments_account').on('payments').columns(['account_id', 'id']).execute();
  await db.schema
    .createIndex('payments_provider_transaction')
    .on('payments')
    .columns(['provider', 'provider_transaction_id'])
    .unique()
    .execute();
}
