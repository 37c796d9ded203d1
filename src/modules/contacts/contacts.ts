import { sql } from 'kysely';
import { AppError, type FieldError } from '../../kernel/errors';
import { chunks } from '../../storage/chunk';
import type { DbOrTx } from '../../storage/database';
import type { ContactConsentsTable, ContactsTable } from '../../storage/schema-contacts';
import type { ClientActor } from '../accounts';
import { auditActorOf } from '../audit';
import { applyFieldValues, type FieldType, type FieldValue } from './fields';
import {
  type ContactsDeps,
  defaultCountryOf,
  iso,
  isUniqueViolation,
  MAX_BULK_IDS,
  phoneAt,
  RESTORE_WINDOW_MS,
} from './shared';

export const CONSENT_PURPOSES = ['marketing', 'transactional'] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];

export interface ContactInput {
  phone: string;
  firstName?: string | null | undefined;
  lastName?: string | null | undefined;
  email?: string | null | undefined;
  country?: string | null | undefined;
  address?: string | null | undefined;
  avatarUrl?: string | null | undefined;
  fields?: Record<string, unknown> | undefined;
  tags?: string[] | undefined;
  groupIds?: string[] | undefined;
}

export type ContactPatch = Partial<ContactInput>;

/** Orders of the contact list: by creation (id), name or phone; a leading `-` is descending. */
export const CONTACT_SORTS = ['-created', 'created', 'name', '-name', 'phone', '-phone'] as const;
export type ContactSort = (typeof CONTACT_SORTS)[number];

/** Which contacts: the list's filters (all of them: every live contact of the account). */
export interface ContactMatch {
  q?: string | undefined;
  groupId?: string | undefined;
  tag?: string | undefined;
  country?: string | undefined;
}

export interface ContactFilter extends ContactMatch {
  limit: number;
  /** The id of the last contact of the page before, whatever the sort. */
  cursor?: string | undefined;
  /** Default `-created` (newest first). */
  sort?: ContactSort | undefined;
}

/** A count of matching contacts stops here, so that counting costs the same on any size of book. */
export const COUNT_CAP = 100_000;

export interface ContactView {
  id: string;
  phone: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  country: string | null;
  address: string | null;
  avatarUrl: string | null;
  fields: Record<string, FieldValue>;
  tags: string[];
  groupIds: string[];
  createdAt: string;
  updatedAt: string;
}

export interface ConsentView {
  id: string;
  purpose: ConsentPurpose;
  granted: boolean;
  source: string;
  evidence: string | null;
  recordedAt: string;
}

export interface ContactDetail extends ContactView {
  /** Every consent decision, newest first. */
  consents: ConsentView[];
  /** The latest decision per purpose (null: never recorded). */
  consentStatus: Record<ConsentPurpose, ConsentView | null>;
}

function consentView(row: ContactConsentsTable): ConsentView {
  return {
    id: row.id,
    purpose: row.purpose,
    granted: Number(row.granted) === 1,
    source: row.source,
    evidence: row.evidence,
    recordedAt: iso(row.recorded_at),
  };
}

/** The smallest string greater than every string that starts with `prefix`. */
const prefixUpperBound = (prefix: string) =>
  prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
const PHONE_SEPARATORS = /[\s().\-/]/g;

/**
 * The stored row of a new contact. The lower-cased search columns are derived here only, so every way in
 * (the API, imports) fills them the same way.
 */
export function newContactRow(c: {
  id: string;
  accountId: string;
  /** E.164. */
  phone: string;
  firstName?: string | null | undefined;
  lastName?: string | null | undefined;
  email?: string | null | undefined;
  country: string | null;
  address?: string | null | undefined;
  avatarUrl?: string | null | undefined;
  fields: Record<string, FieldValue>;
  tags: string[];
  createdBy: string | null;
  now: number;
}): ContactsTable {
  return {
    id: c.id,
    account_id: c.accountId,
    phone: c.phone,
    first_name: c.firstName ?? null,
    last_name: c.lastName ?? null,
    email: c.email ?? null,
    country: c.country,
    address: c.address ?? null,
    avatar_url: c.avatarUrl ?? null,
    fields: JSON.stringify(c.fields),
    tags: JSON.stringify(c.tags),
    first_name_lc: searchCopy(c.firstName),
    last_name_lc: searchCopy(c.lastName),
    email_lc: searchCopy(c.email),
    name_lc: nameKey(c.firstName, c.lastName),
    created_by: c.createdBy,
    created_at: c.now,
    updated_at: c.now,
    deleted_at: null,
  };
}

