/** Row types of the campaigns module's tables (see migrations/0008_campaigns.ts). */

/** A saved message text with placeholders. */
export interface TemplatesTable {
  id: string;
  account_id: string;
  name: string;
  text: string;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

export type CampaignStatus = 'draft' | 'scheduled' | 'sending' | 'paused' | 'completed' | 'cancelled';

export interface CampaignsTable {
  id: string;
  account_id: string;
  name: string;
  /** The template source (placeholders not yet rendered). */
  text: string;
  template_id: string | null;
  sender: string | null;
  type: 'transactional' | 'marketing';
  /** JSON array of group ids. */
  group_ids: string;
  /** JSON `{ tags?, countries? }` or null. */
  contact_filter: string | null;
  /** When to start (ms); null: at start. */
  send_at: number | null;
  /** IANA zone the client wrote `sendAt` in. */
  timezone: string;
  /** JSON `{ start, end }` ("HH:MM"), `"off"`, or null for the account default. */
  quiet_hours: string | null;
  speed_per_minute: number | null;
  released_at: number | null;
  track_links: number;
  attachment_id: string | null;
  /** JSON `[{ text, percent }…]` of an A/B split (0022_campaign_variants); null: the one `text`. */
  variants: string | null;
  /** The campaign whose failed recipients a "resend to failed" draft goes to (0022); null otherwise. */
  resend_of: string | null;
  status: CampaignStatus;
  /** The opt-out footer appended to every text, as fixed at start (null: none). */
  footer: string | null;
  /** Effective start instant (ms), fixed at start. */
  start_at: number | null;
  /** Quiet window in minutes after local midnight, fixed at start; null: none. */
  quiet_start: number | null;
  quiet_end: number | null;
  recipients: number;
  /** Credits reserved at start (micro). */
  reserved: number;
  /** Part of the reservation not yet handed to messages (micro). */
  reserve_left: number;
  fanout_cursor: string | null;
  fanout_count: number;
  fanout_done: number;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  paused_at: number | null;
  completed_at: number | null;
  cancelled_at: number | null;
}

/** Per-account campaign settings; an account without a row uses the defaults. */
export interface CampaignSettingsTable {
  account_id: string;
  quiet_start: number;
  quiet_end: number;
  footer: string | null;
  /** JSON array of upper-case opt-out keywords. */
  stop_words: string;
  updated_at: number;
}

export interface CampaignsTables {
  templates: TemplatesTable;
  campaigns: CampaignsTable;
  campaign_settings: CampaignSettingsTable;
}
