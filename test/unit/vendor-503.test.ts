import { describe, expect, it } from 'vitest';
import type { CarrierResponse } from '../../src/adapters/http-carrier/transport';
import { infobipAnswer } from '../../src/adapters/infobip/infobip-route';
import { plivoAnswer } from '../../src/adapters/plivo/plivo-route';
import { telnyxAnswer } from '../../src/adapters/telnyx/telnyx-route';
import { twilioAnswer } from '../../src/adapters/twilio/twilio-route';
import { vonageAnswer } from '../../src/adapters/vonage/vonage-route';
import { RouteError } from '../../src/modules/dispatch';
import { outbound } from '../helpers/carrier-harness';

/**
 * A 503 from a vendor, read by each vendor route (docs/design/http-carriers.md, common rules): with a
 * Retry-After it is the vendor pacing us (`throttled`, wait as told, same route); bare, it is an outage
 * like any 5xx (`carrier_error`, retryable: the message fails over to the next route of its rule).
 */

const NOW = Date.parse('2026-12-07T12:00:00Z');

/** Each vendor's answer reader, and the body it sends with a 503 (its error shape, or none at all). */
const VENDORS: Array<{ name: string; read(r: CarrierResponse): unknown; body: string }> = [
  {
    name: 'twilio',
    read: (r) => twilioAnswer(r, outbound(), NOW),
    body: '{"code":20503,"message":"Service unavailable","more_info":"https://www.twilio.com/docs/errors/20503","status":503}',
  },
  {
    name: 'infobip',
    read: (r) => infobipAnswer(r, outbound(), NOW),
    body: '{"requestError":{"serviceException":{"messageId":"GENERAL_ERROR","text":"Service unavailable"}}}',
  },
  { name: 'vonage', read: (r) => vonageAnswer(r, NOW), body: '' },
  {
    name: 'telnyx',
    read: (r) => telnyxAnswer(r, NOW),
    body: '{"errors":[{"code":"10007","title":"Unexpected error"}]}',
  },
  { name: 'plivo', read: (r) => plivoAnswer(r, NOW), body: '{"api_id":"x","error":"service unavailable"}' },
];

function thrown(read: () => unknown): RouteError {
  try {
    read();
  } catch (error) {
    if (error instanceof RouteError) return error;
    throw error;
  }
  throw new Error('expected the answer to be refused');
}

describe.each(VENDORS)('$name answering 503', (vendor) => {
  const answer = (headers: Record<string, string>, body: string): CarrierResponse => ({
    status: 503,
    headers,
    body,
    truncated: false,
  });

  it.each([
    ['its error body', vendor.body],
    ['an HTML page', '<html><body>503 Service Unavailable</body></html>'],
  ])('bare, with %s: carrier_error, retryable, no wait (fails over)', (_what, body) => {
    const error = thrown(() => vendor.read(answer({}, body)));
    expect(error).toMatchObject({ code: 'carrier_error', retryable: true, retryAfterMs: null });
  });

  it('with Retry-After: throttled for as long as it says', () => {
    const error = thrown(() => vendor.read(answer({ 'retry-after': '30' }, vendor.body)));
    expect(error).toMatchObject({ code: 'throttled', retryable: true, retryAfterMs: 30_000 });
  });
});
