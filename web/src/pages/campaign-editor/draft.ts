import { ApiError } from '../../api';
import type { Attachment, Campaign } from '../../api/campaigns';

/** One text of an A/B split while it is edited (`key` keeps React's rows stable as variants come and go). */
export interface VariantDraft {
  key: number;
  text: string;
  percent: string;
}

export const LABELS = ['A', 'B', 'C', 'D'];
export const MAX_VARIANTS = 4;

export type Quiet = 'default' | 'none' | 'custom';

/** Problems that name a nested path or only a code, put on the editor's fields. */
export const CAMPAIGN_CODES = {
  invalid_timezone: 'timezone',
  invalid_schedule: 'sendAt',
  template_invalid: 'text',
  opt_out_missing: 'text',
  invalid_sender: 'from',
};

export function words(v: string, upper = false): string[] {
  return v
    .split(/[\s,;]+/)
    .map((s) => (upper ? s.toUpperCase() : s))
    .filter(Boolean);
}

/** An instant as the `datetime-local` wall time of a zone (the API reads it back in that zone). */
export function wallTime(iso: string, timeZone: string): string {
  try {
    const parts = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(new Date(iso));
    const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
    return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}`;
  } catch {
    return iso.slice(0, 16);
  }
}

/** Per-variant problems from `errors[].path` (`/body/variants/1/text`), and one for the split as a whole. */
export function variantErrors(error: unknown): { each: Record<number, string>; split: string | null } {
  const each: Record<number, string> = {};
  let split: string | null = null;
  if (!(error instanceof ApiError)) return { each, split };
  for (const e of error.errors) {
    const m = /^\/body\/variants(?:\/(\d+))?/.exec(e.path);
    if (!m) continue;
    if (m[1] === undefined) split ??= e.message;
    else each[Number(m[1])] ??= e.message;
  }
  return { each, split };
}

/** The editor's fields as typed, before they become a request. */
export interface DraftFields {
  name: string;
  type: 'marketing' | 'transactional';
  text: string;
  split: boolean;
  variants: VariantDraft[];
  from: string;
  groupIds: string[];
  tags: string;
  countries: string;
  sendAt: string;
  timezone: string;
  quiet: Quiet;
  quietStart: string;
  quietEnd: string;
  speed: string;
  trackLinks: boolean;
  attachment: Attachment | null;
}

/** Changes some fields of the draft: given outright, or worked out from the fields as they are then. */
export type SetDraft = (change: Partial<DraftFields> | ((d: DraftFields) => Partial<DraftFields>)) => void;

/** A new draft's fields: marketing, no audience, the browser's time zone, the account's quiet hours. */
export function emptyDraft(): DraftFields {
  return {
    name: '',
    type: 'marketing',
    text: '',
    split: false,
    variants: [],
    from: '',
    groupIds: [],
    tags: '',
    countries: '',
    sendAt: '',
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
    quiet: 'default',
    quietStart: '21:00',
    quietEnd: '08:00',
    speed: '',
    trackLinks: false,
    attachment: null,
  };
}

/**
 * The fields of a stored draft, as the form shows them (its send time as wall time in its own zone), with
 * its attachment as fetched (null when it could not be, e.g. once expired: saving then takes it off).
 */
export function draftOf(c: Campaign, attachment: Attachment | null): DraftFields {
  const d = emptyDraft();
  d.name = c.name;
  d.type = c.type;
  d.text = c.text ?? '';
  if (c.variants) {
    d.split = true;
    d.variants = c.variants.map((v, i) => ({ key: i, text: v.text, percent: String(v.percent) }));
  }
  d.from = c.from ?? '';
  d.groupIds = c.groupIds;
  d.tags = c.contactFilter?.tags?.join(', ') ?? '';
  d.countries = c.contactFilter?.countries?.join(', ') ?? '';
  d.timezone = c.timezone;
  d.sendAt = c.sendAt ? wallTime(c.sendAt, c.timezone) : '';
  if (c.quietHours === null) d.quiet = 'none';
  else if (c.quietHours !== 'account_default') {
    d.quiet = 'custom';
    d.quietStart = c.quietHours.start;
    d.quietEnd = c.quietHours.end;
  }
  d.speed = c.speedPerMinute === null ? '' : String(c.speedPerMinute);
  d.trackLinks = c.trackLinks;
  d.attachment = attachment;
  return d;
}

/**
 * The body of `POST /v1/campaigns` (a new draft) or `PATCH /v1/campaigns/:id` (`editing`). A resend-to-failed
 * draft (`resend`) keeps the audience it was made with, so it sends no groups or filter.
 */
export function requestBody(d: DraftFields, editing: boolean, resend: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: d.name.trim(),
    type: d.type,
    trackLinks: d.trackLinks,
    timezone: d.timezone.trim() || 'UTC',
    from: d.from.trim() ? d.from.trim() : null,
    sendAt: d.sendAt || null,
    speedPerMinute: d.speed.trim() ? Number(d.speed) : null,
    attachmentId: d.attachment?.id ?? null,
  };
  if (d.split) out.variants = d.variants.map((v) => ({ text: v.text, percent: Number(v.percent) || 0 }));
  else {
    out.text = d.text;
    if (editing) out.variants = null;
  }
  if (!resend) {
    out.groupIds = d.groupIds;
    const t = words(d.tags);
    const k = words(d.countries, true);
    out.contactFilter =
      t.length || k.length
        ? { ...(t.length ? { tags: t } : {}), ...(k.length ? { countries: k } : {}) }
        : null;
  }
  out.quietHours =
    d.quiet === 'none'
      ? null
      : d.quiet === 'custom'
        ? { start: d.quietStart, end: d.quietEnd }
        : 'account_default';
  if (!editing) {
    // A new draft: absent values are the defaults; the API takes no nulls it would not store.
    for (const k of ['from', 'sendAt', 'speedPerMinute', 'attachmentId', 'contactFilter'] as const)
      if (out[k] === null) delete out[k];
    if (d.quiet === 'default') delete out.quietHours;
  }
  return out;
}
