import { parseArgs } from 'node:util';
import { startFakeInfobip } from './fake-carriers/infobip';
import { startFakePlivo } from './fake-carriers/plivo';
import { startFakeTelnyx } from './fake-carriers/telnyx';
import { startFakeTwilio } from './fake-carriers/twilio';
import { startFakeVonage } from './fake-carriers/vonage';

/**
 * Runs one vendor's fake API by hand, for trying a vendor route without the vendor's cloud:
 *
 *   npx tsx dev/fake-carrier.ts twilio --port 4010
 *
 * It prints its base URL and the route config to paste into the back office (test credentials), then
 * answers sends as the vendor does (see dev/fake-carriers/base.ts for the numbers that fail on purpose)
 * and, unless `--auto-receipt-ms -1`, posts each message's delivery report to the status callback URL the
 * send named.
 */

interface Started {
  url: string;
  config: Record<string, unknown>;
  /** The vendor's own control calls, for the help text. */
  controls: string[];
  close(): Promise<void>;
}

const VENDORS: Record<
  string,
  (o: { port: number; autoReceiptMs?: number; slowMs: number }) => Promise<Started>
> = {
  async twilio(o) {
    const fake = await startFakeTwilio(o);
    return {
      url: fake.url,
      config: { accountSid: fake.accountSid, authToken: fake.authToken, baseUrl: fake.url },
      controls: [
        'POST /_fake/status {"sid":"SM…","status":"delivered","errorCode":"30003","signature":"good|bad|none"}',
        'POST /_fake/inbound {"url":"<inbound callback URL>","from":"+371…","to":"+371…","text":"…"}',
      ],
      close: fake.close,
    };
  },
  async infobip(o) {
    const fake = await startFakeInfobip(o);
    return {
      url: fake.url,
      config: { apiKey: fake.apiKey, baseUrl: fake.url },
      controls: [
        'POST /_fake/status {"messageId":"…","status":"DELIVERED_TO_HANDSET","signature":"good|bad|none"}',
        'POST /_fake/inbound {"url":"<inbound callback URL with ?token=>","from":"371…","to":"371…","text":"…"}',
      ],
      close: fake.close,
    };
  },
  async vonage(o) {
    const fake = await startFakeVonage(o);
    return {
      url: fake.url,
      config: { apiKey: fake.apiKey, apiSecret: fake.apiSecret, baseUrl: fake.url },
      controls: [
        'POST /_fake/status {"messageId":"<part id>","status":"delivered","errCode":"0","signature":"good|bad|none"}',
        'POST /_fake/inbound {"url":"<inbound callback URL with ?token=>","from":"371…","to":"371…","text":"…"}',
      ],
      close: fake.close,
    };
  },
  async telnyx(o) {
    const fake = await startFakeTelnyx(o);
    return {
      url: fake.url,
      config: { apiKey: fake.apiKey, publicKey: fake.publicKey, baseUrl: fake.url },
      controls: [
        'POST /_fake/status {"id":"<message id>","status":"delivered|delivery_failed|sent","signature":"good|bad|none|stale"}',
        'POST /_fake/inbound {"url":"<inbound callback URL>","from":"+371…","to":"+371…","text":"…"}',
      ],
      close: fake.close,
    };
  },
  async plivo(o) {
    const fake = await startFakePlivo(o);
    return {
      url: fake.url,
      config: { authId: fake.authId, authToken: fake.authToken, baseUrl: fake.url },
      controls: [
        'POST /_fake/status {"uuid":"<message_uuid>","status":"delivered|undelivered|failed","errorCode":"20","signature":"good|bad|none"}',
        'POST /_fake/inbound {"url":"<inbound callback URL>","from":"371…","to":"371…","text":"…"}',
      ],
      close: fake.close,
    };
  },
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: 'string', default: '4010' },
    'auto-receipt-ms': { type: 'string', default: '2000' },
    'slow-ms': { type: 'string', default: '15000' },
  },
});
const vendor = positionals[0] ?? '';
const start = VENDORS[vendor];
if (!start) {
  process.stderr.write(
    `usage: npx tsx dev/fake-carrier.ts <${Object.keys(VENDORS).join('|')}> [--port 4010]\n`,
  );
  process.exit(2);
}
const autoReceiptMs = Number(values['auto-receipt-ms']);
const started = await start({
  port: Number(values.port),
  slowMs: Number(values['slow-ms']),
  ...(autoReceiptMs >= 0 ? { autoReceiptMs } : {}),
});
process.stdout.write(
  [
    `fake ${vendor} listening on ${started.url}`,
    `route config (type "${vendor}"): ${JSON.stringify(started.config)}`,
    'destinations ending 0400 bad number, 0403 refused, 0429 throttled, 0500 server error, 0408 slow,',
    '  0200 HTML body, 0204 empty body, 0410 undelivered receipt; anything else is delivered',
    `control: GET /_fake/requests, POST /_fake/next {"behaviour":"throttle"}`,
    ...started.controls.map((c) => `  ${c}`),
    '',
  ].join('\n'),
);
const stop = () => void started.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
