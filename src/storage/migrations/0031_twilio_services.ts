import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  // 1 when the sender asked for per-message status callbacks (the Twilio-compatible API's StatusCallback):
  // status changes of every other message need no callback lookup at all.
  await db.schema
    .alterTable('messages')
    .addColumn('status_callback', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // Twilio's SmsMethod: POST (the default) or GET, the parameters then in the query string.
  await db.schema
    .alterTable('twilio_sms_urls')
    .addColumn('method', 'text', (c) => c.notNull().defaultTo('POST'))
    .execute();
  await db.schema
    .alterTable('twilio_callback_deliveries')
    .addColumn('method', 'text', (c) => c.notNull().defaultTo('POST'))
    .execute();
  // Twilio Messaging Services: a named sender pool with an optional status callback.
  await db.schema
    .createTable('twilio_services')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('friendly_name', 'text', (c) => c.notNull())
    .addColumn('status_callback', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('twilio_services_account')
    .on('twilio_services')
    .columns(['account_id'])
    .execute();
  // The pool: phone numbers (`kind` phone, `ref` the number's id) and alphanumeric senders (`kind` alpha).
  await db.schema
    .createTable('twilio_service_senders')
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('sender', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('twilio_service_senders_pk', ['service_id', 'sender'])
    .execute();
  // Sticky sender: the sender a service last used for a recipient, so the same To keeps the same From. The
  // recipient is known only by a hash of their number: this table names no one.
  await db.schema
    .createTable('twilio_sticky_senders')
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('to_hash', 'text', (c) => c.notNull())
    .addColumn('sender', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('twilio_sticky_senders_pk', ['service_id', 'to_hash'])
    .execute();
  // Unused pairs are forgotten after a while (the sweep deletes by age).
  await db.schema
    .createIndex('twilio_sticky_senders_age')
    .on('twilio_sticky_senders')
    .columns(['updated_at'])
    .execute();
  // Which service a message was sent through (its `messaging_service_sid`).
  await db.schema
    .createTable('twilio_message_services')
    .addColumn('message_id', 'text', (c) => c.primaryKey())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .execute();
}
