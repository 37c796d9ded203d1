/** Row types of the keywords module's tables (see migrations/0033_keywords.ts). */

/** One keyword rule of an account. */
export interface KeywordRulesTable {
  id: string;
  account_id: string;
  /** Folded (upper case, accents removed). */
  keyword: string;
  /** JSON array of folded words that act like the keyword. */
  synonyms: string;
  /** JSON array of the account's numbers (E.164) the rule is limited to; empty: every number. */
  numbers: string;
  reply: string | null;
  add_to_group_id: string | null;
  remove_from_group_id: string | null;
  forward_email: string | null;
  /** 1: a `message.keyword` webhook event for each match. */
  forward_webhook: number;
  created_at: number;
  updated_at: number;
}

/** An account's own words for privacy requests by SMS (JSON `{ access: { en: [...] }, erasure: {...} }`). */
export interface KeywordSettingsTable {
  account_id: string;
  privacy_words: string;
  updated_at: number;
}

export interface KeywordsTables {
  keyword_rules: KeywordRulesTable;
  keyword_settings: KeywordSettingsTable;
}
