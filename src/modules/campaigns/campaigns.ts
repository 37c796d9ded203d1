import { AppError } from '../../kernel/errors';
import type { DbOrTx } from '../../storage/database';
import type { CampaignStatus, CampaignsTable } from '../../storage/schema-campaigns';
import type { ClientActor } from '../accounts';
import { parseMessagingSettings, senderFor } from '../accounts';
import { auditActorOf } from '../audit';
import { microToCredits } from '../billing';
import { createTextPricer } from '../messaging';
import { assertSenderId } from '../phone';
import { type AudienceSpec, audiencePage } from './audience';
import { measure, textPlans } from './plan';
import { formatClockTime, isValidTimeZone, parseClockTime, parseZonedDateTime } from './quiet-hours';
import { countResendable, listFailed } from './resend';
import { campaignSettingsOf, type ResolvedCampaignSettings } from './settings';
import { type CampaignsDeps, checkTemplate, fieldKeysOf, hasOptOut, iso, ownCampaign } from './shared';
import { type CampaignStats, createCampaignStats } from './stats';
import { checkVariants, parseVariants, VARIANT_LABELS, type Variant } from './variants';

// Clients' clocks drift; a sendAt a little in the past means "now", not an error.
const PAST_GRACE_MS = 60_000;
const MAX_SCHEDULE_MS = 35 * 24 * 3600_000;
const PAGE = 5000;

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

function stateError(row: CampaignsTable, action: string): AppError {
  return new AppError('campaign_state', `A ${row.status} campaign cannot be ${action}.`, {
    extra: { campaignStatus: row.status },
  });
}

/**
 * Campaigns: drafts (create, edit, delete), the cost preview, and control (start, pause, resume, cancel).
 * Starting reserves the credits of the whole campaign in one ledger entry; the fan-out then writes the
 * messages against that reservation, and what is not used goes back when it finishes or is cancelled.
 */
const trackedLinksDisabled = () =>
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

