export {
  type CampaignMessage,
  type CampaignMessages,
  createCampaignMessages,
  createTextPricer,
  type TextPricer,
} from './campaign-batch';
export { createMessageCancel, type MessageCancel } from './cancel';
export type { RecipientError, SendItem } from './compose';
export {
  createMessageDeletion,
  MAX_MESSAGE_IDS,
  MESSAGE_RESTORE_WINDOW_MS,
  type MessageDeletion,
} from './deletion';
export { type MessageFilter, type MessageQuery, numberSearch } from './filter';
export { createHeldMessages, type HeldMessages, type HeldMessageView } from './held';
export { DISPATCH_JOB, type DispatchPayload } from './jobs';
export {
  createMarginReports,
  MAX_MARGIN_ROWS,
  type MarginGroup,
  type MarginReport,
  type MarginReports,
} from './margins';
export { createOutcomes, type Outcomes, type ReceiptSample, type SendOutcome } from './outcomes';
export type { ClientEvent, ClientEventSink } from './ports';
export { createPreview } from './preview';
export { createMessageReader, type MessagePageQuery } from './read';
export {
  createMessageReports,
  type DayRange,
  dayRange,
  MAX_REPORT_DAYS,
  type MessageReport,
  type MessageReports,
  type ReportGroup,
} from './report';
export { createSender, type Idempotency, type SendDeps, type SendResult } from './send';
export { CANCELLABLE_STATUSES, canTransition, FINAL_STATUSES, MESSAGE_STATUSES } from './status';
export { type MessageView, messageView } from './views';
export { messageVolume } from './volume';
