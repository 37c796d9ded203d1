/**
 * A contact as the API and the table see it: the input and view types, the stored row of a new contact and
 * the search columns derived from its name and e-mail, and the views of a row and of a consent (pure).
 */
import type { ContactConsentsTable, ContactsTable } from '../../storage/schema-contacts';
import type { FieldValue } from './fields';
import { iso } from './shared';

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

export function consentView(row: ContactConsentsTable): ConsentView {
  return {
    id: row.id,
    purpose: row.purpose,
    granted: Number(row.granted) === 1,
    source: row.source,
    evidence: row.evidence,
    recordedAt: iso(row.recorded_at),
  };
}

export function contactView(row: ContactsTable, groupIds: string[]): ContactView {
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

/** Tags as stored: trimmed, without empty or repeated ones. */
export function normalizeTags(tags: string[]): string[] {
  return [...new Set(tags.map((t) => t.trim()).filter((t) => t.length > 0))];
}
