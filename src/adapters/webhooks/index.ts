import type { WebhookNet } from '../../modules/webhooks';
import { assertPublicHost } from './dns-guard';
import { createSender } from './http-sender';

/** The webhooks module's outside IO: node:http(s) for deliveries, node:dns for the public-address checks. */
export const webhookNet: WebhookNet = { createSender, assertPublicHost };