/** Lower-cased copy for the prefix-search columns. */
const searchCopy = (v: string | null | undefined) => (v ? v.toLowerCase() : null);

/** The name sort's key: "first last" lower-cased, null without a name (migration 0021 fills it the same way). */
const nameKey = (first: string | null | undefined, last: string | null | undefined) =>
  [first, last].filter(Boolean).join(' ').toLowerCase() || null;

/**
 * Writes the searchable name and e-mail columns given (undefined: left as they are) into `set`, each with
 * its lower-cased search copy, and the name sort's key from the new and `current` names, so that no
 * update can change one without the others.
 */
export function setSearchable(
  set: Partial<ContactsTable>,
  values: {
    firstName?: string | null | undefined;
    lastName?: string | null | undefined;
    email?: string | null | undefined;
  },
  current: Pick<ContactsTable, 'first_name' | 'last_name'>,
): void {
  if (values.firstName !== undefined || values.lastName !== undefined) {
    set.name_lc = nameKey(
      values.firstName !== undefined ? values.firstName : current.first_name,
      values.lastName !== undefined ? values.lastName : current.last_name,
    );
  }
  if (values.firstName !== undefined) {
    set.first_name = values.firstName;
    set.first_name_lc = searchCopy(values.firstName);
  }
  if (values.lastName !== undefined) {
    set.last_name = values.lastName;
    set.last_name_lc = searchCopy(values.lastName);
  }
  if (values.email !== undefined) {
    set.email = values.email;
    set.email_lc = searchCopy(values.email);
  }
}

/** From this many matches on, a search walks the account newest first instead of collecting every match. */
const DENSE_MATCHES = 2000;

/**
 * The ways a search text matches a contact: a prefix of the first name, last name, e-mail or (digits)
 * phone number, or "first last" in either order. A prefix is a range (col >= 'ann' and col < 'ano')
 * rather than LIKE: both databases answer it from the (account_id, column) indexes, where LIKE with
 * ESCAPE makes SQLite scan the table.
 */
function searchConditions(text: string) {
  const like = (column: string, value: string) =>
    sql<boolean>`(${sql.ref(column)} >= ${value} and ${sql.ref(column)} < ${prefixUpperBound(value)})`;
  const arms = [like('first_name_lc', text), like('last_name_lc', text), like('email_lc', text)];
  const compact = text.replace(PHONE_SEPARATORS, '');
  if (/^\+?\d+$/.test(compact)) {
    const digits = compact.startsWith('+')
      ? compact.slice(1)
      : compact.startsWith('00')
        ? compact.slice(2)
        : compact;
    if (digits.length > 0) arms.push(like('phone', `+${digits}`));
  }
  const words = text.split(/\s+/);
  if (words.length === 2) {
    // "ada love": first name and last name prefixes, either way round.
    for (const [first, last] of [
      [words[0]!, words[1]!],
      [words[1]!, words[0]!],
    ] as const) {
      arms.push(sql<boolean>`(${like('first_name_lc', first)} and ${like('last_name_lc', last)})`);
    }
  }
  return arms;
}

function normalizeTags(tags: string[]): string[] {
  return [...new Set(tags.map((t) => t.trim()).filter((t) => t.length > 0))];
}

