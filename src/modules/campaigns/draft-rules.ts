/**
 * What a campaign draft may hold: the checks of its fields (texts and variants against the account's fields,
 * schedule, quiet hours, sender, groups, the opt-out rule of marketing texts, tracked links) and the
 * column values they become; and a stored draft back as input, for an edit to merge into.
 */
import type { Clock } from '../../kernel/clock';
import { AppError } from '../../kernel/errors';
import type { DbOrTx } from '../../storage/database';
import type { CampaignsTable } from '../../storage/schema-campaigns';
import { parseMessagingSettings } from '../accounts';
import { assertSenderId } from '../phone';
import { type CampaignInput, campaignView, NOT_STARTED } from './campaign-model';
import { formatClockTime, isValidTimeZone, parseClockTime, parseZonedDateTime } from './quiet-hours';
import { campaignSettingsOf } from './settings';
import { checkTemplate, fieldKeysOf, hasOptOut } from './shared';
import { checkVariants, parseVariants } from './variants';

// Clients' clocks drift; a sendAt a little in the past means "now", not an error.
export const PAST_GRACE_MS = 60_000;
const MAX_SCHEDULE_MS = 35 * 24 * 3600_000;

/** `tracked_links_disabled`: the operator turned tracked links off for the account. */
export const trackedLinksDisabled = () =>
  new AppError(
    'tracked_links_disabled',
    'Tracked links are turned off for this account by the operator: set trackLinks to false.',
    { errors: [{ path: '/body/trackLinks', message: 'tracked links are turned off for this account' }] },
  );

/** Refuses tracked links when the operator has turned them off for the account. */
async function assertTrackedLinksAllowed(db: DbOrTx, accountId: string): Promise<void> {
  const account = await db
    .selectFrom('accounts')
    .select('settings')
    .where('id', '=', accountId)
    .executeTakeFirst();
  if (!parseMessagingSettings(account?.settings).trackedLinks) throw trackedLinksDisabled();
}

/** Checks a draft's fields; returns the column values they become. */
export async function checkedDraft(
  tx: DbOrTx,
  clock: Clock,
  accountId: string,
  input: CampaignInput,
  resendOf: string | null = null,
): Promise<
  Omit<CampaignsTable, 'id' | 'account_id' | 'status' | 'created_by' | 'created_at' | 'updated_at'>
