import { sql } from 'kysely';
import type { DbOrTx } from '../../storage/database';
import type { ProcessorDeps } from './processor-duties';
import type { SubProcessors, SubProcessorView } from './sub-processors';

/** Purposes the platform processes client data for (Art. 30(2)(b): the categories of processing). */
export const PROCESSING_PURPOSES = [
  'Sending SMS on the client’s instruction (single, bulk and scheduled messages)',
  'Receiving replies and delivery reports and passing them to the client (inbox, webhooks)',
  'Keeping the client’s address book, groups, consent records and opt-out list',
  'Billing: pricing and charging messages, credit ledger',
  'Security and accountability: sign-in, access control, tamper-evident audit log',
] as const;

/** EEA member states and adequacy decisions' wording we accept as "inside the EEA". */
const EEA = [
  'eu',
  'eea',
  'europe',
  'austria',
  'belgium',
  'bulgaria',
  'croatia',
  'cyprus',
  'czechia',
  'czech republic',
  'denmark',
  'estonia',
  'finland',
  'france',
  'germany',
  'greece',
  'hungary',
  'ireland',
  'italy',
  'latvia',
  'lithuania',
  'luxembourg',
  'malta',
  'netherlands',
  'poland',
  'portugal',
  'romania',
  'slovakia',
  'slovenia',
  'spain',
  'sweden',
  'iceland',
  'liechtenstein',
  'norway',
  'at',
  'be',
  'bg',
  'hr',
  'cy',
  'cz',
  'dk',
  'ee',
  'fi',
  'fr',
  'de',
  'gr',
  'hu',
  'ie',
  'it',
  'lv',
  'lt',
  'lu',
  'mt',
  'nl',
  'pl',
  'pt',
  'ro',
  'sk',
  'si',
  'es',
  'se',
  'is',
  'li',
  'no',
];

/** True when the location names no EEA country or region: data goes outside the EEA. */
export function isOutsideEea(location: string): boolean {
  const words = location
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter(Boolean);
  const text = words.join(' ');
  return !EEA.some((name) => (name.includes(' ') ? text.includes(name) : words.includes(name)));
}

export type RetentionSource = () => Promise<Array<{ rule: string; description: string; days: number }>>;

interface Counted {
  category: string;
  count: number;
}

async function count(q: { executeTakeFirst(): Promise<{ n: unknown } | undefined> }): Promise<number> {
  return Number((await q.executeTakeFirst())?.n ?? 0);
}

/**
 * The register of processing activities (GDPR Art. 30(2)), generated from what is actually stored:
 * per client account (the controller) or for the whole platform. Counts are live queries over the
 * records held right now (deleted contacts awaiting purge are not counted as held for the client).
 */
