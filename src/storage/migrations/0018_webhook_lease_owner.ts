import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  // Who holds a delivery's lease (`WORKER_ID/boot token`; null: nobody), so a restarted worker can take
  // back what its previous run held instead of waiting the lease out.
  await db.schema.alterTable('webhook_deliveries').addColumn('lease_owner', 'text').execute();
  // Only leased rows are indexed: the look-up at boot reads a handful of rows, not the whole history.
  await db.schema
    .createIndex('webhook_deliveries_lease_owner')
    .on('webhook_deliveries')
    .column('lease_owner')
    .where(sql.ref('lease_owner'), 'is not', null)
    .execute();
}
