import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  // The message log's sender filter: without it a page walks the account's messages in id order until it
  // finds enough from that sender, which is all of them for a sender the account no longer uses.
  await db.schema
    .createIndex('messages_account_sender')
    .on('messages')
    .columns(['account_id', 'sender', 'id'])
    .execute();
}
