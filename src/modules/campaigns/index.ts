import { createCampaignService } from './campaigns';
import { createFanout } from './fanout';
import { createCampaignSettings } from './settings';
import type { CampaignsDeps } from './shared';
import { createTemplates } from './templates';

export {
  ATTACHMENT_RETENTION_DAYS,
  type Attachments,
  type AttachmentView,
  type CampaignFiles,
  createAttachments,
  createCampaignFiles,
} from './attachments';
export { type AudienceContact, type AudienceSpec, audiencePage, type BlockedNumbers } from './audience';
export { type CampaignInput, type CampaignPatch, type CampaignView, campaignView } from './campaign-model';
export type { CampaignService } from './campaigns';
export { contentDisposition } from './content-type';
export { FANOUT_BATCH, type Fanout, type FanoutFault } from './fanout';
export { createLinkIssuer, type LinkIssuer } from './link-issuer';
export { type ClickStats, createLinkStats, type LinkStats } from './link-stats';
export { findUrls } from './link-urls';
export { createLinks, type Links, linkOwners } from './links';
export { COUNTRY_ZONES, isValidTimeZone, nextAllowedInstant, zoneOfCountry } from './quiet-hours';
export {
  type CampaignSettingsInput,
  type CampaignSettingsView,
  campaignSettingsOf,
  DEFAULT_QUIET_HOURS,
  DEFAULT_STOP_WORDS,
  MAX_FOOTER,
  MAX_STOP_WORDS,
} from './settings';
export { type CampaignsDeps, hasOptOut } from './shared';
export type { CampaignStats } from './stats';
export { createStopReplies, type InboundReply, START_WORDS, START_WORDS_BY_LANGUAGE } from './stop-replies';
export { parseTemplate, renderTemplate, validateTemplate } from './template';
export type { Templates, TemplateView } from './templates';

/**
 * Campaigns: templates, drafts, cost preview, start/pause/resume/cancel, the fan-out worker, live stats
 * and the per-account campaign settings (quiet hours, opt-out footer, STOP words).
 */
export function createCampaigns(deps: CampaignsDeps) {
  return {
    campaigns: createCampaignService(deps),
    templates: createTemplates(deps),
    settings: createCampaignSettings(deps),
    fanout: createFanout(deps),
  };
}

export type Campaigns = ReturnType<typeof createCampaigns>;
