/** Row types of the trust guards' tables (see migrations/0034_trust.ts). */

export type SenderIdStatus = 'pending' | 'approved' | 'rejected';

/** An alphanumeric sender an account registered, and the operator's answer. */
export interface SenderIdsTable {
  id: string;
  account_id: string;
  sender: string;
  /** The account's note: who it is, what it sends under this name. */
  note: string;
  status: SenderIdStatus;
  review_note: string | null;
  reviewed_by: string | null;
  reviewed_at: number | null;
  created_at: number;
}

export type AlphanumericRule = 'forbidden' | 'registration_required' | 'allowed';
export type NumericRule = 'any' | 'own';

/** What senders a destination country takes; country '*' is every country without a row of its own. */
export interface SenderRulesTable {
  country: string;
  alphanumeric: AlphanumericRule;
  numeric: NumericRule;
  /** Where the rule comes from (a public guide, a carrier's notice, the operator's own decision). */
  source: string;
  updated_at: number;
}

/** A name only its owner (or nobody, when account_id is null) may send as. */
export interface ProtectedNamesTable {
  id: string;
  name: string;
  account_id: string | null;
  note: string;
  created_at: number;
}

export type ContentRuleKind = 'term' | 'domain';
export type ContentAction = 'reject' | 'hold';

export interface ContentRulesTable {
  id: string;
  kind: ContentRuleKind;
  /** Lower case: a word or phrase for `term`, a host name (its subdomains included) for `domain`. */
  value: string;
  action: ContentAction;
  note: string;
  created_at: number;
}

/** An account's exception to the content rule of the same kind and value. */
export interface ContentAllowsTable {
  id: string;
  account_id: string;
  kind: ContentRuleKind;
  value: string;
  note: string;
  created_at: number;
}

export interface TrustTables {
  sender_ids: SenderIdsTable;
  sender_rules: SenderRulesTable;
  protected_names: ProtectedNamesTable;
  content_rules: ContentRulesTable;
  content_allows: ContentAllowsTable;
}
