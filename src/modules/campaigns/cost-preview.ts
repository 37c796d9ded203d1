/**
 * What a campaign costs: its audience counted and priced with the text plan it sends (footer, tracked links,
 * variants), the footer a start would append, and the preview a client sees before starting. Writes nothing.
 */

import type { CampaignsTable } from '../../storage/schema-campaigns';
import type { ClientActor } from '../accounts';
import { parseMessagingSettings } from '../accounts';
import { microToCredits } from '../billing';
import { createTextPricer } from '../messaging';
import { audiencePage } from './audience';
import { specOf, textsOf } from './campaign-model';
import { optOutMissing } from './draft-rules';
import { measure, textPlans } from './plan';
import { campaignSettingsOf, type ResolvedCampaignSettings } from './settings';
import { type CampaignsDeps, hasOptOut, ownCampaign } from './shared';
import { parseVariants, VARIANT_LABELS } from './variants';

/** Audience contacts read per query while counting and pricing. */
const PAGE = 5000;

export function createCostPreview(deps: CampaignsDeps) {
  const { db } = deps;

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

  return {
    costing,
    footerFor,
    /** Recipients, segments, cost and sample texts, exactly as `start` would reserve them; writes nothing. */
    async preview(actor: ClientActor, id: string) {
      const row = await ownCampaign(db, actor.accountId, id);
      const settings = await campaignSettingsOf(db, actor.accountId);
      const footer = row.started_at !== null ? row.footer : footerFor(row, settings);
      const { measured } = await costing(row, footer);
      return previewOf(measured, footer);
    },
  };
}

export type CostPreview = ReturnType<typeof createCostPreview>;
