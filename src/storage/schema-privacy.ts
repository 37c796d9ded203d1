/** Row types of the privacy tables (see migrations/0009_privacy.ts). */

/** The operator's retention period for one rule; no row means the promised maximum applies. */
export interface RetentionPoliciesTable {
  rule: string;
  max_days: number;
  updated_by: string | null;
  updated_at: number;
}

/** One row per lease name: the worker holding it runs the sweep, the others skip. */
export interface RetentionLeasesTable {
  name: string;
  owner: string | null;
  lease_until: number;
}

/** Where a purged audit chain now starts: the last purged event's sequence number and hash. */
export interface AuditChainAnchorsTable {
  chain: string;
  seq: number;
  hash: string;
  at: number;
}

/** Per account, day (UTC, `YYYY-MM-DD`) and status: what removed messages leave behind for the dashboards. */
export interface MessageStatsDailyTable {
  account_id: string;
  day: string;
  status: string;
  messages: number;
  segments: number;
  price: number;
}

/**
 * A block on one data subject of one account, by hash of the number or e-mail (never the value):
 * `restricted` (processing restricted until lifted) or `erased` (erased on request; still suppressed).
 */
export interface PrivacyRestrictionsTable {
  id: string;
  account_id: string;
  subject_hash: string;
  subject_kind: 'phone' | 'email';
  reason: 'restricted' | 'erased';
  /** For `erased`: the suppression scope the number had ('marketing' | 'all'), null if none. */
  scope: string | null;
  created_by: string | null;
  restricted_at: number;
  lifted_at: number | null;
}

/** A data subject's request that reached the operator, forwarded to the account that holds the data. */
export interface PrivacyRequestsTable {
  id: string;
  account_id: string | null;
  kind: 'access' | 'export' | 'rectification' | 'erasure' | 'restriction' | 'objection';
  subject_phone: string | null;
  subject_email: string | null;
  subject_name: string | null;
  message: string | null;
  status: 'received' | 'forwarded' | 'completed' | 'rejected';
  note: string | null;
  received_at: number;
  due_at: number;
  forwarded_at: number | null;
  closed_at: number | null;
  created_by: string | null;
  updated_at: number;
  /** Where the request came from: 'sms' (a DATA/DELETE text); null when the operator recorded it. */
  source: string | null;
}

export interface PrivacyTables {
  retention_policies: RetentionPoliciesTable;
  retention_leases: RetentionLeasesTable;
  audit_chain_anchors: AuditChainAnchorsTable;
  message_stats_daily: MessageStatsDailyTable;
  privacy_restrictions: PrivacyRestrictionsTable;
  privacy_requests: PrivacyRequestsTable;
}
