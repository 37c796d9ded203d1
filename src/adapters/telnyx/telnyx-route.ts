import {
  type OutboundSms,
  type RouteAdapterDeps,
  RouteError,
  type SmsRoute,
  type SubmitResult,
} from '../../modules/dispatch';
import { type CarrierResponse, statusFailure } from '../http-carrier/transport';
import { createVendorRoute } from '../http-carrier/vendor-route';
import type { TelnyxConfig } from './config';

/**
 * Telnyx's Messaging API v2 (docs/design/http-carriers.md §5): a JSON POST to /v2/messages with a Bearer
 * key and the route's status callback as `webhook_url`; Telnyx encodes and splits the text itself.
 */

export function telnyxRequest(config: TelnyxConfig, message: OutboundSms, webhookUrl: string) {
  const body: Record<string, unknown> = {
    from: config.sender ?? message.from,
    to: message.to,
    text: message.text,
    type: 'SMS',
    webhook_url: webhookUrl,
    use_profile_webhooks: false,
  };
  if (config.messagingProfileId) body.messaging_profile_id = config.messagingProfileId;
  return {
    method: 'POST' as const,
    url: `${config.baseUrl.replace(/\/+$/, '')}/v2/messages`,
    headers: {
      authorization: `Bearer ${config.apiKey}`,
      'content-type': 'application/json',
      accept: 'application/json',
    },
    body: JSON.stringify(body),
  };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const excerpt = (body: string) => body.slice(0, 120).replace(/\s+/g, ' ').trim() || '(empty)';

/** A Telnyx error code (and the field it points at) as a failure code; null when the HTTP status decides. */
function codeOf(code: string, pointer: string): RouteError['code'] | null {
  if (code === '10009' || code === '10010') return 'auth_failed';
  if (code === '10011') return 'throttled';
  if (code === '10008') return 'timeout';
  if (code === '10007') return 'carrier_error';
  if (code === '10001' || code === '10002' || code === '10016')
    return pointer.startsWith('/from') ? 'invalid_sender' : 'invalid_destination';
  if (code === '10003' || code === '10004' || code === '10015') return 'invalid_message';
  // 40xxx: the message was refused (recipient opted out, blocked, …).
  if (/^40\d{3}$/.test(code)) return 'rejected_by_carrier';
  return null;
}

export function telnyxAnswer(
  response: CarrierResponse,
  now: number,
): SubmitResult & { parts: number | null } {
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch {
    json = undefined;
  }
  const failure = statusFailure(response, now);
  if (failure) {
    const first = isObject(json) && Array.isArray(json.errors) ? json.errors.find(isObject) : undefined;
    if (!first || first.code === undefined) throw failure;
    const code = String(first.code).slice(0, 16);
    const pointer = isObject(first.source) ? String(first.source.pointer ?? '') : '';
    const detail = `Telnyx ${code}: ${String(first.title ?? '')}${first.detail ? ` (${String(first.detail).slice(0, 160)})` : ''}`;
    const mapped = codeOf(code, pointer);
    // "Unexpected error" says no more than the HTTP status: a 503 that asks us to wait stays throttled.
    const kind =
      mapped === 'carrier_error' && failure.code === 'throttled' ? 'throttled' : (mapped ?? failure.code);
    throw new RouteError(kind, detail, code, failure.retryAfterMs);
  }
  if (!isObject(json))
    throw new RouteError(
      'carrier_error',
      `Telnyx answered ${response.status} without JSON: ${excerpt(response.body)}`,
    );
  const data = isObject(json.data) ? json.data : null;
  const id = data?.id;
  if (typeof id !== 'string' || id.length === 0 || id.length > 100)
    throw new RouteError('carrier_error', `Telnyx answered ${response.status} without a message id`);
  const parts = Number(data?.parts);
  return { carrierRef: id, partRefs: [id], parts: Number.isInteger(parts) && parts > 0 ? parts : null };
}

export function createTelnyxRoute(
  config: TelnyxConfig,
  deps: RouteAdapterDeps,
): SmsRoute & { close(): void } {
  const webhookUrl = deps.callbackUrl('status');
  return createVendorRoute({
    id: deps.id,
    clock: deps.clock,
    logger: deps.logger,
    connection: config,
    shared: deps.sharedThroughput?.(config.throughput) ?? null,
    build: (message) => telnyxRequest(config, message, webhookUrl),
    interpret: (response, message) => {
      const { parts, ...result } = telnyxAnswer(response, deps.clock.now());
      if (parts !== null && parts !== message.segments)
        deps.logger.info(
          { messageId: message.messageId, segments: message.segments, carrierSegments: parts },
          'Telnyx counts a different number of parts',
        );
      return result;
    },
  });
}
