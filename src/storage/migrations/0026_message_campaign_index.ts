import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  // The message log's campaign filter, newest first: without it a page either walks the account's messages
  // in id order until it finds enough of the campaign (all of them, for an old campaign) or reads every
  // message of the campaign and sorts them (a million, for a big one).
  await db.schema
    .createIndex('messages_campaign_id')
    .on('messages')
    .columns(['campaign_id', 'id'])
    .where(sql.ref('campaign_id'), 'is not', null)
    .execute();
}
