/**
 * A campaign as the API and the table see it: the input and view types, the view of a row, the audience and
 * texts of a stored campaign, and the error for an action its status does not allow (pure).
 */
import { AppError } from '../../kernel/errors';
import type { CampaignStatus, CampaignsTable } from '../../storage/schema-campaigns';
import { microToCredits } from '../billing';
import type { AudienceSpec } from './audience';
import { formatClockTime } from './quiet-hours';
import { iso } from './shared';
import type { CampaignStats } from './stats';
import { parseVariants, VARIANT_LABELS, type Variant } from './variants';

export interface CampaignInput {
  name: string;
  text?: string | undefined;
  templateId?: string | null | undefined;
  from?: string | null | undefined;
  type: 'transactional' | 'marketing';
  groupIds: string[];
  contactFilter?: { tags?: string[] | undefined; countries?: string[] | undefined } | null | undefined;
  sendAt?: string | null | undefined;
  timezone?: string | undefined;
  /** null: none; absent or `'account_default'`: the account's window (marketing only). */
  quietHours?: { start: string; end: string } | 'account_default' | null | undefined;
  speedPerMinute?: number | null | undefined;
  trackLinks?: boolean | undefined;
  attachmentId?: string | null | undefined;
  /** An A/B split: 2–4 texts with whole percents adding up to 100; null: one text. */
  variants?: Variant[] | null | undefined;
}

export type CampaignPatch = Partial<CampaignInput>;

export interface CampaignView {
  id: string;
  name: string;
  status: CampaignStatus;
  text: string;
  templateId: string | null;
  from: string | null;
  type: 'transactional' | 'marketing';
  groupIds: string[];
  contactFilter: { tags?: string[]; countries?: string[] } | null;
  sendAt: string | null;
  timezone: string;
  /** `{ start, end }` in the recipient's local time; null: none; `"account_default"` until started. */
  quietHours: { start: string; end: string } | null | 'account_default';
  speedPerMinute: number | null;
  trackLinks: boolean;
  attachmentId: string | null;
  /** The A/B split (`text` is variant A's), or null for one text. */
  variants: Array<{ label: string; text: string; percent: number }> | null;
  /** A "resend to failed" draft: the campaign whose failed recipients are its audience. */
  resendOf: string | null;
  optOutFooter: string | null;
  recipients: number;
  reservedCredits: number;
  fanout: { processed: number; done: boolean };
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  pausedAt: string | null;
  completedAt: string | null;
  cancelledAt: string | null;
  stats?: CampaignStats;
}

export function campaignView(row: CampaignsTable): CampaignView {
  const started = row.started_at !== null;
  let quietHours: CampaignView['quietHours'];
  if (started)
    quietHours =
      row.quiet_start === null || row.quiet_end === null
        ? null
        : { start: formatClockTime(Number(row.quiet_start)), end: formatClockTime(Number(row.quiet_end)) };
  else if (row.quiet_hours === null) quietHours = row.type === 'marketing' ? 'account_default' : null;
  else if (row.quiet_hours === 'off') quietHours = null;
  else quietHours = JSON.parse(row.quiet_hours) as { start: string; end: string };
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    text: row.text,
    templateId: row.template_id,
    from: row.sender,
    type: row.type,
    groupIds: JSON.parse(row.group_ids) as string[],
    contactFilter: row.contact_filter
      ? (JSON.parse(row.contact_filter) as CampaignView['contactFilter'])
      : null,
    sendAt: iso(row.start_at ?? row.send_at),
    timezone: row.timezone,
    quietHours,
    speedPerMinute: row.speed_per_minute === null ? null : Number(row.speed_per_minute),
    trackLinks: Number(row.track_links) === 1,
    attachmentId: row.attachment_id,
    variants:
      parseVariants(row.variants)?.map((v, i) => ({
        label: VARIANT_LABELS[i] ?? String(i + 1),
        text: v.text,
        percent: v.percent,
      })) ?? null,
    resendOf: row.resend_of,
    optOutFooter: row.footer,
    recipients: Number(row.recipients),
    reservedCredits: microToCredits(Number(row.reserved)),
    fanout: { processed: Number(row.fanout_count), done: Number(row.fanout_done) === 1 },
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    startedAt: iso(row.started_at),
    pausedAt: iso(row.paused_at),
    completedAt: iso(row.completed_at),
    cancelledAt: iso(row.cancelled_at),
  };
}

/** The columns a start (and then the fan-out) fills in, as every draft has them. */
export const NOT_STARTED = {
  footer: null,
  start_at: null,
  quiet_start: null,
  quiet_end: null,
  recipients: 0,
  reserved: 0,
  reserve_left: 0,
  fanout_cursor: null,
  fanout_count: 0,
  fanout_done: 0,
  started_at: null,
  paused_at: null,
  completed_at: null,
  cancelled_at: null,
} as const satisfies Partial<CampaignsTable>;

/** The audience of a stored campaign. */
export function specOf(row: CampaignsTable): AudienceSpec {
  return {
    accountId: row.account_id,
    groupIds: JSON.parse(row.group_ids) as string[],
    filter: row.contact_filter ? (JSON.parse(row.contact_filter) as AudienceSpec['filter']) : null,
    type: row.type,
    // A resend draft's audience is fixed when it is made: failures reported later are not in it.
    resend: row.resend_of ? { campaignId: row.resend_of, before: Number(row.created_at) } : null,
  };
}

/** The texts a campaign sends: variant A's first when it splits. */
export function textsOf(row: CampaignsTable): string[] {
  return parseVariants(row.variants)?.map((v) => v.text) ?? [row.text];
}

/** `campaign_state`: the campaign's status does not allow `action`. */
export function stateError(row: CampaignsTable, action: string): AppError {
  return new AppError('campaign_state', `A ${row.status} campaign cannot be ${action}.`, {
    extra: { campaignStatus: row.status },
  });
}
