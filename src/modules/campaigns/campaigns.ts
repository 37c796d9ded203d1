/**
 * Campaigns, composed from their parts: drafts (create, edit, delete) checked by the draft rules, the cost
 * preview, control (start, pause, resume, cancel), reading (list, one with live stats, statistics) and
 * "resend to failed". Starting reserves the credits of the whole campaign in one ledger entry; the fan-out
 * then writes the messages against that reservation, and what is not used goes back when it finishes or is
 * cancelled.
 */
import { createCostPreview } from './cost-preview';
import { createDrafts } from './drafts';
import { createLifecycle } from './lifecycle';
import { createCampaignProgress } from './progress';
import { createResendFailed } from './resend-failed';
import type { CampaignsDeps } from './shared';

export function createCampaignService(deps: CampaignsDeps) {
  const drafts = createDrafts(deps);
  const cost = createCostPreview(deps);
  const progress = createCampaignProgress(deps);
  const lifecycle = createLifecycle(deps, { cost, progress });
  const resend = createResendFailed(deps);
  return {
    stats: progress.stats,
    create: drafts.create,
    list: progress.list,
    get: progress.get,
    update: drafts.update,
    remove: drafts.remove,
    preview: cost.preview,
    start: lifecycle.start,
    pause: lifecycle.pause,
    resume: lifecycle.resume,
    cancel: lifecycle.cancel,
    resendFailed: resend.resendFailed,
    failedRecipients: resend.failedRecipients,
    statistics: progress.statistics,
  };
}

export type CampaignService = ReturnType<typeof createCampaignService>;
