import {
  type OutboundSms,
  type RouteAdapterDeps,
  RouteError,
  type SmsRoute,
  type SubmitResult,
} from '../../modules/dispatch';
import { type CarrierResponse, statusFailure } from '../http-carrier/transport';
import { createVendorRoute } from '../http-carrier/vendor-route';
import type { InfobipConfig } from './config';

/**
 * Infobip's SMS API v3 (docs/design/http-carriers.md §3): one JSON POST to /sms/3/messages per message,
 * `Authorization: App <key>`, our message id passed as Infobip's, so its delivery reports name our id.
 */

/** Infobip caps the validity at 48 hours (longer is cut to 48 h). */
const MAX_VALIDITY_MINUTES = 48 * 60;

/** The URL Infobip posts delivery reports to: the route's status callback, with the route's token. */
export function infobipStatusUrl(config: InfobipConfig, deps: Pick<RouteAdapterDeps, 'callbackUrl'>): string {
  return `${deps.callbackUrl('status')}?token=${encodeURIComponent(config.callbackToken)}`;
}

export function infobipRequest(config: InfobipConfig, message: OutboundSms, statusUrl: string, now: number) {
  const entry: Record<string, unknown> = {
    // A numeric sender in international format without the '+', as Infobip writes it.
    sender: (config.sender ?? message.from).replace(/^\+(?=\d+$)/, ''),
    // International format without the '+', as in Infobip's examples.
    destinations: [{ to: message.to.replace(/^\+/, ''), messageId: message.messageId }],
    content: { text: message.text },
    webhooks: { delivery: { url: statusUrl, intermediateReport: false }, contentType: 'application/json' },
  };
  if (message.validUntil !== null) {
    const minutes = Math.ceil((message.validUntil - now) / 60_000);
    entry.options = {
      validityPeriod: { amount: Math.min(MAX_VALIDITY_MINUTES, Math.max(1, minutes)), timeUnit: 'MINUTES' },
    };
  }
  return {
    method: 'POST' as const,
    url: `${config.baseUrl.replace(/\/+$/, '')}/sms/3/messages`,
    headers: {
      authorization: `App ${config.apiKey}`,
      'content-type': 'application/json',
      accept: 'application/json',
    },
    body: JSON.stringify({ messages: [entry] }),
  };
}

/** Message statuses of group 5 (REJECTED) and 2 (UNDELIVERABLE) at submit, by name. */
const REJECTIONS: Record<string, RouteError['code']> = {
  REJECTED_DESTINATION: 'invalid_destination',
  REJECTED_PREFIX_MISSING: 'invalid_destination',
  MISSING_TO: 'invalid_destination',
  REJECTED_SOURCE: 'invalid_sender',
  REJECTED_SENDER: 'invalid_sender',
  REJECTED_MESSAGE_TOO_LONG: 'invalid_message',
  REJECTED_INVALID_UDH: 'invalid_message',
  // The account, not the message: another route may still carry it.
  REJECTED_NOT_ENOUGH_CREDITS: 'auth_failed',
  REJECTED_PREPAID_PACKAGE_EXPIRED: 'auth_failed',
  REJECTED_ROUTE_NOT_AVAILABLE: 'auth_failed',
  REJECTED_NETWORK: 'carrier_error',
  REJECTED_SYSTEM_ERROR: 'carrier_error',
};

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

const excerpt = (body: string) => body.slice(0, 120).replace(/\s+/g, ' ').trim() || '(empty)';

/** The error an Infobip error body names: v3 `{errorCode, description, violations}` or the older `requestError`. */
function errorOf(json: unknown): { code: string | null; text: string; property: string } {
  if (!isObject(json)) return { code: null, text: '', property: '' };
  if (typeof json.errorCode === 'string' || typeof json.errorCode === 'number') {
    const violations = Array.isArray(json.violations) ? json.violations.filter(isObject).slice(0, 10) : [];
    const property = violations.map((v) => String(v.property ?? '')).join(' ');
    const text = [json.description, ...violations.map((v) => `${v.property}: ${v.violation}`)]
      .filter(Boolean)
      .join('; ');
    return { code: String(json.errorCode), text, property };
  }
  const exception = isObject(json.requestError) ? json.requestError.serviceException : undefined;
  if (isObject(exception))
    return { code: String(exception.messageId ?? ''), text: String(exception.text ?? ''), property: '' };
  return { code: null, text: '', property: '' };
}

export function infobipAnswer(
  response: CarrierResponse,
  message: OutboundSms,
  now: number,
): SubmitResult & { smsCount: number | null } {
  const json = parseJson(response.body);
  const failure = statusFailure(response, now);
  if (failure) {
    const { code, text, property } = errorOf(json);
    if (!code) throw failure;
    const detail = `Infobip ${code}: ${text.slice(0, 200)}`;
    if (response.status === 400) {
      // Which field Infobip refused says who is at fault: the number, the sender or the message.
      const kind = /\bto\b|destination/i.test(property)
        ? 'invalid_destination'
        : /sender|from/i.test(property)
          ? 'invalid_sender'
          : 'invalid_message';
      throw new RouteError(kind, detail, code);
    }
    throw new RouteError(failure.code, detail, code, failure.retryAfterMs);
  }
  if (!isObject(json))
    throw new RouteError(
      'carrier_error',
      `Infobip answered ${response.status} without JSON: ${excerpt(response.body)}`,
    );
  const entry = Array.isArray(json.messages) ? json.messages.find(isObject) : undefined;
  const id = entry?.messageId;
  if (!entry || typeof id !== 'string' || id.length === 0 || id.length > 200)
    throw new RouteError('carrier_error', `Infobip answered ${response.status} without a message id`);
  const status = isObject(entry.status) ? entry.status : {};
  const name = String(status.name ?? '');
  const group = Number(status.groupId);
  // Our id was given as Infobip's: a duplicate means an earlier try of this message reached Infobip.
  if (name === 'REJECTED_DUPLICATE_MESSAGE_ID')
    return { carrierRef: message.messageId, partRefs: [message.messageId], smsCount: null };
  if (group === 5 || group === 2) {
    const detail = `Infobip ${name}: ${String(status.description ?? '').slice(0, 200)}`;
    throw new RouteError(REJECTIONS[name] ?? 'rejected_by_carrier', detail, name || String(status.id ?? ''));
  }
  // The part count is `smsCount` in older answers and `details.messageCount` in newer ones.
  const details = isObject(entry.details) ? entry.details : {};
  const parts = Number(entry.smsCount ?? details.messageCount);
  return { carrierRef: id, partRefs: [id], smsCount: Number.isInteger(parts) && parts > 0 ? parts : null };
}

export function createInfobipRoute(
  config: InfobipConfig,
  deps: RouteAdapterDeps,
): SmsRoute & { close(): void } {
  const statusUrl = infobipStatusUrl(config, deps);
  return createVendorRoute({
    id: deps.id,
    clock: deps.clock,
    logger: deps.logger,
    connection: config,
    shared: deps.sharedThroughput?.(config.throughput) ?? null,
    build: (message) => infobipRequest(config, message, statusUrl, deps.clock.now()),
    interpret: (response, message) => {
      const { smsCount, ...result } = infobipAnswer(response, message, deps.clock.now());
      if (smsCount !== null && smsCount !== message.segments)
        deps.logger.info(
          { messageId: message.messageId, segments: message.segments, carrierSegments: smsCount },
          'Infobip counts a different number of parts',
        );
      return result;
    },
  });
}
