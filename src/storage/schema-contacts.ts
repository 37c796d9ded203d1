/** Row types of the contacts module's tables (see migrations/0006_contacts.ts). */

/** A client's contact. Hidden at once when deleted (`deleted_at`), purged later by the retention sweep. */
export interface ContactsTable {
  id: string;
  account_id: string;
  /** E.164; unique per account among contacts that are not deleted. */
  phone: string;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  /** ISO alpha-2; derived from the number when not given. */
  country: string | null;
  address: string | null;
  avatar_url: string | null;
  /** JSON object of custom field values, typed by `contact_fields`. */
  fields: string;
  /** JSON array of tags (the `contact_tags` rows are the index used to filter by tag). */
  tags: string;
  /** Lower-cased copies for case-insensitive prefix search. */
  first_name_lc: string | null;
  last_name_lc: string | null;
  email_lc: string | null;
  /** "first last" lower-cased, null without a name: the key of the name sort (migration 0021). */
  name_lc: string | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  /** When the client deleted it; restorable for 60 days, then purged. */
  deleted_at: number | null;
}

export interface ContactTagsTable {
  account_id: string;
  contact_id: string;
  tag: string;
}

/** A custom field definition of one account. */
export interface ContactFieldsTable {
  account_id: string;
  key: string;
  label: string;
  type: 'text' | 'number' | 'date' | 'boolean';
  created_at: number;
}

export interface ContactGroupsTable {
  id: string;
  account_id: string;
  name: string;
  description: string | null;
  created_at: number;
  updated_at: number;
}

export interface GroupMembersTable {
  group_id: string;
  contact_id: string;
  account_id: string;
  added_at: number;
}

/** One consent decision (granted or withdrawn) of a contact for a purpose; rows are never changed. */
export interface ContactConsentsTable {
  id: string;
  account_id: string;
  contact_id: string;
  purpose: 'marketing' | 'transactional';
  /** 1 granted, 0 withdrawn. */
  granted: number;
  source: string;
  evidence: string | null;
  recorded_by: string | null;
  recorded_at: number;
}

export interface ContactsTables {
  contacts: ContactsTable;
  contact_tags: ContactTagsTable;
  contact_fields: ContactFieldsTable;
  contact_groups: ContactGroupsTable;
  group_members: GroupMembersTable;
  contact_consents: ContactConsentsTable;
}
