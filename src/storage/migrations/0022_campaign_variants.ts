import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  // An A/B text split: JSON `[{ text, percent }…]` (2–4 variants, percents adding up to 100); null: one text.
  await db.schema.alterTable('campaigns').addColumn('variants', 'text').execute();
  // A "resend to failed" draft: the campaign whose failed, undelivered and expired messages (done before
  // this draft was made) are its audience. Nothing is copied: the numbers stay in those message rows,
  // so erasure and retention reach them there.
  await db.schema.alterTable('campaigns').addColumn('resend_of', 'text').execute();
  // Which variant (0 = A) a campaign message was written with; null for messages of a single-text campaign.
  // Per-variant figures group the campaign's messages (messages_campaign_status index) by it.
  await db.schema.alterTable('messages').addColumn('variant', 'integer').execute();
}
