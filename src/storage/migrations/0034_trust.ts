import type { Kysely } from 'kysely';

/**
 * Where each seeded country rule comes from (public per-country sender-ID guides, read December 2026); the
 * operator edits the table afterwards. docs/sender-ids.md lists the same sources.
 */
const SEEDED_SENDER_RULES: Array<
  [string, 'forbidden' | 'registration_required' | 'allowed', 'any' | 'own', string]
> = [
  // Every country the table does not name: as before this table existed, so a fresh install stays open.
  ['*', 'allowed', 'any', 'smsgate default: alphanumeric senders allowed, any numeric sender'],
  ['US', 'forbidden', 'own', 'apps.helpscoutdocs.com/article/267 (sender ID replaced by a local number)'],
  ['CA', 'forbidden', 'own', 'apps.helpscoutdocs.com/article/267; support.ringring.be 16766145938973'],
  ['AR', 'forbidden', 'any', 'help.pushtech.com 15407493751954 (replaced by a static short code)'],
  ['IN', 'registration_required', 'any', 'developer.enablex.io international-sms-regulations/india (DLT)'],
  ['AU', 'registration_required', 'any', 'help.pushtech.com 15407493751954'],
  ['BD', 'registration_required', 'any', 'help.pushtech.com 15407493751954; support.ringring.be'],
  ['BY', 'registration_required', 'any', 'help.pushtech.com 15407493751954; support.ringring.be'],
  ['CN', 'registration_required', 'any', 'support.ringring.be 16766145938973'],
  ['ID', 'registration_required', 'any', 'support.ringring.be 16766145938973'],
];

/** Well-known URL shorteners: a link through one hides where it leads, the staple of SMS phishing. */
const SEEDED_SHORTENERS = [
  'bit.ly',
  'tinyurl.com',
  'goo.gl',
  't.co',
  'ow.ly',
  'is.gd',
  'buff.ly',
  'rebrand.ly',
  'cutt.ly',
  'shorturl.at',
  'rb.gy',
  'tiny.cc',
];

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  // Alphanumeric senders an account asked to use, and the operator's answer.
  await db.schema
    .createTable('sender_ids')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('sender', 'text', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('review_note', 'text')
    .addColumn('reviewed_by', 'text')
    .addColumn('reviewed_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  // The send path's lookup (is this sender approved for this account?) and one registration per sender.
  await db.schema
    .createIndex('sender_ids_account_sender')
    .on('sender_ids')
    .columns(['account_id', 'sender'])
    .unique()
    .execute();
  await db.schema
    .createIndex('sender_ids_status')
    .on('sender_ids')
    .columns(['status', 'created_at'])
    .execute();

  // Per destination country ('*' = every country not listed): what alphanumeric and numeric senders need.
  await db.schema
    .createTable('sender_rules')
    .addColumn('country', 'text', (c) => c.primaryKey())
    .addColumn('alphanumeric', 'text', (c) => c.notNull())
    .addColumn('numeric', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // Names only their owner may send as (banks, couriers…), matched through look-alike spellings too.
  await db.schema
    .createTable('protected_names')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('account_id', 'text')
    .addColumn('note', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  // Blocked terms and URL domains in message texts, and what a match does (`reject` or `hold`).
  await db.schema
    .createTable('content_rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('content_rules_value')
    .on('content_rules')
    .columns(['kind', 'value'])
    .unique()
    .execute();
  // An account's exceptions to content rules (its own domain, a term its trade needs).
  await db.schema
    .createTable('content_allows')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('content_allows_account')
    .on('content_allows')
    .columns(['account_id', 'kind', 'value'])
    .unique()
    .execute();

  // Seeded rows carry time 0: nobody wrote them, and the operator's first edit gives them a real time.
  const now = 0;
  await db
    .insertInto('sender_rules')
    .values(
      SEEDED_SENDER_RULES.map(([country, alphanumeric, numeric, source]) => ({
        country,
        alphanumeric,
        numeric,
        source,
        updated_at: now,
      })),
    )
    .execute();
  await db
    .insertInto('content_rules')
    .values(
      SEEDED_SHORTENERS.map((value, i) => ({
        id: `crl_seed_${String(i).padStart(2, '0')}`,
        kind: 'domain',
        value,
        action: 'reject',
        note: 'URL shortener (seeded): the link hides where it leads',
        created_at: now,
      })),
    )
    .execute();
}
