import type { OutboundSms, RouteAdapterDeps, SmsRoute, SubmitResult } from '../../modules/dispatch';
import { RouteError } from '../../modules/dispatch';
import type { CarrierResponse } from '../http-carrier/transport';
import { statusFailure } from '../http-carrier/transport';
import { createVendorRoute } from '../http-carrier/vendor-route';
import type { TwilioConfig } from './config';

/**
 * Twilio's Messages API (docs/design/http-carriers.md §1): one form-encoded POST per message, Basic auth
 * with the Account SID and auth token; Twilio encodes and splits the text itself.
 */

/** Twilio accepts a ValidityPeriod of 1 to 36,000 seconds (error 21624/90007 outside it). */
const MAX_VALIDITY_S = 36_000;

export function twilioRequest(
  config: TwilioConfig,
  message: OutboundSms,
  statusCallback: string,
  now: number,
) {
  const form = new URLSearchParams();
  form.set('To', message.to);
  const from = config.from ?? (config.messagingServiceSid ? null : message.from);
  if (from) form.set('From', from);
  if (config.messagingServiceSid) form.set('MessagingServiceSid', config.messagingServiceSid);
  form.set('Body', message.text);
  form.set('StatusCallback', statusCallback);
  if (message.validUntil !== null) {
    const seconds = Math.ceil((message.validUntil - now) / 1000);
    form.set('ValidityPeriod', String(Math.min(MAX_VALIDITY_S, Math.max(1, seconds))));
  }
  const auth = Buffer.from(`${config.accountSid}:${config.authToken}`).toString('base64');
  return {
    method: 'POST' as const,
    url: `${config.baseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${config.accountSid}/Messages.json`,
    headers: {
      authorization: `Basic ${auth}`,
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body: form.toString(),
  };
}

/** Twilio error codes (the `code` of an error body) that say more than the HTTP status. */
const TWILIO_CODES: Record<string, RouteError['code']> = {
  '21211': 'invalid_destination', // invalid 'To' number
  '21614': 'invalid_destination', // 'To' is not a mobile number
  '21604': 'invalid_destination', // 'To' is required
  '21212': 'invalid_sender', // invalid 'From' number
  '21606': 'invalid_sender', // 'From' is not a number of this account
  '21401': 'invalid_sender',
  '21602': 'invalid_message', // body required
  '21617': 'invalid_message', // body over 1,600 characters
  '21624': 'invalid_message', // validity period out of range
  '20003': 'auth_failed',
  '20429': 'throttled',
};

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

const excerpt = (body: string) => body.slice(0, 120).replace(/\s+/g, ' ').trim() || '(empty)';

export function twilioAnswer(
  response: CarrierResponse,
  message: OutboundSms,
  now: number,
  onSegments?: (theirs: number) => void,
): SubmitResult {
  const json = parseJson(response.body) as Record<string, unknown> | undefined;
  const failure = statusFailure(response, now);
  if (failure) {
    const code =
      json && (typeof json.code === 'number' || typeof json.code === 'string') ? String(json.code) : null;
    if (!code) throw failure;
    const detail = `Twilio ${code}: ${String(json?.message ?? '').slice(0, 200)}`;
    const mapped = TWILIO_CODES[code];
    if (mapped) throw new RouteError(mapped, detail, code, failure.retryAfterMs);
    // 21xxx are refusals of this message (STOP, region not enabled, …); others keep the HTTP class.
    if (code.startsWith('21') && response.status < 500)
      throw new RouteError('rejected_by_carrier', detail, code);
    throw new RouteError(failure.code, detail, code, failure.retryAfterMs);
  }
  if (!json || typeof json !== 'object')
    throw new RouteError(
      'carrier_error',
      `Twilio answered ${response.status} without JSON: ${excerpt(response.body)}`,
    );
  const sid = json.sid;
  if (typeof sid !== 'string' || !/^[SM]M[0-9a-fA-F]{32}$/.test(sid))
    throw new RouteError('carrier_error', `Twilio answered ${response.status} without a message sid`);
  // num_segments is a string, and "0" while a Messaging Service has not chosen the sender yet.
  const segments = Number(json.num_segments);
  if (onSegments && Number.isInteger(segments) && segments > 0 && segments !== message.segments)
    onSegments(segments);
  return { carrierRef: sid, partRefs: [sid] };
}

export function createTwilioRoute(
  config: TwilioConfig,
  deps: RouteAdapterDeps,
): SmsRoute & { close(): void } {
  const statusCallback = deps.callbackUrl('status');
  return createVendorRoute({
    id: deps.id,
    clock: deps.clock,
    logger: deps.logger,
    connection: config,
    shared: deps.sharedThroughput?.(config.throughput) ?? null,
    build: (message) => twilioRequest(config, message, statusCallback, deps.clock.now()),
    interpret: (response, message) =>
      twilioAnswer(response, message, deps.clock.now(), (theirs) =>
        deps.logger.info(
          { messageId: message.messageId, segments: message.segments, carrierSegments: theirs },
          'Twilio counts a different number of parts',
        ),
      ),
  });
}
