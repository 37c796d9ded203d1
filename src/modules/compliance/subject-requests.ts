import { createHash } from 'node:crypto';
import type { Clock } from '../../kernel/clock';
import { AppError } from '../../kernel/errors';
import type { IdGenerator } from '../../kernel/ids';
import { chunks } from '../../storage/chunk';
import type { Db, DbOrTx } from '../../storage/database';
import { prepared, slot } from '../../storage/prepared';
import type { ContactsTable } from '../../storage/schema-contacts';
import type { ClientActor } from '../accounts';
import { parseMessagingSettings } from '../accounts';
import type { AuditLog } from '../audit';
import { auditActorOf } from '../audit';
import type { ContactBook, ImportErasure, ImportSubject } from '../contacts';
import { csvRow, mentionsAny } from '../contacts';
import type { MessageDeletion } from '../messaging';
import { nationalNumberOfE164, normalizePhone } from '../phone';

/** Most messages one search returns (a subject with more gets `truncated: true`). */
const MAX_MESSAGES = 10_000;
const iso = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString();

/**
 * The one-way reference of a phone number or e-mail kept by restrictions and erasure receipts. Phone
 * numbers have few possible values, so this hides them from casual reading, not from a determined search.
 */
export function subjectHash(kind: 'phone' | 'email', value: string): string {
  return createHash('sha256').update(`smsgate-subject\n${kind}\n${value}`).digest('hex');
}

export interface SubjectInput {
  phone?: string | undefined;
  email?: string | undefined;
}

export interface SubjectRectification {
  firstName?: string | null | undefined;
  lastName?: string | null | undefined;
  email?: string | null | undefined;
  phone?: string | undefined;
  country?: string | null | undefined;
  address?: string | null | undefined;
}

export interface SubjectRecords {
  subject: { phone: string | null; email: string | null; ref: string };
  restricted: boolean;
  contacts: Array<Record<string, unknown>>;
  groups: Array<{ contactId: string; groupId: string; groupName: string | null; addedAt: string | null }>;
  consents: Array<Record<string, unknown>>;
  suppressions: Array<{
    phone: string;
    scope: string;
    reason: string | null;
    source: string;
    createdAt: string | null;
  }>;
  messages: Array<Record<string, unknown>>;
  inbound: Array<Record<string, unknown>>;
  campaigns: Array<{ campaignId: string; messages: number; delivered: number }>;
  truncated: boolean;
}

export interface ErasureReceipt {
  erasedAt: string;
  subject: string;
  counts: {
    contacts: number;
    consents: number;
    groupMemberships: number;
    messages: number;
    cancelledMessages: number;
    inbound: number;
    suppressions: number;
    webhookDeliveries: number;
    /** Short links of the person closed (their target, which may carry the name or e-mail, removed). */
    links: number;
    /** Rows of import error reports that quoted the person. */
    importErrors: number;
    /** Stored import originals deleted because they may hold the person's rows. */
    importFiles: number;
    /** Stored `Idempotency-Key` answers (and keys) naming the person. */
    idempotentAnswers: number;
  };
  /** True when the number was on the suppression list: it stays blocked, kept only as a hash. */
  suppressionKept: boolean;
}

interface Subject {
  phones: string[];
  emails: string[];
  contacts: ContactsTable[];
  ref: string;
  input: { phone: string | null; email: string | null };
}

export interface SubjectRequestsDeps {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  audit: AuditLog;
  messages: MessageDeletion;
  contacts: ContactBook;
  /** Deletes the stored files of erased contacts (avatars), once their rows are gone. */
  removeContactFiles: (contactIds: string[]) => Promise<void>;
  /** Import reports and stored import originals. */
  imports: ImportErasure;
}

/**
 * Data-subject requests of one account (owner/admin only, enforced by the routes): find everything held
 * about a person by number or e-mail, export it, rectify it, erase it now, restrict it. Each action is
 * audited with counts and a hash reference, never the number or e-mail itself.
 */
const restrictionsOf = prepared<
  { accountId: string; hash: string },
  { subject_hash: string; reason: string; scope: string | null }
>((db) =>
  db
    .selectFrom('privacy_restrictions')
    .select(['subject_hash', 'reason', 'scope'])
    .where('account_id', '=', slot<string>('accountId'))
    .where('lifted_at', 'is', null)
    .where('subject_hash', '=', slot<string>('hash')),
);

