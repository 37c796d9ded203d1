import {
  type OutboundSms,
  type RouteAdapterDeps,
  RouteError,
  type SmsRoute,
  type SubmitResult,
} from '../../modules/dispatch';
import { type CarrierResponse, statusFailure } from '../http-carrier/transport';
import { createVendorRoute } from '../http-carrier/vendor-route';
import type { PlivoConfig } from './config';

/**
 * Plivo's Message API (docs/design/http-carriers.md §4): a JSON POST to /v1/Account/{auth_id}/Message/
 * with Basic auth, the route's status callback as `url`. Plivo encodes and splits the text itself and
 * answers one uuid per destination (its part count comes later, as `Units` in the status callback).
 */

export function plivoRequest(config: PlivoConfig, message: OutboundSms, statusUrl: string) {
  const body: Record<string, unknown> = {
    dst: message.to.replace(/^\+/, ''),
    text: message.text,
    type: 'sms',
    url: statusUrl,
    method: 'POST',
  };
  if (config.powerpackUuid && !config.sender) body.powerpack_uuid = config.powerpackUuid;
  else body.src = (config.sender ?? message.from).replace(/^\+(?=\d+$)/, '');
  const auth = Buffer.from(`${config.authId}:${config.authToken}`).toString('base64');
  return {
    method: 'POST' as const,
    url: `${config.baseUrl.replace(/\/+$/, '')}/v1/Account/${config.authId}/Message/`,
    headers: {
      authorization: `Basic ${auth}`,
      'content-type': 'application/json',
      accept: 'application/json',
    },
    body: JSON.stringify(body),
  };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const excerpt = (body: string) => body.slice(0, 120).replace(/\s+/g, ' ').trim() || '(empty)';

export function plivoAnswer(response: CarrierResponse, now: number): SubmitResult {
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch {
    json = undefined;
  }
  const failure = statusFailure(response, now);
  if (failure) {
    // Plivo names no code per cause, only a sentence: the field it names decides a 400.
    const text = isObject(json) && typeof json.error === 'string' ? json.error.slice(0, 200) : '';
    if (!text) throw failure;
    const detail = `Plivo ${response.status}: ${text}`;
    if (response.status === 400) {
      const code = /\bdst\b|destination/i.test(text)
        ? 'invalid_destination'
        : /\bsrc\b|source|sender/i.test(text)
          ? 'invalid_sender'
          : 'invalid_message';
      throw new RouteError(code, detail, failure.carrierCode);
    }
    throw new RouteError(failure.code, detail, failure.carrierCode, failure.retryAfterMs);
  }
  if (!isObject(json))
    throw new RouteError(
      'carrier_error',
      `Plivo answered ${response.status} without JSON: ${excerpt(response.body)}`,
    );
  const uuid = Array.isArray(json.message_uuid) ? json.message_uuid[0] : undefined;
  if (typeof uuid !== 'string' || uuid.length === 0 || uuid.length > 100)
    throw new RouteError('carrier_error', `Plivo answered ${response.status} without a message_uuid`);
  return { carrierRef: uuid, partRefs: [uuid] };
}

export function createPlivoRoute(config: PlivoConfig, deps: RouteAdapterDeps): SmsRoute & { close(): void } {
  const statusUrl = deps.callbackUrl('status');
  return createVendorRoute({
    id: deps.id,
    clock: deps.clock,
    logger: deps.logger,
    connection: config,
    shared: deps.sharedThroughput?.(config.throughput) ?? null,
    build: (message) => plivoRequest(config, message, statusUrl),
    interpret: (response) => plivoAnswer(response, deps.clock.now()),
  });
}
