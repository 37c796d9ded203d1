/** Row types of the processor-duty tables (see migrations/0011_processor_duties.ts). */

/** A company the platform hands client data to (carrier, hosting, e-mail…), as the operator lists it. */
export interface SubProcessorsTable {
  id: string;
  name: string;
  purpose: string;
  /** Where the data is processed (country or region, e.g. "EU (Germany)", "United States"). */
  location: string;
  /** Legal basis of a transfer outside the EEA (e.g. "SCCs 2021/914"); null inside the EEA. */
  transfer_safeguard: string | null;
  /** The entry this one replaced, if any. */
  replaces_id: string | null;
  created_at: number;
  updated_at: number;
  /** Set when removed or replaced; removed entries stay for the record. */
  removed_at: number | null;
}

export interface SubProcessorObjectionsTable {
  id: string;
  sub_processor_id: string;
  account_id: string;
  user_id: string | null;
  reason: string;
  created_at: number;
}

/** An in-app notice to a client account (sub-processor change, security incident, policy version). */
export interface NoticesTable {
  id: string;
  account_id: string;
  kind: 'sub_processor_change' | 'incident' | 'policy_version';
  title: string;
  body: string;
  ref_type: string | null;
  ref_id: string | null;
  objection_deadline: number | null;
  created_at: number;
  read_at: number | null;
}

export interface IncidentsTable {
  id: string;
  title: string;
  description: string;
  severity: 'low' | 'medium' | 'high' | 'critical';
  /** JSON array of data categories (e.g. ["phone numbers","message texts"]). */
  data_categories: string;
  all_accounts: number;
  discovered_at: number;
  resolved_at: number | null;
  /** When operator staff were warned that the notification deadline is near (once per incident). */
  deadline_warned_at: number | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

/** An account affected by an incident, and when it was told. */
export interface IncidentAccountsTable {
  incident_id: string;
  account_id: string;
  notified_at: number | null;
  notice_id: string | null;
}

/** A published privacy policy text; the newest `published_at` is current. */
export interface PolicyVersionsTable {
  version: string;
  text: string;
  published_by: string | null;
  published_at: number;
}

export interface ProcessorTables {
  sub_processors: SubProcessorsTable;
  sub_processor_objections: SubProcessorObjectionsTable;
  notices: NoticesTable;
  incidents: IncidentsTable;
  incident_accounts: IncidentAccountsTable;
  policy_versions: PolicyVersionsTable;
}