/** Contacts: the address book of an account, with custom fields, tags, consents and soft deletion. */
export function createContactBook(deps: ContactsDeps) {
  const { db, clock, ids, audit } = deps;

  async function definitions(tx: DbOrTx, accountId: string): Promise<Map<string, FieldType>> {
    const rows = await tx
      .selectFrom('contact_fields')
      .select(['key', 'type'])
      .where('account_id', '=', accountId)
      .execute();
    return new Map(rows.map((r) => [r.key, r.type]));
  }

  async function liveContact(tx: DbOrTx, accountId: string, id: string): Promise<ContactsTable> {
    const row = await tx
      .selectFrom('contacts')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!row) throw new AppError('not_found', 'No such contact.');
    return row;
  }

  async function assertPhoneFree(tx: DbOrTx, accountId: string, phone: string, exceptId?: string) {
    let q = tx
      .selectFrom('contacts')
      .select('id')
      .where('account_id', '=', accountId)
      .where('phone', '=', phone)
      .where('deleted_at', 'is', null);
    if (exceptId) q = q.where('id', '!=', exceptId);
    const other = await q.executeTakeFirst();
    if (other) {
      throw new AppError('conflict', `Another contact (${other.id}) has this phone number.`, {
        errors: [{ path: '/body/phone', message: 'already used by another contact' }],
        extra: { contactId: other.id },
      });
    }
  }

  /** Checks that every group id is one of the account's groups. */
  async function ownGroups(tx: DbOrTx, accountId: string, groupIds: string[]): Promise<string[]> {
    const unique = [...new Set(groupIds)];
    if (unique.length === 0) return [];
    const rows = await tx
      .selectFrom('contact_groups')
      .select('id')
      .where('account_id', '=', accountId)
      .where('id', 'in', unique)
      .execute();
    const found = new Set(rows.map((r) => r.id));
    const errors: FieldError[] = [];
    groupIds.forEach((g, i) => {
      if (!found.has(g)) errors.push({ path: `/body/groupIds/${i}`, message: 'no such group' });
    });
    if (errors.length > 0) throw new AppError('not_found', 'No such group.', { errors });
    return unique;
  }

  async function setTags(tx: DbOrTx, accountId: string, contactId: string, tags: string[]) {
    await tx.deleteFrom('contact_tags').where('contact_id', '=', contactId).execute();
    if (tags.length > 0) {
      await tx
        .insertInto('contact_tags')
        .values(tags.map((tag) => ({ account_id: accountId, contact_id: contactId, tag })))
        .execute();
    }
  }

  async function groupIdsOf(tx: DbOrTx, contactIds: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const part of chunks(contactIds, 500)) {
      if (part.length === 0) continue;
      const rows = await tx
        .selectFrom('group_members')
        .select(['contact_id', 'group_id'])
        .where('contact_id', 'in', part)
        .orderBy('group_id')
        .execute();
      for (const r of rows) {
        const list = out.get(r.contact_id) ?? [];
        list.push(r.group_id);
        out.set(r.contact_id, list);
      }
    }
    return out;
  }

  function view(row: ContactsTable, groupIds: string[]): ContactView {
    return {
      id: row.id,
      phone: row.phone,
      firstName: row.first_name,
      lastName: row.last_name,
      email: row.email,
      country: row.country,
      address: row.address,
      avatarUrl: row.avatar_url,
      fields: JSON.parse(row.fields) as Record<string, FieldValue>,
      tags: JSON.parse(row.tags) as string[],
      groupIds,
      createdAt: iso(row.created_at),
      updatedAt: iso(row.updated_at),
    };
  }

  async function views(tx: DbOrTx, rows: ContactsTable[]): Promise<ContactView[]> {
    const groups = await groupIdsOf(
      tx,
      rows.map((r) => r.id),
    );
    return rows.map((r) => view(r, groups.get(r.id) ?? []));
  }

  async function detail(tx: DbOrTx, row: ContactsTable): Promise<ContactDetail> {
    const [base] = await views(tx, [row]);
    const consents = (
      await tx
        .selectFrom('contact_consents')
        .selectAll()
        .where('contact_id', '=', row.id)
        .orderBy('id', 'desc')
        .execute()
    ).map(consentView);
    const consentStatus: Record<ConsentPurpose, ConsentView | null> = {
      marketing: null,
      transactional: null,
    };
    for (const c of consents) consentStatus[c.purpose] ??= c;
    return { ...base!, consents, consentStatus };
  }

  async function withUniqueCheck<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      // A concurrent request took the number between the check and the insert: the index refused it.
      if (isUniqueViolation(error)) {
        throw new AppError('conflict', 'Another contact has this phone number.', {
          errors: [{ path: '/body/phone', message: 'already used by another contact' }],
        });
      }
      throw error;
    }
  }

  /**
   * How to answer a search: a prefix shared by many contacts ("ann" among a million) makes the union of
   * index lookups materialise and sort every match for one page of 50, while walking the account newest
   * first finds 50 matches after a few thousand rows; a rare prefix is the other way round. A capped
   * count of the matches (an index probe that stops at the cap) tells which case this is.
   */
  async function searchMode(accountId: string, q: string | undefined): Promise<'union' | 'scan'> {
    const text = q?.trim().toLowerCase();
    if (!text) return 'union';
    const arms = searchConditions(text);
    const arm = (condition: (typeof arms)[number]) =>
      db
        .selectFrom('contacts')
        .select('id')
        .where('account_id', '=', accountId)
        .where('deleted_at', 'is', null)
        .where(condition);
    let matches = arm(arms[0]!);
    for (const condition of arms.slice(1)) matches = matches.unionAll(arm(condition));
    const row = await db
      .selectFrom(matches.limit(DENSE_MATCHES).as('m'))
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    return Number(row?.n ?? 0) >= DENSE_MATCHES ? 'scan' : 'union';
  }

  /** The live contacts of the account that match the filters; no selection, cursor or order yet. */
  function matching(executor: DbOrTx, accountId: string, f: ContactMatch, mode: 'union' | 'scan' = 'union') {
    let q = executor
      .selectFrom('contacts')
      .where('account_id', '=', accountId)
      .where('deleted_at', 'is', null);
    if (f.country) q = q.where('country', '=', f.country.toUpperCase());
    if (f.tag) {
      q = q.where(
        'id',
        'in',
        executor
          .selectFrom('contact_tags')
          .select('contact_id')
          .where('account_id', '=', accountId)
          .where('tag', '=', f.tag),
      );
    }
    if (f.groupId) {
      q = q.where(
        'id',
        'in',
        executor
          .selectFrom('group_members')
          .select('contact_id')
          .where('account_id', '=', accountId)
          .where('group_id', '=', f.groupId),
      );
    }
    const text = f.q?.trim().toLowerCase();
    if (text) {
      const arms = searchConditions(text);
      if (mode === 'scan') {
        // Many matches: walking the account newest first and testing each row finds a page quickly.
        q = q.where(sql<boolean>`(${sql.join(arms, sql` or `)})`);
      } else {
        // Few matches: each way of matching is its own indexed lookup; their union names the matching
        // ids. (An OR inside one WHERE lets the planner walk the whole account in id order instead.)
        const arm = (condition: (typeof arms)[number]) =>
          executor
            .selectFrom('contacts')
            .select('id')
            .where('account_id', '=', accountId)
            // deleted_at in the condition lets the phone lookup use the partial unique index of live phones.
            .where('deleted_at', 'is', null)
            .where(condition);
        let matches = arm(arms[0]!);
        for (const condition of arms.slice(1)) matches = matches.union(arm(condition));
        q = q.where('id', 'in', matches);
      }
    }
    return q;
  }

  /** Matching contacts newest first, after `cursor` (an id): the export's and bulk actions' walk. */
  function newestFirst(
    executor: DbOrTx,
    accountId: string,
    f: ContactMatch & { cursor?: string | undefined },
    mode: 'union' | 'scan' = 'union',
  ) {
    let q = matching(executor, accountId, f, mode).selectAll();
    if (f.cursor) q = q.where('id', '<', f.cursor);
    return q.orderBy('id', 'desc');
  }

  /**
   * The sort keys of the contact a page ended on. The cursor stays the id (no names or numbers in URLs);
   * a deleted contact still has its row for the restore window, so a page ending on it can go on.
   */
  async function cursorKeys(accountId: string, cursor: string) {
    const row = await db
      .selectFrom('contacts')
      .select(['id', 'phone', 'name_lc'])
      .where('account_id', '=', accountId)
      .where('id', '=', cursor)
      .executeTakeFirst();
    if (!row) {
      throw new AppError('validation_failed', 'The cursor does not name a contact of this list.', {
        errors: [{ path: '/querystring/cursor', message: 'no such contact; start from the first page' }],
      });
    }
    return row;
  }

  /**
   * One page in the requested order, by keyset pagination on an index: (account_id, id) for `created`,
   * the live-phone index for `phone` (numbers are unique among live contacts), (account_id, name_lc, id)
   * for `name`. Contacts without a name come after the named ones in both directions, newest first
   * among themselves when descending.
   */
  async function sortedPage(
    accountId: string,
    f: ContactFilter,
    mode: 'union' | 'scan',
  ): Promise<ContactsTable[]> {
    const sort = f.sort ?? '-created';
    const desc = sort.startsWith('-');
    const key = desc ? sort.slice(1) : sort;
    const dir = desc ? 'desc' : 'asc';
    const beyond = desc ? '<' : '>';
    const base = () => matching(db, accountId, f, mode).selectAll();
    if (key === 'created') {
      let q = base();
      if (f.cursor) q = q.where('id', beyond, f.cursor);
      return q.orderBy('id', dir).limit(f.limit).execute();
    }
    const after = f.cursor ? await cursorKeys(accountId, f.cursor) : null;
    if (key === 'phone') {
      let q = base();
      if (after) q = q.where('phone', beyond, after.phone);
      return q.orderBy('phone', dir).limit(f.limit).execute();
    }
    const rows: ContactsTable[] = [];
    if (!after || after.name_lc !== null) {
      let q = base().where('name_lc', 'is not', null);
      if (after) {
        const name = after.name_lc!;
        q = q.where((eb) =>
          eb.or([
            eb('name_lc', beyond, name),
            eb.and([eb('name_lc', '=', name), eb('id', beyond, after.id)]),
          ]),
        );
      }
      rows.push(...(await q.orderBy('name_lc', dir).orderBy('id', dir).limit(f.limit).execute()));
    }
    if (rows.length < f.limit) {
      let q = base().where('name_lc', 'is', null);
      if (after && after.name_lc === null) q = q.where('id', beyond, after.id);
      rows.push(
        ...(await q
          .orderBy('id', dir)
          .limit(f.limit - rows.length)
          .execute()),
      );
    }
    return rows;
  }

  return {
    async create(actor: ClientActor, input: ContactInput): Promise<ContactDetail> {
      const accountId = actor.accountId;
      const phone = phoneAt(input.phone, await defaultCountryOf(db, accountId), '/body/phone');
      const now = clock.now();
      return withUniqueCheck(() =>
        db.transaction().execute(async (tx) => {
          const fields = applyFieldValues(await definitions(tx, accountId), {}, input.fields ?? {});
          await assertPhoneFree(tx, accountId, phone.e164);
          const groupIds = await ownGroups(tx, accountId, input.groupIds ?? []);
          const tags = normalizeTags(input.tags ?? []);
          const row = newContactRow({
            id: ids('ctc'),
            accountId,
            phone: phone.e164,
            firstName: input.firstName,
            lastName: input.lastName,
            email: input.email,
            country: input.country ?? phone.country,
            address: input.address,
            avatarUrl: input.avatarUrl,
            fields,
            tags,
            createdBy: actor.id,
            now,
          });
          await tx.insertInto('contacts').values(row).execute();
          await setTags(tx, accountId, row.id, tags);
          if (groupIds.length > 0) {
            await tx
              .insertInto('group_members')
              .values(
                groupIds.map((g) => ({
                  group_id: g,
                  contact_id: row.id,
                  account_id: accountId,
                  added_at: now,
                })),
              )
              .execute();
          }
          await audit.record(tx, {
            accountId,
            actor: auditActorOf(actor),
            action: 'contact.created',
            target: { type: 'contact', id: row.id },
            data: { groupIds },
          });
          return detail(tx, row);
        }),
      );
    },

    async get(actor: ClientActor, id: string): Promise<ContactDetail> {
      return detail(db, await liveContact(db, actor.accountId, id));
    },

    async list(actor: ClientActor, filter: ContactFilter): Promise<ContactView[]> {
      const mode = await searchMode(actor.accountId, filter.q);
      return views(db, await sortedPage(actor.accountId, filter, mode));
    },

    /**
     * How many contacts match the filters, counted up to {@link COUNT_CAP}: `capped` says there are more.
     * The count walks an index of the matches only, and never further than the cap.
     */
    async count(actor: ClientActor, filter: ContactMatch): Promise<{ total: number; capped: boolean }> {
      const mode = await searchMode(actor.accountId, filter.q);
      const ids_ = matching(db, actor.accountId, filter, mode)
        .select('id')
        .limit(COUNT_CAP + 1);
      const row = await db
        .selectFrom(ids_.as('m'))
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirst();
      const n = Number(row?.n ?? 0);
      return { total: Math.min(n, COUNT_CAP), capped: n > COUNT_CAP };
    },

    /** Ids of matching contacts, newest first, after `cursor`: the walk of a bulk action by filter. */
    async matchingIds(
      actor: ClientActor,
      filter: ContactMatch,
      cursor: string | undefined,
      limit: number,
    ): Promise<string[]> {
      const mode = await searchMode(actor.accountId, filter.q);
      const rows = await matching(db, actor.accountId, filter, mode)
        .select('id')
        .$if(cursor !== undefined, (q) => q.where('id', '<', cursor!))
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => r.id);
    },

    /** Every contact matching the filter, in pages of `batch`, newest first; for streamed exports. */
    async *iterate(actor: ClientActor, filter: ContactMatch, batch = 500): AsyncGenerator<ContactView[]> {
      let cursor: string | undefined;
      const mode = await searchMode(actor.accountId, filter.q);
      for (;;) {
        const rows = await newestFirst(db, actor.accountId, { ...filter, cursor }, mode)
          .limit(batch)
          .execute();
        if (rows.length === 0) return;
        yield await views(db, rows);
        if (rows.length < batch) return;
        cursor = rows[rows.length - 1]!.id;
      }
    },

    /** Changes a live contact; inside `within` when given (several changes that stand or fall together). */
    async update(
      actor: ClientActor,
      id: string,
      patch: ContactPatch,
      within?: DbOrTx,
    ): Promise<ContactDetail> {
      const accountId = actor.accountId;
      const phone =
        patch.phone !== undefined
          ? phoneAt(patch.phone, await defaultCountryOf(within ?? db, accountId), '/body/phone')
          : null;
      const inTransaction = <T>(run: (tx: DbOrTx) => Promise<T>) =>
        within ? run(within) : db.transaction().execute(run);
      return withUniqueCheck(() =>
        inTransaction(async (tx) => {
          const current = await liveContact(tx, accountId, id);
          const now = clock.now();
          const set: Partial<ContactsTable> = { updated_at: now };
          if (phone) {
            await assertPhoneFree(tx, accountId, phone.e164, id);
            set.phone = phone.e164;
            if (patch.country === undefined) set.country = phone.country;
          }
          setSearchable(set, patch, current);
          if (patch.country !== undefined) set.country = patch.country;
          if (patch.address !== undefined) set.address = patch.address;
          if (patch.avatarUrl !== undefined) set.avatar_url = patch.avatarUrl;
          if (patch.fields !== undefined) {
            const fields = applyFieldValues(
              await definitions(tx, accountId),
              JSON.parse(current.fields) as Record<string, FieldValue>,
              patch.fields,
            );
            set.fields = JSON.stringify(fields);
          }
          if (patch.tags !== undefined) {
            const tags = normalizeTags(patch.tags);
            set.tags = JSON.stringify(tags);
            await setTags(tx, accountId, id, tags);
          }
          if (patch.groupIds !== undefined) {
            const groupIds = await ownGroups(tx, accountId, patch.groupIds);
            await tx.deleteFrom('group_members').where('contact_id', '=', id).execute();
            if (groupIds.length > 0) {
              await tx
                .insertInto('group_members')
                .values(
                  groupIds.map((g) => ({
                    group_id: g,
                    contact_id: id,
                    account_id: accountId,
                    added_at: now,
                  })),
                )
                .execute();
            }
          }
          await tx.updateTable('contacts').set(set).where('id', '=', id).execute();
          await audit.record(tx, {
            accountId,
            actor: auditActorOf(actor),
            action: 'contact.updated',
            // Names of the changed attributes only: their values are personal data.
            target: { type: 'contact', id },
            data: { changed: Object.keys(patch).filter((k) => patch[k as keyof ContactPatch] !== undefined) },
          });
          return detail(tx, await liveContact(tx, accountId, id));
        }),
      );
    },

    /** Hides contacts at once (restorable for 60 days). Unknown, foreign or already deleted ids are skipped. */
    async remove(
      actor: ClientActor,
      idsToDelete: string[],
      note?: Record<string, unknown>,
    ): Promise<{ deleted: string[] }> {
      const accountId = actor.accountId;
      const unique = [...new Set(idsToDelete)].slice(0, MAX_BULK_IDS);
      return db.transaction().execute(async (tx) => {
        const now = clock.now();
        const rows = await tx
          .selectFrom('contacts')
          .select('id')
          .where('account_id', '=', accountId)
          .where('deleted_at', 'is', null)
          .where('id', 'in', unique)
          .execute();
        const deleted = rows.map((r) => r.id);
        if (deleted.length === 0) return { deleted };
        await tx
          .updateTable('contacts')
          .set({ deleted_at: now, updated_at: now })
          .where('account_id', '=', accountId)
          .where('id', 'in', deleted)
          .execute();
        await audit.record(tx, {
          accountId,
          actor: auditActorOf(actor),
          action: 'contacts.deleted',
          target: { type: 'contact', id: deleted[0]! },
          data: { contactIds: deleted, ...note },
        });
        return { deleted };
      });
    },

    /**
     * Brings deleted contacts back (within 60 days of their deletion). All or nothing: an id that is not a
     * restorable contact of the account answers 404, a number another live contact took meanwhile 409.
     */
    async restore(actor: ClientActor, idsToRestore: string[]): Promise<{ restored: string[] }> {
      const accountId = actor.accountId;
      const unique = [...new Set(idsToRestore)];
      return db.transaction().execute(async (tx) => {
        const now = clock.now();
        const rows = await tx
          .selectFrom('contacts')
          .select(['id', 'phone'])
          .where('account_id', '=', accountId)
          .where('deleted_at', 'is not', null)
          .where('deleted_at', '>', now - RESTORE_WINDOW_MS)
          .where('id', 'in', unique)
          .execute();
        const byId = new Map(rows.map((r) => [r.id, r.phone]));
        const missing: FieldError[] = [];
        idsToRestore.forEach((id, i) => {
          if (!byId.has(id))
            missing.push({ path: `/body/ids/${i}`, message: 'no deleted contact to restore' });
        });
        if (missing.length > 0)
          throw new AppError('not_found', 'No such deleted contact.', { errors: missing });
        const phones = [...byId.values()];
        const taken = new Set<string>();
        for (const part of chunks(phones, 500)) {
          const live = await tx
            .selectFrom('contacts')
            .select('phone')
            .where('account_id', '=', accountId)
            .where('deleted_at', 'is', null)
            .where('phone', 'in', part)
            .execute();
          for (const l of live) taken.add(l.phone);
        }
        const seen = new Set<string>();
        const conflicts: FieldError[] = [];
        for (const id of unique) {
          const phone = byId.get(id)!;
          const path = `/body/ids/${idsToRestore.indexOf(id)}`;
          if (taken.has(phone)) conflicts.push({ path, message: 'another contact has its number' });
          else if (seen.has(phone))
            conflicts.push({ path, message: 'two contacts to restore share a number' });
          seen.add(phone);
        }
        if (conflicts.length > 0)
          throw new AppError('conflict', 'A live contact already has the number of a contact to restore.', {
            errors: conflicts,
          });
        await tx
          .updateTable('contacts')
          .set({ deleted_at: null, updated_at: now })
          .where('account_id', '=', accountId)
          .where('id', 'in', unique)
          .execute();
        await audit.record(tx, {
          accountId,
          actor: auditActorOf(actor),
          action: 'contacts.restored',
          target: { type: 'contact', id: unique[0]! },
          data: { contactIds: unique },
        });
        return { restored: unique };
      });
    },

    async recordConsent(
      actor: ClientActor,
      contactId: string,
      input: { purpose: ConsentPurpose; granted: boolean; source: string; evidence?: string | undefined },
    ): Promise<ConsentView> {
      const accountId = actor.accountId;
      return db.transaction().execute(async (tx) => {
        await liveContact(tx, accountId, contactId);
        const row: ContactConsentsTable = {
          // Consents have no prefix of their own in the closed IdPrefix set: a time-sortable ctc id, renamed.
          id: `cns_${ids('ctc').slice(4)}`,
          account_id: accountId,
          contact_id: contactId,
          purpose: input.purpose,
          granted: input.granted ? 1 : 0,
          source: input.source,
          evidence: input.evidence ?? null,
          recorded_by: actor.id,
          recorded_at: clock.now(),
        };
        await tx.insertInto('contact_consents').values(row).execute();
        await audit.record(tx, {
          accountId,
          actor: auditActorOf(actor),
          action: input.granted ? 'contact.consent_granted' : 'contact.consent_withdrawn',
          target: { type: 'contact', id: contactId },
          data: { consentId: row.id, purpose: input.purpose, source: input.source },
        });
        return consentView(row);
      });
    },
  };
}

export type ContactBook = ReturnType<typeof createContactBook>;