/** The person's identifiers as import files and stored texts write them (lower case). */
function importSubjectOf(s: Pick<Subject, 'phones' | 'emails'>): ImportSubject {
  const nationals = s.phones
    .map(nationalNumberOfE164)
    .filter((n): n is string => n !== null && n.length >= 5);
  return { phones: s.phones, nationals, emails: s.emails.map((e) => e.toLowerCase()) };
}

export function createSubjectRequests(deps: SubjectRequestsDeps) {
  const { db, clock, ids, audit } = deps;

  /** The person: the given number/e-mail plus the numbers and e-mails of every contact that matches them. */
  async function resolve(tx: DbOrTx, accountId: string, input: SubjectInput): Promise<Subject> {
    if (!input.phone && !input.email) {
      throw new AppError('validation_failed', 'Give the phone or the email of the data subject.', {
        errors: [{ path: '/body', message: 'phone or email is required' }],
      });
    }
    let phone: string | null = null;
    if (input.phone) {
      const account = await tx
        .selectFrom('accounts')
        .select('settings')
        .where('id', '=', accountId)
        .executeTakeFirst();
      try {
        phone = normalizePhone(input.phone, parseMessagingSettings(account?.settings).defaultCountry).e164;
      } catch (error) {
        const e = error as AppError;
        throw new AppError(e.code ?? 'invalid_phone_number', e.message, {
          errors: [{ path: '/body/phone', message: e.message }],
        });
      }
    }
    const email = input.email ? input.email.trim().toLowerCase() : null;
    let q = tx.selectFrom('contacts').selectAll().where('account_id', '=', accountId);
    q = q.where((eb) => {
      const ors = [];
      if (phone) ors.push(eb('phone', '=', phone));
      if (email) ors.push(eb('email_lc', '=', email));
      return eb.or(ors);
    });
    const contacts = await q.orderBy('id').execute();
    const phones = new Set<string>(phone ? [phone] : []);
    const emails = new Set<string>(email ? [email] : []);
    for (const c of contacts) {
      phones.add(c.phone);
      if (c.email_lc) emails.add(c.email_lc);
    }
    const ref = subjectHash(phone ? 'phone' : 'email', (phone ?? email)!).slice(0, 16);
    return { phones: [...phones], emails: [...emails], contacts, ref, input: { phone, email } };
  }

  const hashesOf = (s: Pick<Subject, 'phones' | 'emails'>) => [
    ...s.phones.map((p) => ({ kind: 'phone' as const, hash: subjectHash('phone', p) })),
    ...s.emails.map((e) => ({ kind: 'email' as const, hash: subjectHash('email', e) })),
  ];

  async function isRestricted(tx: DbOrTx, accountId: string, s: Subject): Promise<boolean> {
    const hashes = hashesOf(s).map((h) => h.hash);
    const row = await tx
      .selectFrom('privacy_restrictions')
      .select('id')
      .where('account_id', '=', accountId)
      .where('reason', '=', 'restricted')
      .where('lifted_at', 'is', null)
      .where('subject_hash', 'in', hashes)
      .executeTakeFirst();
    return row !== undefined;
  }

  async function collect(tx: DbOrTx, accountId: string, s: Subject): Promise<SubjectRecords> {
    const contactIds = s.contacts.map((c) => c.id);
    const none = [''];
    const phones = s.phones.length > 0 ? s.phones : none;
    const groups = await tx
      .selectFrom('group_members')
      .leftJoin('contact_groups', 'contact_groups.id', 'group_members.group_id')
      .select([
        'group_members.contact_id',
        'group_members.group_id',
        'contact_groups.name',
        'group_members.added_at',
      ])
      .where('group_members.account_id', '=', accountId)
      .where('group_members.contact_id', 'in', contactIds.length > 0 ? contactIds : none)
      .execute();
    const consents = await tx
      .selectFrom('contact_consents')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('contact_id', 'in', contactIds.length > 0 ? contactIds : none)
      .orderBy('id')
      .execute();
    const suppressions = await tx
      .selectFrom('suppressions')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('phone', 'in', phones)
      .execute();
    const messages = await tx
      .selectFrom('messages')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('to_number', 'in', phones)
      .orderBy('id')
      .limit(MAX_MESSAGES + 1)
      .execute();
    const truncated = messages.length > MAX_MESSAGES;
    if (truncated) messages.pop();
    const inbound = await tx
      .selectFrom('inbound_messages')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('from_number', 'in', phones)
      .orderBy('id')
      .limit(MAX_MESSAGES)
      .execute();
    const campaigns = new Map<string, { campaignId: string; messages: number; delivered: number }>();
    for (const m of messages) {
      if (!m.campaign_id) continue;
      const c = campaigns.get(m.campaign_id) ?? { campaignId: m.campaign_id, messages: 0, delivered: 0 };
      c.messages++;
      if (m.status === 'delivered') c.delivered++;
      campaigns.set(m.campaign_id, c);
    }
    return {
      subject: { phone: s.input.phone, email: s.input.email, ref: s.ref },
      restricted: await isRestricted(tx, accountId, s),
      contacts: s.contacts.map((c) => ({
        id: c.id,
        phone: c.phone,
        firstName: c.first_name,
        lastName: c.last_name,
        email: c.email,
        country: c.country,
        address: c.address,
        avatarUrl: c.avatar_url,
        fields: JSON.parse(c.fields || '{}') as unknown,
        tags: JSON.parse(c.tags || '[]') as unknown,
        createdAt: iso(c.created_at),
        updatedAt: iso(c.updated_at),
        deletedAt: iso(c.deleted_at),
      })),
      groups: groups.map((g) => ({
        contactId: g.contact_id,
        groupId: g.group_id,
        groupName: g.name ?? null,
        addedAt: iso(g.added_at),
      })),
      consents: consents.map((c) => ({
        id: c.id,
        contactId: c.contact_id,
        purpose: c.purpose,
        granted: Number(c.granted) === 1,
        source: c.source,
        evidence: c.evidence,
        recordedAt: iso(c.recorded_at),
      })),
      suppressions: suppressions.map((r) => ({
        phone: r.phone,
        scope: r.scope,
        reason: r.reason,
        source: r.source,
        createdAt: iso(r.created_at),
      })),
      messages: messages.map((m) => ({
        id: m.id,
        to: m.to_number,
        from: m.sender,
        text: m.text,
        type: m.type,
        status: m.status,
        campaignId: m.campaign_id,
        reference: m.reference,
        createdAt: iso(m.created_at),
        sentAt: iso(m.sent_at),
        doneAt: iso(m.done_at),
        deletedAt: iso(m.deleted_at),
      })),
      inbound: inbound.map((m) => ({
        id: m.id,
        from: m.from_number,
        to: m.to_number,
        text: m.text,
        receivedAt: iso(m.received_at),
      })),
      campaigns: [...campaigns.values()],
      truncated,
    };
  }

  const countsOf = (r: SubjectRecords) => ({
    contacts: r.contacts.length,
    messages: r.messages.length,
    inbound: r.inbound.length,
    consents: r.consents.length,
    suppressions: r.suppressions.length,
  });

  async function audited<T>(
    actor: ClientActor,
    action: string,
    run: (tx: DbOrTx) => Promise<{ result: T; ref: string; data: Record<string, unknown> }>,
  ): Promise<T> {
    return db.transaction().execute(async (tx) => {
      const { result, ref, data } = await run(tx);
      await audit.record(tx, {
        accountId: actor.accountId,
        actor: auditActorOf(actor),
        action,
        target: { type: 'data_subject', id: ref },
        data,
      });
      return result;
    });
  }

  return {
    subjectHash,

    /** Everything held about the person. */
    search(actor: ClientActor, input: SubjectInput): Promise<SubjectRecords> {
      return audited(actor, 'privacy.subject_searched', async (tx) => {
        const s = await resolve(tx, actor.accountId, input);
        const records = await collect(tx, actor.accountId, s);
        return { result: records, ref: s.ref, data: countsOf(records) };
      });
    },

    /** The same records as a bundle: JSON, or CSV with one row per field (`recordType,id,field,value`). */
    async exportBundle(
      actor: ClientActor,
      input: SubjectInput,
      format: 'json' | 'csv',
    ): Promise<{ contentType: string; body: string }> {
      const records = await audited(actor, 'privacy.subject_exported', async (tx) => {
        const s = await resolve(tx, actor.accountId, input);
        const r = await collect(tx, actor.accountId, s);
        return { result: r, ref: s.ref, data: { ...countsOf(r), format } };
      });
      const exportedAt = new Date(clock.now()).toISOString();
      if (format === 'json')
        return { contentType: 'application/json', body: JSON.stringify({ exportedAt, ...records }, null, 2) };
      const lines = [csvRow(['recordType', 'id', 'field', 'value'])];
      const sections: Array<[string, Array<Record<string, unknown>>]> = [
        ['contact', records.contacts],
        ['group_membership', records.groups],
        ['consent', records.consents],
        ['suppression', records.suppressions],
        ['message', records.messages],
        ['inbound_message', records.inbound],
        ['campaign', records.campaigns],
      ];
      for (const [type, rows] of sections) {
        rows.forEach((row, i) => {
          const id = String(row.id ?? row.campaignId ?? row.groupId ?? row.phone ?? i);
          for (const [field, value] of Object.entries(row)) {
            if (value === null || value === undefined) continue;
            lines.push(
              csvRow([type, id, field, typeof value === 'object' ? JSON.stringify(value) : String(value)]),
            );
          }
        });
      }
      return { contentType: 'text/csv; charset=utf-8', body: lines.join('') };
    },

    /** Applies corrections to every live contact of the person. */
    async rectify(
      actor: ClientActor,
      input: SubjectInput & { changes: SubjectRectification },
    ): Promise<{ rectified: string[] }> {
      // Every matching contact changes, or none does (a number taken by another contact refuses all).
      return audited(actor, 'privacy.subject_rectified', async (tx) => {
        const s = await resolve(tx, actor.accountId, input);
        const live = s.contacts.filter((c) => c.deleted_at === null);
        const rectified: string[] = [];
        for (const c of live) {
          await deps.contacts.update(actor, c.id, input.changes, tx);
          rectified.push(c.id);
        }
        return {
          result: { rectified },
          ref: s.ref,
          data: { contacts: rectified.length, fields: Object.keys(input.changes) },
        };
      });
    },

    /**
     * Erases the person everywhere at once (contacts even if deleted, messages, inbound, consents, group
     * memberships, webhook payloads). A suppressed number stays blocked, kept only as a hash.
     */
    async erase(actor: ClientActor, input: SubjectInput): Promise<ErasureReceipt> {
      const accountId = actor.accountId;
      // Stored import originals first: files cannot join the transaction, and if the rows' erasure failed
      // afterwards, a file deleted a little early is no loss (the contacts it created stay).
      const known = await db.transaction().execute((tx) => resolve(tx, accountId, input));
      const importFiles = await deps.imports.eraseOriginals(accountId, importSubjectOf(known));
      let erasedContacts: string[] = [];
      const erased = await audited(actor, 'privacy.subject_erased', async (tx) => {
        const s = await resolve(tx, accountId, input);
        const found = importSubjectOf(s);
        const now = clock.now();
        const contactIds = s.contacts.map((c) => c.id);
        erasedContacts = contactIds;
        const ids_ = contactIds.length > 0 ? contactIds : [''];
        const phones = s.phones.length > 0 ? s.phones : [''];
        const consents = await tx
          .deleteFrom('contact_consents')
          .where('contact_id', 'in', ids_)
          .executeTakeFirst();
        const memberships = await tx
          .deleteFrom('group_members')
          .where('contact_id', 'in', ids_)
          .executeTakeFirst();
        await tx.deleteFrom('contact_tags').where('contact_id', 'in', ids_).execute();
        // Short links: the target may carry the person's name or e-mail (a placeholder in the URL). The link
        // is closed (410) and its target removed; its clicks (time and browser family only) stay counted.
        const links = await tx
          .updateTable('links')
          .set({ target_url: null, deleted_at: now })
          .where('account_id', '=', accountId)
          .where((eb) =>
            eb.or([
              eb('contact_id', 'in', ids_),
              eb(
                'message_id',
                'in',
                eb
                  .selectFrom('messages')
                  .select('id')
                  .where('account_id', '=', accountId)
                  .where('to_number', 'in', phones),
              ),
            ]),
          )
          .where((eb) => eb.or([eb('deleted_at', 'is', null), eb('target_url', 'is not', null)]))
          .executeTakeFirst();
        await tx.deleteFrom('contacts').where('account_id', '=', accountId).where('id', 'in', ids_).execute();
        const cancelled = await deps.messages.cancelPending(
          tx,
          accountId,
          { code: 'recipient_erased', detail: 'The recipient asked for their data to be erased.' },
          s.phones,
        );
        const messages = await deps.messages.eraseTo(tx, accountId, s.phones);
        const inbound = await tx
          .deleteFrom('inbound_messages')
          .where('account_id', '=', accountId)
          .where('from_number', 'in', phones)
          .executeTakeFirst();
        const suppressed = await tx
          .selectFrom('suppressions')
          .select(['phone', 'scope'])
          .where('account_id', '=', accountId)
          .where('phone', 'in', phones)
          .execute();
        await tx
          .deleteFrom('suppressions')
          .where('account_id', '=', accountId)
          .where('phone', 'in', phones)
          .execute();
        for (const row of suppressed) {
          await tx
            .insertInto('privacy_restrictions')
            .values({
              id: ids('dsr'),
              account_id: accountId,
              subject_hash: subjectHash('phone', row.phone),
              subject_kind: 'phone',
              reason: 'erased',
              scope: row.scope,
              created_by: actor.id,
              restricted_at: now,
              lifted_at: null,
            })
            .execute();
        }
        const importErrors = await deps.imports.eraseErrors(tx, accountId, found);
        const needles = [...found.phones, ...found.nationals, ...found.emails];
        // Stored `Idempotency-Key` answers repeat the request's answer (number, text), and a client may
        // have put the number into the key itself. Scopes of the account contain its id.
        const idempotent = await tx
          .deleteFrom('idempotency_keys')
          .where(mentionsAny('scope', [accountId.toLowerCase()]))
          .where((eb) => eb.or([mentionsAny('key', needles), mentionsAny('response_body', needles)]))
          .executeTakeFirst();
        // Webhook payloads copy the number and the text (this transaction's own cancellations too): those
        // naming the person go, with their attempts (which may hold the receiver's echo of the payload).
        const hooks = await tx
          .selectFrom('webhook_deliveries')
          .select('id')
          .where('account_id', '=', accountId)
          .where(mentionsAny('body', needles))
          .execute();
        for (const part of chunks(hooks, 500)) {
          const wIds = part.map((r) => r.id);
          await tx.deleteFrom('webhook_attempts').where('delivery_id', 'in', wIds).execute();
          await tx.deleteFrom('webhook_deliveries').where('id', 'in', wIds).execute();
        }
        const receipt: ErasureReceipt = {
          erasedAt: new Date(now).toISOString(),
          subject: s.ref,
          counts: {
            contacts: contactIds.length,
            consents: Number(consents.numDeletedRows),
            groupMemberships: Number(memberships.numDeletedRows),
            messages,
            cancelledMessages: cancelled,
            inbound: Number(inbound.numDeletedRows),
            suppressions: suppressed.length,
            webhookDeliveries: hooks.length,
            links: Number(links.numUpdatedRows),
            importErrors,
            importFiles,
            idempotentAnswers: Number(idempotent.numDeletedRows),
          },
          suppressionKept: suppressed.length > 0,
        };
        return { result: receipt, ref: s.ref, data: { ...receipt.counts } };
      });
      await deps.removeContactFiles(erasedContacts);
      return erased;
    },

    /** Restricts (or lifts the restriction of) the person: every number and e-mail known for them. */
    restrict(
      actor: ClientActor,
      input: SubjectInput & { restricted: boolean },
    ): Promise<{ subject: string; restricted: boolean; identifiers: number }> {
      const accountId = actor.accountId;
      return audited(
        actor,
        input.restricted ? 'privacy.subject_restricted' : 'privacy.restriction_lifted',
        async (tx) => {
          const s = await resolve(tx, accountId, input);
          const now = clock.now();
          const hashes = hashesOf(s);
          const active = await tx
            .selectFrom('privacy_restrictions')
            .select('subject_hash')
            .where('account_id', '=', accountId)
            .where('reason', '=', 'restricted')
            .where('lifted_at', 'is', null)
            .where(
              'subject_hash',
              'in',
              hashes.map((h) => h.hash),
            )
            .execute();
          if (input.restricted) {
            const have = new Set(active.map((a) => a.subject_hash));
            for (const h of hashes.filter((x) => !have.has(x.hash))) {
              await tx
                .insertInto('privacy_restrictions')
                .values({
                  id: ids('dsr'),
                  account_id: accountId,
                  subject_hash: h.hash,
                  subject_kind: h.kind,
                  reason: 'restricted',
                  scope: null,
                  created_by: actor.id,
                  restricted_at: now,
                  lifted_at: null,
                })
                .execute();
            }
          } else if (active.length > 0) {
            await tx
              .updateTable('privacy_restrictions')
              .set({ lifted_at: now })
              .where('account_id', '=', accountId)
              .where('reason', '=', 'restricted')
              .where('lifted_at', 'is', null)
              .where(
                'subject_hash',
                'in',
                active.map((a) => a.subject_hash),
              )
              .execute();
          }
          return {
            result: { subject: s.ref, restricted: input.restricted, identifiers: hashes.length },
            ref: s.ref,
            data: { identifiers: hashes.length },
          };
        },
      );
    },

    /**
     * For the send path: numbers of the account that must not be messaged, and why (`restricted`, or the
     * suppression scope an erased number had).
     */
    async blockedNumbers(
      db_: DbOrTx,
      accountId: string,
      phones: string[],
    ): Promise<Map<string, 'restricted' | 'marketing' | 'all'>> {
      const found = new Map<string, 'restricted' | 'marketing' | 'all'>();
      const unique = [...new Set(phones)];
      const byHash = new Map(unique.map((p) => [subjectHash('phone', p), p]));
      const hashes = [...byHash.keys()];
      if (hashes.length === 1) {
        // One recipient (most sends): a statement compiled once.
        const rows = (await restrictionsOf(db_, { accountId, hash: hashes[0]! })).rows;
        for (const r of rows) {
          const phone = byHash.get(r.subject_hash)!;
          if (r.reason === 'restricted') found.set(phone, 'restricted');
          else if (found.get(phone) !== 'restricted')
            found.set(phone, r.scope === 'marketing' ? 'marketing' : 'all');
        }
        return found;
      }
      for (const part of chunks(hashes, 500)) {
        const rows = await db_
          .selectFrom('privacy_restrictions')
          .select(['subject_hash', 'reason', 'scope'])
          .where('account_id', '=', accountId)
          .where('lifted_at', 'is', null)
          .where('subject_hash', 'in', part)
          .execute();
        for (const r of rows) {
          const phone = byHash.get(r.subject_hash)!;
          if (r.reason === 'restricted') found.set(phone, 'restricted');
          else if (found.get(phone) !== 'restricted')
            found.set(phone, r.scope === 'marketing' ? 'marketing' : 'all');
        }
      }
      return found;
    },

    /**
     * For long lists of numbers (a campaign's audience): `blockedNumbers`, after one cheap look whether the
     * account has any restriction at all. Most accounts never restrict anyone, and that look spares hashing
     * every number.
     */
    async blockedAmongMany(
      db_: DbOrTx,
      accountId: string,
      phones: string[],
    ): Promise<Map<string, 'restricted' | 'marketing' | 'all'>> {
      const any = await db_
        .selectFrom('privacy_restrictions')
        .select('id')
        .where('account_id', '=', accountId)
        .limit(1)
        .executeTakeFirst();
      return any ? this.blockedNumbers(db_, accountId, phones) : new Map();
    },

    /** Contact batches without the restricted data subjects (exports skip them until the restriction is lifted). */
    async *omitRestricted<T extends { phone: string; email: string | null }>(
      accountId: string,
      batches: AsyncIterable<T[]>,
    ): AsyncGenerator<T[]> {
      for await (const batch of batches) {
        const hidden = await this.restrictedContacts(accountId, batch);
        yield hidden.size === 0 ? batch : batch.filter((_, i) => !hidden.has(i));
      }
    },

    /** For exports: which of these contacts (by number or e-mail) are restricted. */
    async restrictedContacts(
      accountId: string,
      contacts: Array<{ phone: string; email: string | null }>,
    ): Promise<Set<number>> {
      const hashes = contacts.map((c) => [
        subjectHash('phone', c.phone),
        c.email ? subjectHash('email', c.email.toLowerCase()) : null,
      ]);
      const all = [...new Set(hashes.flat().filter((h): h is string => h !== null))];
      const hit = new Set<string>();
      for (const part of chunks(all, 500)) {
        const rows = await db
          .selectFrom('privacy_restrictions')
          .select('subject_hash')
          .where('account_id', '=', accountId)
          .where('reason', '=', 'restricted')
          .where('lifted_at', 'is', null)
          .where('subject_hash', 'in', part)
          .execute();
        for (const r of rows) hit.add(r.subject_hash);
      }
      const out = new Set<number>();
      hashes.forEach(([p, e], i) => {
        if (hit.has(p!) || (e && hit.has(e))) out.add(i);
      });
      return out;
    },
  };
}

export type SubjectRequests = ReturnType<typeof createSubjectRequests>;