export function createRegister(
  deps: Pick<ProcessorDeps, 'db' | 'clock' | 'settings'>,
  subProcessors: SubProcessors,
  retention: RetentionSource,
) {
  const { db, clock, settings } = deps;

  async function counts(tx: DbOrTx, accountId: string | null) {
    const scoped = accountId !== null;
    const id = accountId ?? '';
    const contacts = await count(
      tx
        .selectFrom('contacts')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('deleted_at', 'is', null)
        .$if(scoped, (q) => q.where('account_id', '=', id)),
    );
    const withContactColumn = (column: 'first_name' | 'email' | 'address') =>
      count(
        tx
          .selectFrom('contacts')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('deleted_at', 'is', null)
          .where((eb) =>
            column === 'first_name'
              ? eb.or([eb('first_name', 'is not', null), eb('last_name', 'is not', null)])
              : eb(column, 'is not', null),
          )
          .$if(scoped, (q) => q.where('account_id', '=', id)),
      );
    const namedContacts = await withContactColumn('first_name');
    const emailContacts = await withContactColumn('email');
    const addressContacts = await withContactColumn('address');
    const customFieldContacts = await count(
      tx
        .selectFrom('contacts')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('deleted_at', 'is', null)
        .where('fields', '!=', '{}')
        .$if(scoped, (q) => q.where('account_id', '=', id)),
    );
    const recipients = await count(
      tx
        .selectFrom('messages')
        .select((eb) => eb.fn.count('to_number').distinct().as('n'))
        .$if(scoped, (q) => q.where('account_id', '=', id)),
    );
    const messageTexts = await count(
      tx
        .selectFrom('messages')
        .select((eb) => eb.fn.countAll().as('n'))
        .$if(scoped, (q) => q.where('account_id', '=', id)),
    );
    const inboundSenders = await count(
      tx
        .selectFrom('inbound_messages')
        .select((eb) => eb.fn.count('from_number').distinct().as('n'))
        .$if(scoped, (q) => q.where('account_id', '=', id)),
    );
    const inboundTexts = await count(
      tx
        .selectFrom('inbound_messages')
        .select((eb) => eb.fn.countAll().as('n'))
        .$if(scoped, (q) => q.where('account_id', '=', id)),
    );
    const suppressed = await count(
      tx
        .selectFrom('suppressions')
        .select((eb) => eb.fn.countAll().as('n'))
        .$if(scoped, (q) => q.where('account_id', '=', id)),
    );
    const consents = await count(
      tx
        .selectFrom('contact_consents')
        .select((eb) => eb.fn.countAll().as('n'))
        .$if(scoped, (q) => q.where('account_id', '=', id)),
    );
    const users = await count(
      tx
        .selectFrom('users')
        .select((eb) => eb.fn.countAll().as('n'))
        .$if(scoped, (q) => q.where('account_id', '=', id)),
    );
    const staff =
      accountId === null
        ? await count(tx.selectFrom('staff_users').select((eb) => eb.fn.countAll().as('n')))
        : 0;
    const ipEvents = await count(
      tx
        .selectFrom('audit_events')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('ip', 'is not', null)
        .$if(scoped, (q) => q.where('account_id', '=', id)),
    );
    // Every distinct phone number held, whichever table holds it.
    const union = tx
      .selectFrom('contacts')
      .select('phone as p')
      .where('deleted_at', 'is', null)
      .$if(scoped, (q) => q.where('account_id', '=', id))
      .union(
        tx
          .selectFrom('messages')
          .select('to_number as p')
          .$if(scoped, (q) => q.where('account_id', '=', id)),
      )
      .union(
        tx
          .selectFrom('inbound_messages')
          .select('from_number as p')
          .$if(scoped, (q) => q.where('account_id', '=', id)),
      )
      .union(
        tx
          .selectFrom('suppressions')
          .select('phone as p')
          .$if(scoped, (q) => q.where('account_id', '=', id)),
      );
    const phones = await count(tx.selectFrom(union.as('phones')).select(sql<number>`count(*)`.as('n')));

    const subjects: Counted[] = [
      { category: 'contacts', count: contacts },
      { category: 'message recipients', count: recipients },
      { category: 'senders of inbound messages', count: inboundSenders },
      { category: 'opted-out persons', count: suppressed },
      { category: 'team members', count: users },
    ];
    if (accountId === null) subjects.push({ category: 'operator staff', count: staff });
    const data: Counted[] = [
      { category: 'phone numbers', count: phones },
      { category: 'names', count: namedContacts + users + staff },
      { category: 'e-mail addresses', count: emailContacts + users + staff },
      { category: 'postal addresses', count: addressContacts },
      { category: 'message texts', count: messageTexts + inboundTexts },
      { category: 'custom fields', count: customFieldContacts },
      { category: 'consent records', count: consents },
      { category: 'opt-out records', count: suppressed },
      { category: 'IP addresses (audit log)', count: ipEvents },
    ];
    return { subjects, data };
  }

  async function generate(accountId: string | null) {
    const account =
      accountId === null
        ? null
        : await db
            .selectFrom('accounts')
            .select(['id', 'name'])
            .where('id', '=', accountId)
            .executeTakeFirst();
    const { subjects, data } = await counts(db, accountId);
    const list: SubProcessorView[] = await subProcessors.list();
    const retentionPeriods = await retention();
    return {
      scope: accountId === null ? 'platform' : 'account',
      controller: account ? { accountId: account.id, name: account.name } : { name: 'each client account' },
      processor: { name: settings.operatorName, contact: settings.publicUrl },
      generatedAt: new Date(clock.now()).toISOString(),
      categoriesOfDataSubjects: subjects,
      categoriesOfPersonalData: data,
      purposes: [...PROCESSING_PURPOSES],
      subProcessors: list.map((s) => ({
        id: s.id,
        name: s.name,
        purpose: s.purpose,
        location: s.location,
        transferSafeguard: s.transferSafeguard,
      })),
      transfers: list
        .filter((s) => s.transferSafeguard !== null || isOutsideEea(s.location))
        .map((s) => ({ recipient: s.name, location: s.location, safeguard: s.transferSafeguard })),
      retentionPeriods,
      securityMeasures: [
        'Passwords hashed (Argon2), optional TOTP 2FA, session CSRF tokens',
        'Role-based access per account; API keys scoped and revocable',
        'Hash-chained, append-only audit log per account, which the account can check itself (Privacy tools, Verify the chain)',
      ],
    };
  }

  return {
    forAccount: (accountId: string) => generate(accountId),
    forPlatform: () => generate(null),
  };
}

export type Register = ReturnType<typeof createRegister>;

/** The register as Markdown, for printing or attaching to a client's records. */
export function registerMarkdown(r: Awaited<ReturnType<Register['forPlatform']>>): string {
  const lines = [
    `# Register of processing activities (${r.scope})`,
    '',
    `Generated: ${r.generatedAt}`,
    `Controller: ${r.controller.name}`,
    `Processor: ${r.processor.name} (${r.processor.contact})`,
    '',
    '## Categories of data subjects',
    ...r.categoriesOfDataSubjects.map((c) => `- ${c.category}: ${c.count}`),
    '',
    '## Categories of personal data',
    ...r.categoriesOfPersonalData.map((c) => `- ${c.category}: ${c.count}`),
    '',
    '## Purposes',
    ...r.purposes.map((p) => `- ${p}`),
    '',
    '## Sub-processors',
    ...r.subProcessors.map(
      (s) =>
        `- ${s.name} — ${s.purpose}; ${s.location}${s.transferSafeguard ? `; ${s.transferSafeguard}` : ''}`,
    ),
    '',
    '## Transfers outside the EEA',
    ...(r.transfers.length
      ? r.transfers.map((t) => `- ${t.recipient} (${t.location}): ${t.safeguard ?? 'no safeguard recorded'}`)
      : ['- none']),
    '',
    '## Retention periods',
    ...r.retentionPeriods.map((p) => `- ${p.description}: ${p.days} days`),
    '',
    '## Security measures',
    ...r.securityMeasures.map((m) => `- ${m}`),
    '',
  ];
  return lines.join('\n');
}
