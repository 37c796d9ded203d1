/**
 * The statements the parts of the contact book share: a live contact of the account, the checks a write
 * makes (number free, groups the account's own), tags and group memberships, and the views read back.
 */
import { AppError, type FieldError } from '../../kernel/errors';
import { chunks } from '../../storage/chunk';
import type { DbOrTx } from '../../storage/database';
import type { ContactsTable } from '../../storage/schema-contacts';
import {
  type ConsentPurpose,
  type ConsentView,
  type ContactDetail,
  type ContactView,
  consentView,
  contactView,
} from './contact-model';
import type { FieldType } from './fields';
import { isUniqueViolation } from './shared';

/** The account's custom fields and their types: what `fields` of a contact may hold. */
export async function fieldTypesOf(tx: DbOrTx, accountId: string): Promise<Map<string, FieldType>> {
  const rows = await tx
    .selectFrom('contact_fields')
    .select(['key', 'type'])
    .where('account_id', '=', accountId)
    .execute();
  return new Map(rows.map((r) => [r.key, r.type]));
}

/** A live (not deleted) contact of the account, or `not_found`. */
export async function liveContact(tx: DbOrTx, accountId: string, id: string): Promise<ContactsTable> {
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

/** Refuses (`conflict`) a number another live contact of the account already has. */
export async function assertPhoneFree(tx: DbOrTx, accountId: string, phone: string, exceptId?: string) {
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
export async function ownGroups(tx: DbOrTx, accountId: string, groupIds: string[]): Promise<string[]> {
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

/** Replaces the contact's rows in the tag index (the `tags` column is set by the caller). */
export async function setTags(tx: DbOrTx, accountId: string, contactId: string, tags: string[]) {
  await tx.deleteFrom('contact_tags').where('contact_id', '=', contactId).execute();
  if (tags.length > 0) {
    await tx
      .insertInto('contact_tags')
      .values(tags.map((tag) => ({ account_id: accountId, contact_id: contactId, tag })))
      .execute();
  }
}

/** The groups of each contact, by contact id. */
export async function groupIdsOf(tx: DbOrTx, contactIds: string[]): Promise<Map<string, string[]>> {
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

/** Adds a contact to groups already checked by {@link ownGroups}. */
export async function addToGroups(
  tx: DbOrTx,
  accountId: string,
  contactId: string,
  groupIds: string[],
  now: number,
): Promise<void> {
  if (groupIds.length === 0) return;
  await tx
    .insertInto('group_members')
    .values(
      groupIds.map((g) => ({ group_id: g, contact_id: contactId, account_id: accountId, added_at: now })),
    )
    .execute();
}

/** The API views of contact rows, with their groups. */
export async function views(tx: DbOrTx, rows: ContactsTable[]): Promise<ContactView[]> {
  const groups = await groupIdsOf(
    tx,
    rows.map((r) => r.id),
  );
  return rows.map((r) => contactView(r, groups.get(r.id) ?? []));
}

/** One contact's view with its consent history and the latest decision per purpose. */
export async function detail(tx: DbOrTx, row: ContactsTable): Promise<ContactDetail> {
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

/** Runs a write that sets a contact's number, answering `conflict` when the unique index refuses it. */
export async function withUniqueCheck<T>(run: () => Promise<T>): Promise<T> {
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
