export { hostOf, isForbiddenAddress, MAX_URL_LENGTH } from './addresses';
export {
  RETRY_LADDER_MS,
  WEBHOOK_EVENT_TYPES,
  type WebhookEvent,
  type WebhookEventType,
} from './events';
export {
  type PostOutcome,
  TIMEOUT_ERROR_PREFIX,
  type WebhookNet,
  type WebhookSender,
} from './ports';
export {
  type AttemptView,
  createWebhooks,
  type DeliveryView,
  type EndpointView,
  MAX_ENDPOINTS_PER_ACCOUNT,
  type ManualAttemptResult,
  SECRET_ROTATION_GRACE_MS,
  TEST_EVENT_TYPE,
  type Webhooks,
  type WebhooksDeps,
  type WebhooksSettings,
} from './service';
export { generateSecret, SECRET_PREFIX, signWebhook, verifyWebhookSignature } from './signing';
