import { AppError } from '../../kernel/errors';
import type { MessageStatus } from '../../storage/schema';
import { MESSAGE_STATUSES } from '../messaging';

/** The event types a client can subscribe to (a closed list: anything else is a validation error). */
export const WEBHOOK_EVENT_TYPES = ['message.status', 'message.received', 'message.keyword'] as const;
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

const STATUSES = new Set<string>(MESSAGE_STATUSES);

/**
 * Checks and de-duplicates the status filter of a `message.status` subscription (null: every status).
 * A filter needs `message.status` among the subscribed events: it would filter nothing otherwise.
 */
export function parseStatusFilter(
  statuses: readonly string[] | null | undefined,
  events: readonly WebhookEventType[],
): MessageStatus[] | null {
  if (statuses === null || statuses === undefined) return null;
  const unknown = statuses.map((s, i) => [s, i] as const).filter(([s]) => !STATUSES.has(s));
  if (unknown.length > 0) {
    throw new AppError('validation_failed', `Unknown statuses: ${unknown.map(([s]) => s).join(', ')}.`, {
      errors: unknown.map(([s, i]) => ({
        path: `/statuses/${i}`,
        message: `unknown status ${JSON.stringify(s)}; one of ${MESSAGE_STATUSES.join(', ')}`,
      })),
    });
  }
  if (statuses.length === 0) {
    throw new AppError('validation_failed', 'Filter on at least one status, or leave statuses out.', {
      errors: [{ path: '/statuses', message: 'at least one status' }],
    });
  }
  if (!events.includes('message.status')) {
    throw new AppError('validation_failed', 'A status filter needs the message.status event.', {
      errors: [{ path: '/statuses', message: 'statuses filter message.status events: subscribe to them' }],
    });
  }
  return [...new Set(statuses)] as MessageStatus[];
}
