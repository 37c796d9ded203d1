import {
  type OutboundSms,
  type RouteAdapterDeps,
  RouteError,
  type SmsRoute,
  type SubmitResult,
} from '../../modules/dispatch';
import { type CarrierResponse, statusFailure } from '../http-carrier/transport';
import { createVendorRoute } from '../http-carrier/vendor-route';
import type { VonageConfig } from './config';

/**
 * Vonage's SMS API (docs/design/http-carriers.md §2): a form POST to /sms/json with the key and secret in
 * the body. The answer is HTTP 200 even for refusals: each part has its own `status`, and its own
 * `message-id` (delivery receipts come per part).
 */

/** Vonage's `ttl` range (ms). */
const MIN_TTL = 20_000;
const MAX_TTL = 604_800_000;

export function vonageStatusUrl(config: VonageConfig, deps: Pick<RouteAdapterDeps, 'callbackUrl'>): string {
  return `${deps.callbackUrl('status')}?token=${encodeURIComponent(config.callbackToken)}`;
}

export function vonageRequest(config: VonageConfig, message: OutboundSms, statusUrl: string, now: number) {
  const form = new URLSearchParams();
  form.set('api_key', config.apiKey);
  form.set('api_secret', config.apiSecret);
  form.set('from', (config.sender ?? message.from).replace(/^\+(?=\d+$)/, ''));
  form.set('to', message.to.replace(/^\+/, ''));
  form.set('text', message.text);
  // Without type=unicode Vonage sends non-GSM text as GSM-7 and it arrives mangled.
  form.set('type', message.encoding === 'UCS-2' ? 'unicode' : 'text');
  form.set('status-report-req', 'true');
  form.set('callback', statusUrl);
  form.set('client-ref', message.messageId.slice(0, 40));
  if (message.validUntil !== null)
    form.set('ttl', String(Math.min(MAX_TTL, Math.max(MIN_TTL, message.validUntil - now))));
  return {
    method: 'POST' as const,
    url: `${config.baseUrl.replace(/\/+$/, '')}/sms/json`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: form.toString(),
  };
}

/** A part's `status` (a string of digits) as a failure code. */
const STATUS: Record<string, RouteError['code']> = {
  '1': 'throttled',
  '2': 'invalid_message',
  '3': 'invalid_message',
  '4': 'auth_failed',
  '5': 'carrier_error',
  '6': 'invalid_destination',
  '7': 'invalid_destination',
  // Account-level (suspended, no credit, not enabled for HTTP, signature problems): another route may carry it.
  '8': 'auth_failed',
  '9': 'auth_failed',
  '11': 'auth_failed',
  '14': 'auth_failed',
  '32': 'auth_failed',
  '10': 'throttled',
  '12': 'invalid_message',
  '15': 'invalid_sender',
  '22': 'invalid_message',
  '23': 'invalid_message',
  '29': 'rejected_by_carrier',
  '33': 'invalid_destination',
};

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const excerpt = (body: string) => body.slice(0, 120).replace(/\s+/g, ' ').trim() || '(empty)';

export function vonageAnswer(response: CarrierResponse, now: number): SubmitResult & { parts: number } {
  const failure = statusFailure(response, now);
  if (failure) throw failure;
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch {
    throw new RouteError(
      'carrier_error',
      `Vonage answered ${response.status} without JSON: ${excerpt(response.body)}`,
    );
  }
  const parts =
    isObject(json) && Array.isArray(json.messages) ? json.messages.filter(isObject).slice(0, 255) : [];
  if (parts.length === 0)
    throw new RouteError('carrier_error', `Vonage answered ${response.status} without messages`);
  const refused = parts.filter((p) => String(p.status) !== '0');
  if (refused.length > 0) {
    const first = refused[0]!;
    const status = String(first.status ?? '');
    const detail = `Vonage status ${status}: ${String(first['error-text'] ?? '').slice(0, 200)}`;
    // Some parts went out already: retrying would send them twice, so a partial failure is final.
    if (refused.length < parts.length)
      throw new RouteError(
        'rejected_by_carrier',
        `${detail} (${parts.length - refused.length} of ${parts.length} parts accepted)`,
        status,
      );
    throw new RouteError(STATUS[status] ?? 'rejected_by_carrier', detail, status);
  }
  const refs = parts.map((p) => p['message-id']);
  if (!refs.every((r): r is string => typeof r === 'string' && r.length > 0 && r.length <= 100))
    throw new RouteError(
      'carrier_error',
      `Vonage answered ${response.status} with a part without a message-id`,
    );
  return { carrierRef: refs[0]!, partRefs: refs, parts: refs.length };
}

export function createVonageRoute(
  config: VonageConfig,
  deps: RouteAdapterDeps,
): SmsRoute & { close(): void } {
  const statusUrl = vonageStatusUrl(config, deps);
  return createVendorRoute({
    id: deps.id,
    clock: deps.clock,
    logger: deps.logger,
    connection: config,
    shared: deps.sharedThroughput?.(config.throughput) ?? null,
    build: (message) => vonageRequest(config, message, statusUrl, deps.clock.now()),
    interpret: (response, message) => {
      const { parts, ...result } = vonageAnswer(response, deps.clock.now());
      if (parts !== message.segments)
        deps.logger.info(
          { messageId: message.messageId, segments: message.segments, carrierSegments: parts },
          'Vonage counts a different number of parts',
        );
      return result;
    },
  });
}
