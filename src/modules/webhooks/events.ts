import { AppError } from '../../kernel/errors';

/** The event types a client can subscribe to (a closed list: anything else is a validation error). */
export const WEBHOOK_EVENT_TYPES = ['message.status', 'message.received'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** An event to deliver to every subscribed endpoint of its account. */
export interface WebhookEvent {
  accountId: string;
  type: WebhookEventType;
  data: unknown;
}

/**
 * Delays of the retry ladder (Standard Webhooks' schedule): attempt 1 is immediate; after a failed
 * attempt n, attempt n + 1 comes RETRY_LADDER_MS[n] later; a failure of the last attempt is final.
 */
export const RETRY_LADDER_MS: readonly number[] = [
  0,
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3600_000,
  5 * 3600_000,
  10 * 3600_000,
  14 * 3600_000,
  20 * 3600_000,
  24 * 3600_000,
];

const KNOWN = new Set<string>(WEBHOOK_EVENT_TYPES);

/** Checks and de-duplicates a subscription list. */
export function parseEventTypes(events: readonly string[]): WebhookEventType[] {
  const unknown = events.map((e, i) => [e, i] as const).filter(([e]) => !KNOWN.has(e));
  if (unknown.length > 0) {
    throw new AppError('validation_failed', `Unknown event types: ${unknown.map(([e]) => e).join(', ')}.`, {
      errors: unknown.map(([e, i]) => ({
        path: `/events/${i}`,
        message: `unknown event type ${JSON.stringify(e)}; one of ${WEBHOOK_EVENT_TYPES.join(', ')}`,
      })),
    });
  }
  if (events.length === 0) {
    throw new AppError('validation_failed', 'Subscribe to at least one event type.', {
      errors: [{ path: '/events', message: 'at least one event type' }],
    });
  }
  return [...new Set(events)] as WebhookEventType[];
}