> {
  const variants = input.variants ?? null;
  if (variants) {
    if (input.text !== undefined || input.templateId)
      throw new AppError('validation_failed', 'Give `variants` or `text`/`templateId`, not both.', {
        errors: [{ path: '/body/variants', message: 'the split brings its own texts' }],
      });
    checkVariants(variants, '/body/variants');
  }
  let text = variants ? variants[0]!.text : input.text;
  if (input.templateId) {
    const template = await tx
      .selectFrom('templates')
      .select('text')
      .where('id', '=', input.templateId)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    if (!template)
      throw new AppError('not_found', 'No such template.', {
        errors: [{ path: '/body/templateId', message: 'no such template' }],
      });
    text ??= template.text;
  }
  if (text === undefined)
    throw new AppError('validation_failed', 'Give `text` or `templateId`.', {
      errors: [{ path: '/body/text', message: 'required unless templateId is given' }],
    });
  const fieldKeys = await fieldKeysOf(tx, accountId);
  if (variants)
    variants.forEach((v, i) => {
      checkTemplate(v.text, fieldKeys, `/body/variants/${i}/text`);
    });
  else checkTemplate(text, fieldKeys, '/body/text');

  const timezone = input.timezone ?? 'UTC';
  if (!isValidTimeZone(timezone))
    throw new AppError('invalid_timezone', `"${timezone.slice(0, 64)}" is not a known time zone.`, {
      errors: [{ path: '/body/timezone', message: 'not an IANA time zone name' }],
    });
  let sendAt: number | null = null;
  if (input.sendAt) {
    sendAt = parseZonedDateTime(input.sendAt, timezone);
    const now = clock.now();
    const problem = Number.isNaN(sendAt)
      ? 'is not a date-time (use 2026-03-01T09:00 with timezone, or an ISO instant)'
      : sendAt < now - PAST_GRACE_MS
        ? 'is in the past'
        : sendAt > now + MAX_SCHEDULE_MS
          ? 'is more than 35 days ahead'
          : null;
    if (problem)
      throw new AppError('invalid_schedule', `/body/sendAt ${problem}.`, {
        errors: [{ path: '/body/sendAt', message: problem }],
      });
  }
  let quietHours: string | null = null;
  if (input.quietHours === null) quietHours = 'off';
  else if (input.quietHours && input.quietHours !== 'account_default') {
    const start = parseClockTime(input.quietHours.start);
    const end = parseClockTime(input.quietHours.end);
    if (start === null || end === null)
      throw new AppError('validation_failed', 'quietHours start and end must be HH:MM (24 h).', {
        errors: [{ path: '/body/quietHours', message: 'start and end must be HH:MM (24 h)' }],
      });
    quietHours = JSON.stringify({ start: formatClockTime(start), end: formatClockTime(end) });
  }
  if (input.trackLinks) await assertTrackedLinksAllowed(tx, accountId);
  // An empty `from` is a bad sender too, not "no sender".
  if (input.from !== undefined && input.from !== null) assertSenderId(input.from, '/body/from');
  const groupIds = [...new Set(input.groupIds)];
  if (groupIds.length > 0) {
    const found = await tx
      .selectFrom('contact_groups')
      .select('id')
      .where('account_id', '=', accountId)
      .where('id', 'in', groupIds)
      .execute();
    const known = new Set(found.map((g) => g.id));
    const missing = groupIds.filter((g) => !known.has(g));
    if (missing.length > 0)
      throw new AppError('not_found', `No such group: ${missing.join(', ')}.`, {
        errors: missing.map((g) => ({
          path: `/body/groupIds/${input.groupIds.indexOf(g)}`,
          message: 'no such group',
        })),
      });
  }
  if (input.type === 'marketing') {
    const settings = await campaignSettingsOf(tx, accountId);
    if (!settings.footer) {
      if (variants) {
        const i = variants.findIndex((v) => !hasOptOut(v.text, settings.stopWords));
        if (i !== -1) throw optOutMissing(`/body/variants/${i}/text`);
      } else if (!hasOptOut(text, settings.stopWords)) throw optOutMissing();
    }
  }
  if (resendOf && groupIds.length > 0)
    throw new AppError(
      'validation_failed',
      'The audience of a "resend to failed" draft is the failed recipients of its campaign.',
      { errors: [{ path: '/body/groupIds', message: 'cannot be set on a resend draft' }] },
    );
  if (!resendOf && groupIds.length === 0)
    throw new AppError('validation_failed', 'Choose at least one group.', {
      errors: [{ path: '/body/groupIds', message: 'at least one group' }],
    });
  const filter = input.contactFilter;
  return {
    name: input.name,
    text,
    template_id: input.templateId ?? null,
    sender: input.from ?? null,
    type: input.type,
    group_ids: JSON.stringify(groupIds),
    contact_filter:
      filter && ((filter.tags?.length ?? 0) > 0 || (filter.countries?.length ?? 0) > 0)
        ? JSON.stringify({
            ...(filter.tags?.length ? { tags: filter.tags } : {}),
            ...(filter.countries?.length ? { countries: filter.countries.map((c) => c.toUpperCase()) } : {}),
          })
        : null,
    send_at: sendAt,
    timezone,
    quiet_hours: quietHours,
    speed_per_minute: input.speedPerMinute ?? null,
    released_at: null,
    track_links: input.trackLinks ? 1 : 0,
    attachment_id: input.attachmentId ?? null,
    variants: variants ? JSON.stringify(variants.map((v) => ({ text: v.text, percent: v.percent }))) : null,
    resend_of: resendOf,
    ...NOT_STARTED,
  };
}

/** `opt_out_missing`: a marketing text without an opt-out instruction, and no footer to add one. */
export function optOutMissing(path = '/body/text'): AppError {
  return new AppError(
    'opt_out_missing',
    'A marketing text must say how to opt out (e.g. "Reply STOP to opt out") or the account must set an opt-out footer.',
    { errors: [{ path, message: 'no opt-out instruction' }] },
  );
}

/** A stored draft as the input that made it: what an edit merges its changes into. */
export function inputOf(row: CampaignsTable): CampaignInput {
  const view = campaignView(row);
  return {
    name: row.name,
    text: row.text,
    templateId: row.template_id,
    from: row.sender,
    type: row.type,
    groupIds: view.groupIds,
    contactFilter: view.contactFilter,
    sendAt: row.send_at === null ? null : new Date(Number(row.send_at)).toISOString(),
    timezone: row.timezone,
    quietHours: row.quiet_hours === 'off' ? null : row.quiet_hours ? JSON.parse(row.quiet_hours) : undefined,
    speedPerMinute: row.speed_per_minute,
    trackLinks: Number(row.track_links) === 1,
    attachmentId: row.attachment_id,
    variants: parseVariants(row.variants),
  };
}
