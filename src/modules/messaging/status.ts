import type { MessageStatus } from '../../storage/schema';

/** Every message status, in lifecycle order (the API's filter and docs list these). */
export const MESSAGE_STATUSES = [
  'held',
  'scheduled',
  'queued',
  'sending',
  'sent',
  'delivered',
  'undelivered',
  'expired',
  'failed',
  'rejected',
  'cancelled',
] as const satisfies readonly MessageStatus[];

export const FINAL_STATUSES: ReadonlySet<MessageStatus> = new Set([
  'delivered',
  'undelivered',
  'expired',
  'failed',
  'rejected',
  'cancelled',
]);

/**
 * `held` (a content rule asked for review; nothing reserved) leaves only by the operator's release (to
 * `queued` or `scheduled`) or refusal (`rejected`).
 */
const RANK: Record<MessageStatus, number> = {
  held: 0,
  scheduled: 0,
  queued: 1,
  sending: 2,
  sent: 3,
  delivered: 4,
  undelivered: 4,
  expired: 4,
  failed: 4,
  rejected: 4,
  cancelled: 4,
};

/** A client's cancel reaches only messages that have not left for a carrier yet. */
export const CANCELLABLE_STATUSES = ['scheduled', 'queued'] as const satisfies readonly MessageStatus[];

/**
 * The status state machine: a message only moves forward, and a final status never changes. Duplicate
 * reports and reports that arrive out of order are therefore ignored rather than applied.
 */
export function canTransition(from: MessageStatus, to: MessageStatus): boolean {
  if (FINAL_STATUSES.has(from)) return false;
  if (to === 'cancelled') return (CANCELLABLE_STATUSES as readonly MessageStatus[]).includes(from);
  return RANK[to] > RANK[from];
}
