import { createAttempts } from './attempts';
import { createDeliveryWorker } from './delivery-worker';
import { createEndpoints } from './endpoints';
import { createEnqueue } from './enqueue';
import { createResultRecorder } from './results';
import { type WebhooksDeps, webhooksContext } from './shared';

export { hostOf, isForbiddenAddress, MAX_URL_LENGTH, parseWebhookUrl } from './addresses';
export type { AttemptView, DeliveryView, ManualAttemptResult } from './attempts';
export {
  type EndpointView,
  MAX_ENDPOINTS_PER_ACCOUNT,
  SECRET_ROTATION_GRACE_MS,
  TEST_EVENT_TYPE,
} from './endpoints';
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
export type { WebhooksDeps, WebhooksSettings } from './shared';
export { generateSecret, SECRET_PREFIX, signWebhook, verifyWebhookSignature } from './signing';

/**
 * Client webhooks: endpoints, events enqueued inside the business transaction that caused them, and
 * signed deliveries (Standard Webhooks) retried on a ladder, with every attempt recorded.
 */
export function createWebhooks(deps: WebhooksDeps) {
  const ctx = webhooksContext(deps);
  const enqueue = createEnqueue(ctx);
  const worker = createDeliveryWorker(ctx, createResultRecorder(ctx));
  const attempts = createAttempts(ctx, { enqueue, worker });
  const endpoints = createEndpoints(ctx, { enqueue, worker, attempts });
  return {
    createEndpoint: endpoints.createEndpoint,
    listEndpoints: endpoints.listEndpoints,
    getEndpoint: endpoints.getEndpoint,
    updateEndpoint: endpoints.updateEndpoint,
    deleteEndpoint: endpoints.deleteEndpoint,
    rotateSecret: endpoints.rotateSecret,
    enqueue: enqueue.enqueue,
    deliverDue: worker.deliverDue,
    listDeliveries: attempts.listDeliveries,
    retryNow: attempts.retryNow,
    redeliver: attempts.redeliver,
    sendTest: endpoints.sendTest,
    redeliverNow: attempts.redeliverNow,
    close: worker.close,
  };
}

export type Webhooks = ReturnType<typeof createWebhooks>;