export function createCampaignService(deps: CampaignsDeps) {
  const { db, clock, ids, audit } = deps;
  const stats = createCampaignStats(deps);

  /** Checks a draft's fields; returns the column values they become. */
  async function checked(
    tx: DbOrTx,
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
              ...(filter.countries?.length
                ? { countries: filter.countries.map((c) => c.toUpperCase()) }
                : {}),
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
    };
  }

  function optOutMissing(path = '/body/text'): AppError {
    return new AppError(
      'opt_out_missing',
      'A marketing text must say how to opt out (e.g. "Reply STOP to opt out") or the account must set an opt-out footer.',
      { errors: [{ path, message: 'no opt-out instruction' }] },
    );
  }

  function inputOf(row: CampaignsTable): CampaignInput {
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
      quietHours:
        row.quiet_hours === 'off' ? null : row.quiet_hours ? JSON.parse(row.quiet_hours) : undefined,
      speedPerMinute: row.speed_per_minute,
      trackLinks: Number(row.track_links) === 1,
      attachmentId: row.attachment_id,
      variants: parseVariants(row.variants),
    };
  }

  /** The text plan, audience and prices a started (or about to start) campaign uses. */
  async function costing(row: CampaignsTable, footer: string | null) {
    const account = await db
      .selectFrom('accounts')
      .select('settings')
      .where('id', '=', row.account_id)
      .executeTakeFirst();
    const messaging = parseMessagingSettings(account?.settings);
    const prices = await deps.priceBook.listFor(db, row.account_id);
    const pricer = createTextPricer({ settings: messaging, prices });
    const plans = textPlans({
      campaignId: row.id,
      text: row.text,
      variants: parseVariants(row.variants),
      footer,
      trackLinks: Number(row.track_links) === 1,
      hasAttachment: row.attachment_id !== null,
      publicUrl: deps.publicUrl,
    });
    const spec = specOf(row);
    const measured = await measure(
      (after) => audiencePage(db, spec, after, PAGE, deps.blocked),
      plans,
      pricer,
    );
    return { measured, messaging };
  }

  /**
   * The footer a start would append: none when the text already says how to opt out. A split has one
   * footer for all its variants: appended when any variant lacks an opt-out.
   */
  function footerFor(row: CampaignsTable, settings: ResolvedCampaignSettings): string | null {
    if (row.type !== 'marketing') return null;
    const lacking = textsOf(row).findIndex((t) => !hasOptOut(t, settings.stopWords));
    if (lacking === -1) return null;
    if (!settings.footer) throw optOutMissing(row.variants ? `/body/variants/${lacking}/text` : '/body/text');
    return settings.footer;
  }

  function previewOf(measured: Awaited<ReturnType<typeof costing>>['measured'], footer: string | null) {
    return {
      recipients: measured.recipients,
      segments: measured.segments,
      cost: microToCredits(measured.cost),
      currency: 'credits' as const,
      longest: measured.longest,
      optOutFooter: footer,
      byCountry: [...measured.byCountry].map(([country, v]) => ({
        country,
        recipients: v.recipients,
        cost: microToCredits(v.cost),
      })),
      samples: measured.samples.map((s) => ({ ...s, price: microToCredits(s.price) })),
      ...(measured.byVariant.length > 0
        ? {
            variants: measured.byVariant.map((v, i) => ({
              label: VARIANT_LABELS[i] ?? String(i + 1),
              recipients: v.recipients,
              segments: v.segments,
              cost: microToCredits(v.cost),
            })),
          }
        : {}),
    };
  }

  async function withStats(row: CampaignsTable, via: DbOrTx = db): Promise<CampaignView> {
    return Object.assign(campaignView(row), { stats: await stats.summary(via, row) });
  }

  return {
    stats,

    async create(actor: ClientActor, input: CampaignInput): Promise<CampaignView> {
      return db.transaction().execute(async (tx) => {
        const now = clock.now();
        const row: CampaignsTable = {
          id: ids('cmp'),
          account_id: actor.accountId,
          status: 'draft',
          ...(await checked(tx, actor.accountId, input)),
          created_by: actor.id,
          created_at: now,
          updated_at: now,
        };
        await tx.insertInto('campaigns').values(row).execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'campaign.created',
          target: { type: 'campaign', id: row.id },
          data: { type: row.type, groups: JSON.parse(row.group_ids).length },
        });
        return campaignView(row);
      });
    },

    async list(
      actor: ClientActor,
      page: { limit: number; cursor?: string | undefined; status?: CampaignStatus | undefined },
    ): Promise<CampaignView[]> {
      let q = db
        .selectFrom('campaigns')
        .selectAll()
        .where('account_id', '=', actor.accountId)
        .orderBy('id', 'desc')
        .limit(page.limit);
      if (page.cursor) q = q.where('id', '<', page.cursor);
      if (page.status) q = q.where('status', '=', page.status);
      return (await q.execute()).map(campaignView);
    },

    async get(actor: ClientActor, id: string): Promise<CampaignView> {
      return withStats(await ownCampaign(db, actor.accountId, id));
    },

    async update(actor: ClientActor, id: string, patch: CampaignPatch): Promise<CampaignView> {
      return db.transaction().execute(async (tx) => {
        const row = await ownCampaign(tx, actor.accountId, id);
        if (row.status !== 'draft') throw stateError(row, 'edited');
        const merged: CampaignInput = { ...inputOf(row), ...patch };
        // A new text replaces the template's; a new template brings its text.
        if (patch.templateId && patch.text === undefined) merged.text = undefined;
        if (merged.variants) {
          // A split's texts are its variants': `text` alone would leave it ambiguous which one changes.
          if (patch.variants === undefined && (patch.text !== undefined || patch.templateId))
            throw new AppError(
              'validation_failed',
              'This campaign splits its text: change `variants`, or set `variants` to null first.',
              { errors: [{ path: '/body/text', message: 'the campaign has variants' }] },
            );
          merged.text = undefined;
          merged.templateId = undefined;
        }
        const next: CampaignsTable = {
          ...row,
          ...(await checked(tx, actor.accountId, merged, row.resend_of)),
          updated_at: clock.now(),
        };
        await tx
          .updateTable('campaigns')
          .set(next)
          .where('id', '=', id)
          .where('status', '=', 'draft')
          .execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'campaign.updated',
          target: { type: 'campaign', id },
          data: { fields: Object.keys(patch) },
        });
        return campaignView(next);
      });
    },

    async remove(actor: ClientActor, id: string): Promise<void> {
      await db.transaction().execute(async (tx) => {
        const row = await ownCampaign(tx, actor.accountId, id);
        if (row.status !== 'draft') throw stateError(row, 'deleted (cancel it instead)');
        await tx.deleteFrom('campaigns').where('id', '=', id).where('status', '=', 'draft').execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'campaign.deleted',
          target: { type: 'campaign', id },
        });
      });
    },

    /** Recipients, segments, cost and sample texts, exactly as `start` would reserve them; writes nothing. */
    async preview(actor: ClientActor, id: string) {
      const row = await ownCampaign(db, actor.accountId, id);
      const settings = await campaignSettingsOf(db, actor.accountId);
      const footer = row.started_at !== null ? row.footer : footerFor(row, settings);
      const { measured } = await costing(row, footer);
      return previewOf(measured, footer);
    },

    /**
     * Starts a draft: fixes the footer, schedule and quiet window, counts and prices the whole audience,
     * and reserves that total in one ledger entry (or refuses with `insufficient_credits`, changing nothing).
     */
    async start(actor: ClientActor, id: string): Promise<CampaignView> {
      const row = await ownCampaign(db, actor.accountId, id);
      if (row.status !== 'draft') throw stateError(row, 'started');
      const account = await db
        .selectFrom('accounts')
        .select('status')
        .where('id', '=', actor.accountId)
        .executeTakeFirst();
      if (account?.status !== 'active')
        throw new AppError(
          'account_suspended',
          `The account is ${account?.status ?? 'unknown'} and cannot send.`,
        );
      const now = clock.now();
      if (row.send_at !== null && Number(row.send_at) < now - PAST_GRACE_MS)
        throw new AppError('invalid_schedule', '/body/sendAt is in the past: set a new time or none.', {
          errors: [{ path: '/body/sendAt', message: 'is in the past' }],
        });
      const settings = await campaignSettingsOf(db, actor.accountId);
      const footer = footerFor(row, settings);
      // A new custom field may have been deleted since the draft was saved.
      const fieldKeys = await fieldKeysOf(db, actor.accountId);
      textsOf(row).forEach((text, i) => {
        checkTemplate(text, fieldKeys, row.variants ? `/body/variants/${i}/text` : '/body/text');
      });
      if (row.attachment_id) {
        const attachment = await db
          .selectFrom('attachments')
          .select('id')
          .where('id', '=', row.attachment_id)
          .where('account_id', '=', actor.accountId)
          .where('deleted_at', 'is', null)
          .where('expires_at', '>', now)
          .executeTakeFirst();
        if (!attachment)
          throw new AppError('not_found', 'No such attachment (or it has expired).', {
            errors: [{ path: '/body/attachmentId', message: 'no such attachment' }],
          });
      }
      const { measured, messaging } = await costing(row, footer);
      // The sender as it will be used: the campaign's own, or the account's default (which may be a value
      // stored before sender ids were checked).
      if (Number(row.track_links) === 1 && !messaging.trackedLinks) throw trackedLinksDisabled();
      if (row.sender !== null) assertSenderId(row.sender, '/body/from');
      else assertSenderId(senderFor(messaging, deps.sharedSender), '/defaultSender');
      if (measured.recipients === 0)
        throw new AppError('audience_empty', 'No contact of these groups can receive this campaign.');
      if (measured.longest && measured.longest.segments > messaging.maxSegments)
        throw new AppError(
          'message_too_long',
          `The longest rendering needs ${measured.longest.segments} segments; the maximum is ${messaging.maxSegments}.`,
          { errors: [{ path: '/body/text', message: `needs ${measured.longest.segments} segments` }] },
        );
      const quiet =
        row.quiet_hours === 'off'
          ? null
          : row.quiet_hours
            ? (JSON.parse(row.quiet_hours) as { start: string; end: string })
            : row.type === 'marketing'
              ? { start: formatClockTime(settings.quietStart), end: formatClockTime(settings.quietEnd) }
              : null;
      const startAt = row.send_at !== null && Number(row.send_at) > now ? Number(row.send_at) : now;
      const status: CampaignStatus = startAt > now ? 'scheduled' : 'sending';
      return db.transaction().execute(async (tx) => {
        const updated = await tx
          .updateTable('campaigns')
          .set({
            status,
            footer,
            start_at: startAt,
            quiet_start: quiet ? parseClockTime(quiet.start) : null,
            quiet_end: quiet ? parseClockTime(quiet.end) : null,
            recipients: measured.recipients,
            reserved: measured.cost,
            reserve_left: measured.cost,
            started_at: now,
            updated_at: now,
          })
          .where('id', '=', id)
          .where('status', '=', 'draft')
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1)
          throw stateError(await ownCampaign(tx, actor.accountId, id), 'started');
        if (measured.cost > 0) {
          await deps.ledger.reserve(tx, {
            accountId: actor.accountId,
            amountMicro: measured.cost,
            ref: { type: 'campaign', id },
            note: `campaign: ${measured.recipients} recipient(s)`,
          });
        }
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'campaign.started',
          target: { type: 'campaign', id },
          data: {
            recipients: measured.recipients,
            credits: microToCredits(measured.cost),
            scheduled: status === 'scheduled',
          },
        });
        return withStats(await ownCampaign(tx, actor.accountId, id), tx);
      });
    },

    /** Holds every message not yet handed to a route; the fan-out may go on, nothing is released. */
    async pause(actor: ClientActor, id: string): Promise<CampaignView> {
      return db.transaction().execute(async (tx) => {
        const row = await ownCampaign(tx, actor.accountId, id);
        if (row.status !== 'sending' && row.status !== 'scheduled') throw stateError(row, 'paused');
        const now = clock.now();
        await tx
          .updateTable('campaigns')
          .set({ status: 'paused', paused_at: now, updated_at: now })
          .where('id', '=', id)
          .where('status', '=', row.status)
          .execute();
        const held = await deps.messages.hold(tx, id);
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'campaign.paused',
          target: { type: 'campaign', id },
          data: { held },
        });
        return withStats(await ownCampaign(tx, actor.accountId, id), tx);
      });
    },

    /** Continues a paused campaign; its plan moves later by the time it was paused (pacing is kept). */
    async resume(actor: ClientActor, id: string): Promise<CampaignView> {
      return db.transaction().execute(async (tx) => {
        const row = await ownCampaign(tx, actor.accountId, id);
        if (row.status !== 'paused') throw stateError(row, 'resumed');
        const now = clock.now();
        const startAt = Number(row.start_at ?? now);
        const pausedAt = Number(row.paused_at ?? now);
        await deps.messages.shift(tx, id, now - Math.max(pausedAt, startAt));
        await tx
          .updateTable('campaigns')
          .set({ status: startAt > now ? 'scheduled' : 'sending', paused_at: null, updated_at: now })
          .where('id', '=', id)
          .where('status', '=', 'paused')
          .execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'campaign.resumed',
          target: { type: 'campaign', id },
        });
        return withStats(await ownCampaign(tx, actor.accountId, id), tx);
      });
    },

    /**
     * Stops for good. At once: nothing more is fanned out or handed to a route (queued messages go back
     * to held, which the dispatcher skips) and the unused reservation goes back. The campaign worker then
     * fails the unsent messages with `campaign_cancelled` in short batches, releasing their credits, so
     * cancelling a million messages never holds the database for long.
     */
    async cancel(actor: ClientActor, id: string): Promise<CampaignView> {
      return db.transaction().execute(async (tx) => {
        const row = await ownCampaign(tx, actor.accountId, id);
        if (!['sending', 'scheduled', 'paused'].includes(row.status)) throw stateError(row, 'cancelled');
        const now = clock.now();
        const updated = await tx
          .updateTable('campaigns')
          .set({ status: 'cancelled', cancelled_at: now, updated_at: now, reserve_left: 0, fanout_done: 1 })
          .where('id', '=', id)
          .where('status', '=', row.status)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1)
          throw stateError(await ownCampaign(tx, actor.accountId, id), 'cancelled');
        await deps.messages.hold(tx, id);
        const pending = await tx
          .selectFrom('messages')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('campaign_id', '=', id)
          .where('status', '=', 'scheduled')
          .executeTakeFirstOrThrow();
        const left = Number(row.reserve_left);
        if (left > 0)
          await deps.ledger.settle(
            tx,
            [{ accountId: row.account_id, kind: 'release', amountMicro: left }],
            'campaign cancelled',
          );
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'campaign.cancelled',
          target: { type: 'campaign', id },
          data: { unsent: Number(pending.n), credits: microToCredits(left) },
        });
        return withStats(await ownCampaign(tx, actor.accountId, id), tx);
      });
    },

    /**
     * "Resend to failed": a new draft, a copy of the campaign's content and settings, whose audience is
     * the contacts whose message of this campaign ended failed, undelivered or expired by now (cancelled
     * ones were never tried and are left out), less those suppressed or deleted since (the audience query
     * leaves them out at preview, start and fan-out). The numbers are not copied: the draft refers to the
     * campaign and the moment it was made. The user reviews it and starts it like any draft.
     */
    async resendFailed(actor: ClientActor, id: string): Promise<CampaignView & { numbers: number }> {
      return db.transaction().execute(async (tx) => {
        const source = await ownCampaign(tx, actor.accountId, id);
        if (source.started_at === null) throw stateError(source, 'resent before it was started');
        const now = clock.now();
        const numbers = await countResendable(tx, source, now);
        if (numbers === 0)
          throw new AppError(
            'audience_empty',
            'No message of this campaign ended failed, undelivered or expired to a contact that can still receive it.',
          );
        const row: CampaignsTable = Object.assign({}, source, {
          id: ids('cmp'),
          name: `${source.name} (resend to failed)`.slice(0, 200),
          status: 'draft' as const,
          group_ids: '[]',
          contact_filter: null,
          send_at: null,
          released_at: null,
          resend_of: source.id,
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
          created_by: actor.id,
          created_at: now,
          updated_at: now,
          started_at: null,
          paused_at: null,
          completed_at: null,
          cancelled_at: null,
        });
        await tx.insertInto('campaigns').values(row).execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'campaign.resend_created',
          target: { type: 'campaign', id: row.id },
          data: { source: source.id, numbers },
        });
        return Object.assign(campaignView(row), { numbers });
      });
    },

    /** The campaign's messages that did not arrive, oldest first, and whether a resend would retry each. */
    async failedRecipients(
      actor: ClientActor,
      id: string,
      page: { limit: number; cursor?: string | undefined },
    ) {
      const row = await ownCampaign(db, actor.accountId, id);
      return listFailed(db, row.id, page);
    },

    async statistics(actor: ClientActor, id: string) {
      const row = await ownCampaign(db, actor.accountId, id);
      return stats.detail(db, row);
    },
  };
}

export type CampaignService = ReturnType<typeof createCampaignService>;
