import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  // The `StatusCallback` of a message sent through the Twilio-compatible API. The auth token is kept only
  // while the message can still change status: Twilio signs callbacks with it, and it is dropped with the
  // row once the message is final.
  await db.schema
    .createTable('twilio_callbacks')
    .addColumn('message_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('auth_token', 'text', (c) => c.notNull())
    .addColumn('from_number', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  // One status callback to send: the form body and its signature are fixed when it is queued, so no secret
  // is needed to send or retry it.
  await db.schema
    .createTable('twilio_callback_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  // A number's "SMS URL" (Twilio's IncomingPhoneNumber `SmsUrl`): its inbound messages are POSTed there in
  // Twilio's incoming shape, signed with the auth token that set it (kept because every post is signed).
  await db.schema
    .createTable('twilio_sms_urls')
    .addColumn('number_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('auth_token', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('twilio_callback_deliveries_due')
    .on('twilio_callback_deliveries')
    .columns(['next_attempt_at'])
    .execute();
}
