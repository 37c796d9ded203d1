/** Row types of the webhooks module's tables (see migrations/0003_webhooks.ts). */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by the webhooks migration
export interface WebhooksTables {}
