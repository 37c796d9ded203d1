/**
 * Our message model in Twilio's shapes: statuses both ways, failure codes as Twilio error codes, and the
 * Message resource as the Messages API (2010-04-01) answers it. docs/twilio-compatibility.md has the tables.
 */
import type { MessageView } from '../messaging';
import { accountSid, messageSid, serviceSid } from './sids';

export const API_VERSION = '2010-04-01';

/** Our status → Twilio's `status`. Twilio's `accepted` (messaging services) and `read` are never used. */
export const TWILIO_STATUS: Record<MessageView['status'], string> = {
  // Waiting for the operator's review, not yet sent: Twilio's nearest is `accepted` (received, not queued).
  held: 'accepted',
  scheduled: 'scheduled',
  queued: 'queued',
  sending: 'sending',
  sent: 'sent',
  delivered: 'delivered',
  undelivered: 'undelivered',
  // Twilio has no "expired": a message the carrier could not deliver in its validity period is undelivered.
  expired: 'undelivered',
  failed: 'failed',
  // Refused before sending (opted out, restricted, blocked): Twilio calls every such message failed.
  rejected: 'failed',
  cancelled: 'canceled',
};

/** Our failure codes (docs/failure-codes.md) → Twilio's delivery error codes and their titles. */
export const TWILIO_ERROR: Record<string, { code: number; message: string }> = {
  undelivered: { code: 30003, message: 'Unreachable destination handset' },
  expired: { code: 30003, message: 'Unreachable destination handset' },
  receipt_timeout: { code: 30003, message: 'Unreachable destination handset' },
  invalid_destination: { code: 30005, message: 'Unknown destination handset' },
  rejected_by_carrier: { code: 30007, message: 'Message filtered' },
  recipient_restricted: { code: 30004, message: 'Message blocked' },
  recipient_opted_out: { code: 21610, message: 'Attempt to send to unsubscribed recipient' },
  account_closed: { code: 30002, message: 'Account suspended' },
};
/** Every other failure (route unavailable, invalid message or sender, carrier errors). */
export const UNKNOWN_ERROR = { code: 30008, message: 'Unknown error' };

export function twilioErrorOf(code: string): { code: number; message: string } {
  return TWILIO_ERROR[code] ?? UNKNOWN_ERROR;
}

/** RFC 2822 in GMT, as Twilio writes dates (`Thu, 24 Aug 2023 05:01:45 +0000`). */
export function rfc2822(iso: string | undefined): string | null {
  if (iso === undefined) return null;
  return new Date(iso).toUTCString().replace(/GMT$/, '+0000');
}

export function messagesUri(accountId: string): string {
  return `/${API_VERSION}/Accounts/${accountSid(accountId)}/Messages`;
}

const CHARGED = new Set<MessageView['status']>(['sending', 'sent', 'delivered', 'undelivered', 'expired']);

/** The Message resource, plus `smsgate_status` (our own status, which is finer than Twilio's). */
export function twilioMessage(
  accountId: string,
  m: MessageView,
  extra: { serviceId?: string | undefined } = {},
) {
  const sid = messageSid(m.id);
  const base = `${messagesUri(accountId)}/${sid}`;
  const error = m.error ? twilioErrorOf(m.error.code) : null;
  // Twilio shows the price once the message is charged, as a negative amount; a message refused or
  // cancelled before it left is not charged (its credits were released).
  const charged = CHARGED.has(m.status);
  return {
    account_sid: accountSid(accountId),
    api_version: API_VERSION,
    body: m.text,
    date_created: rfc2822(m.createdAt),
    date_sent: rfc2822(m.sentAt),
    date_updated: rfc2822(m.doneAt ?? m.sentAt ?? m.createdAt),
    direction: 'outbound-api',
    error_code: error?.code ?? null,
    error_message: error?.message ?? null,
    from: m.from,
    messaging_service_sid: extra.serviceId ? serviceSid(extra.serviceId) : null,
    // MediaUrl is sent as links in the text (no MMS): a message has no media of its own.
    num_media: '0',
    num_segments: String(m.segments),
    price: charged && m.price > 0 ? (-m.price).toFixed(5) : null,
    price_unit: 'credits',
    sid,
    status: TWILIO_STATUS[m.status],
    subresource_uris: { media: `${base}/Media.json`, feedback: `${base}/Feedback.json` },
    to: m.to,
    uri: `${base}.json`,
    smsgate_status: m.status,
  };
}
