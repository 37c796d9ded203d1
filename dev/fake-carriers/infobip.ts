import { analyzeText } from '../../src/modules/codec';
import { type Answer, callBack, type FakeServer, HTML_PAGE, hex, mediaType, startFakeServer } from './base';

/**
 * A fake of Infobip's SMS API v3 (docs/design/http-carriers.md §3): `POST /sms/3/messages` with
 * `Authorization: App <key>` and a JSON body `{messages: [{sender, destinations: [{to, messageId}],
 * content: {text}, options, webhooks}]}`; message-level refusals as a 200 whose status is in group 5
 * (REJECTED), request errors as 4xx; delivery reports posted to `webhooks.delivery.url` in batches
 * (`{results: [...]}`), inbound messages as Infobip's MO_JSON_2 (`{results, messageCount,
 * pendingMessageCount}`). Infobip signs neither: the token in the URL (and optional Basic credentials)
 * is the whole authentication.
 *
 * Besides the shared number endings (base.ts): `…0402` is refused for want of credits
 * (REJECTED_NOT_ENOUGH_CREDITS), and a `to` that is not digits answers 400 naming the field.
 */

export const INFOBIP_TEST_ACCOUNT = { apiKey: 'fake-infobip-api-key-0000000000000001' };

type Status = { groupId: number; groupName: string; id: number; name: string; description: string };
const status = (
  groupId: number,
  groupName: string,
  id: number,
  name: string,
  description: string,
): Status => ({
  groupId,
  groupName,
  id,
  name,
  description,
});

/** Statuses from Infobip's status table (group, id, name). */
export const INFOBIP_STATUSES = {
  PENDING_ACCEPTED: status(1, 'PENDING', 26, 'PENDING_ACCEPTED', 'Message sent to next instance'),
  PENDING_ENROUTE: status(1, 'PENDING', 7, 'PENDING_ENROUTE', 'Message sent to next instance'),
  DELIVERED_TO_OPERATOR: status(3, 'DELIVERED', 2, 'DELIVERED_TO_OPERATOR', 'Message delivered to operator'),
  DELIVERED_TO_HANDSET: status(3, 'DELIVERED', 5, 'DELIVERED_TO_HANDSET', 'Message delivered to handset'),
  UNDELIVERABLE_NOT_DELIVERED: status(
    2,
    'UNDELIVERABLE',
    9,
    'UNDELIVERABLE_NOT_DELIVERED',
    'Message not delivered',
  ),
  EXPIRED_EXPIRED: status(4, 'EXPIRED', 15, 'EXPIRED_EXPIRED', 'Message expired'),
  REJECTED_DESTINATION: status(5, 'REJECTED', 52, 'REJECTED_DESTINATION', 'Invalid destination address'),
  REJECTED_DESTINATION_BLOCKLISTED: status(
    5,
    'REJECTED',
    14,
    'REJECTED_DESTINATION_BLOCKLISTED',
    'The destination address is blocklisted',
  ),
  REJECTED_NOT_ENOUGH_CREDITS: status(5, 'REJECTED', 12, 'REJECTED_NOT_ENOUGH_CREDITS', 'Not enough credits'),
  REJECTED_DUPLICATE_MESSAGE_ID: status(
    5,
    'REJECTED',
    23,
    'REJECTED_DUPLICATE_MESSAGE_ID',
    'Duplicate message id',
  ),
} as const;
export type InfobipStatusName = keyof typeof INFOBIP_STATUSES;

const NO_ERROR = {
  groupId: 0,
  groupName: 'OK',
  id: 0,
  name: 'NO_ERROR',
  description: 'No Error',
  permanent: false,
};
const ABSENT = {
  groupId: 1,
  groupName: 'HANDSET_ERRORS',
  id: 27,
  name: 'EC_ABSENT_SUBSCRIBER',
  description: 'Absent Subscriber',
  permanent: false,
};

export interface InfobipSent {
  messageId: string;
  to: string;
  sender: string | null;
  text: string;
  deliveryUrl: string | null;
  validityPeriod: unknown;
  smsCount: number;
}

type Signature = 'good' | 'bad' | 'none';

export interface FakeInfobip extends FakeServer {
  apiKey: string;
  sent: InfobipSent[];
  /**
   * Posts one batch of delivery reports to the delivery URL of the first message, as Infobip does.
   * `signature`: `good` (the URL as given, Basic credentials when set), `bad` (the token changed), `none`
   * (the token taken out).
   */
  deliveryReports(
    reports: Array<{ messageId: string; status: InfobipStatusName }>,
    options?: { signature?: Signature; url?: string },
  ): Promise<{ status: number; body: string }>;
  /** Posts inbound messages (MO_JSON_2) to `url`. */
  inbound(
    url: string,
    messages: Array<{ from: string; to: string; text: string }>,
    options?: { signature?: Signature },
  ): Promise<{ status: number; body: string }>;
}

function apiError(status: number, errorCode: string, description: string, violations: object[] = []): Answer {
  return {
    status,
    body: { errorCode, description, action: 'Check the request.', violations, resources: [] },
  };
}
function serviceException(
  status: number,
  messageId: string,
  text: string,
  headers?: Record<string, string>,
): Answer {
  return { status, headers, body: { requestError: { serviceException: { messageId, text } } } };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export async function startFakeInfobip(
  options: {
    port?: number;
    slowMs?: number;
    apiKey?: string;
    /** Basic credentials put on every callback (a BASIC security setting). */
    callbackAuth?: { username: string; password: string };
    /** Post each accepted message's final report this much later, batched per URL. */
    autoReceiptMs?: number;
  } = {},
): Promise<FakeInfobip> {
  const apiKey = options.apiKey ?? INFOBIP_TEST_ACCOUNT.apiKey;
  const sent: InfobipSent[] = [];
  const ids = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  const pending = new Map<string, Array<{ messageId: string; status: InfobipStatusName }>>();

  function schedule(url: string, report: { messageId: string; status: InfobipStatusName }) {
    const queue = pending.get(url) ?? [];
    queue.push(report);
    pending.set(url, queue);
    if (queue.length > 1) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      const batch = pending.get(url) ?? [];
      pending.delete(url);
      fake.deliveryReports(batch, { url }).catch(() => undefined);
    }, options.autoReceiptMs);
    timers.add(timer);
  }

  const server = await startFakeServer({
    port: options.port,
    control(name, body) {
      if (name === 'status')
        return fake
          .deliveryReports(
            [
              {
                messageId: String(body.messageId),
                status: String(body.status ?? 'DELIVERED_TO_HANDSET') as InfobipStatusName,
              },
            ],
            { signature: body.signature as Signature | undefined },
          )
          .then((r) => ({ status: 200, body: { answered: r.status } }));
      if (name === 'inbound')
        return fake
          .inbound(
            String(body.url),
            [{ from: String(body.from), to: String(body.to), text: String(body.text ?? '') }],
            {
              signature: body.signature as Signature | undefined,
            },
          )
          .then((r) => ({ status: 200, body: { answered: r.status } }));
      return null;
    },
    handle({ request, behaviour }) {
      if (request.url.split('?')[0] !== '/sms/3/messages')
        return serviceException(404, 'NOT_FOUND', 'Not found');
      if (request.method !== 'POST') return serviceException(405, 'METHOD_NOT_ALLOWED', 'Method not allowed');
      if (request.headers.authorization !== `App ${apiKey}`)
        return serviceException(401, 'UNAUTHORIZED', 'Invalid login details');
      if (mediaType(request.headers) !== 'application/json')
        return apiError(415, 'E415', 'Unsupported media type: send application/json.');
      let json: unknown;
      try {
        json = JSON.parse(request.body);
      } catch {
        return apiError(400, 'E400', 'Request body is not valid JSON.');
      }
      const messages = isObject(json) && Array.isArray(json.messages) ? json.messages : null;
      if (!messages || messages.length === 0)
        return apiError(400, 'E400', 'Bad request', [
          { property: 'messages', violation: 'must not be empty' },
        ]);
      const out: object[] = [];
      const bulkId = `fake-bulk-${hex(8)}`;
      for (const [i, message] of messages.entries()) {
        if (!isObject(message))
          return apiError(400, 'E400', 'Bad request', [
            { property: `messages[${i}]`, violation: 'must be an object' },
          ]);
        const content = isObject(message.content) ? message.content : {};
        if (typeof content.text !== 'string' || content.text.length === 0)
          return apiError(400, 'E400', 'Bad request', [
            { property: `messages[${i}].content.text`, violation: 'must not be blank' },
          ]);
        const destinations = Array.isArray(message.destinations) ? message.destinations : [];
        if (destinations.length === 0)
          return apiError(400, 'E400', 'Bad request', [
            { property: `messages[${i}].destinations`, violation: 'must not be empty' },
          ]);
        const webhooks = isObject(message.webhooks) ? message.webhooks : {};
        const delivery = isObject(webhooks.delivery) ? webhooks.delivery : {};
        if (delivery.url !== undefined && !(typeof delivery.url === 'string' && URL.canParse(delivery.url)))
          return apiError(400, 'E400', 'Bad request', [
            { property: `messages[${i}].webhooks.delivery.url`, violation: 'must be a valid URL' },
          ]);
        const validity = isObject(message.options) ? message.options.validityPeriod : undefined;
        if (
          validity !== undefined &&
          !(
            isObject(validity) &&
            Number.isInteger(validity.amount) &&
            (validity.amount as number) > 0 &&
            (validity.timeUnit === undefined ||
              ['SECONDS', 'MINUTES', 'HOURS', 'DAYS'].includes(String(validity.timeUnit)))
          )
        )
          return apiError(400, 'E400', 'Bad request', [
            { property: `messages[${i}].options.validityPeriod`, violation: 'is invalid' },
          ]);
        for (const [j, destination] of destinations.entries()) {
          const to = isObject(destination) ? destination.to : undefined;
          if (typeof to !== 'string' || !/^\+?\d{3,15}$/.test(to))
            return apiError(400, 'E400', 'Bad request', [
              { property: `messages[${i}].destinations[${j}].to`, violation: 'must be a valid phone number' },
            ]);
          const how = behaviour(to);
          if (how === 'throttle')
            return serviceException(429, 'TOO_MANY_REQUESTS', 'Too many requests', { 'retry-after': '7' });
          if (how === 'server_error')
            return serviceException(500, 'GENERAL_ERROR', 'Something went wrong. Please contact support.');
          if (how === 'html')
            return { status: 200, headers: { 'content-type': 'text/html' }, body: HTML_PAGE };
          if (how === 'empty') return { status: 200, body: '' };
          const given =
            isObject(destination) && typeof destination.messageId === 'string' ? destination.messageId : null;
          const messageId = given ?? `${hex(10)}`;
          let state: Status = INFOBIP_STATUSES.PENDING_ACCEPTED;
          if (ids.has(messageId)) state = INFOBIP_STATUSES.REJECTED_DUPLICATE_MESSAGE_ID;
          else if (how === 'bad_number') state = INFOBIP_STATUSES.REJECTED_DESTINATION;
          else if (how === 'refused') state = INFOBIP_STATUSES.REJECTED_DESTINATION_BLOCKLISTED;
          else if (to.endsWith('0402')) state = INFOBIP_STATUSES.REJECTED_NOT_ENOUGH_CREDITS;
          const smsCount = analyzeText(content.text).segments;
          if (state.groupId === 1) {
            ids.add(messageId);
            const deliveryUrl = typeof delivery.url === 'string' ? delivery.url : null;
            sent.push({
              messageId,
              to,
              sender: typeof message.sender === 'string' ? message.sender : null,
              text: content.text,
              deliveryUrl,
              validityPeriod: validity ?? null,
              smsCount,
            });
            if (options.autoReceiptMs !== undefined && deliveryUrl)
              schedule(deliveryUrl, {
                messageId,
                status: to.endsWith('0410') ? 'UNDELIVERABLE_NOT_DELIVERED' : 'DELIVERED_TO_HANDSET',
              });
          }
          out.push({ messageId, status: state, destination: to, details: { messageCount: smsCount } });
          if (how === 'slow')
            return { status: 200, delayMs: options.slowMs ?? 15_000, body: { bulkId, messages: out } };
        }
      }
      return { status: 200, body: { bulkId, messages: out } };
    },
  });

  async function post(url: string, body: object, signature: Signature = 'good') {
    const target = new URL(url);
    if (signature === 'bad') target.searchParams.set('token', `${target.searchParams.get('token') ?? ''}x`);
    if (signature === 'none') target.searchParams.delete('token');
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.callbackAuth && signature === 'good')
      headers.authorization = `Basic ${Buffer.from(`${options.callbackAuth.username}:${options.callbackAuth.password}`).toString('base64')}`;
    return callBack(target.toString(), { headers, body: JSON.stringify(body) });
  }

  const fake: FakeInfobip = {
    ...server,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      await server.close();
    },
    apiKey,
    sent,
    deliveryReports(reports, opts = {}) {
      const first = sent.find((m) => m.messageId === reports[0]?.messageId);
      const url = opts.url ?? first?.deliveryUrl;
      if (!url) throw new Error('no delivery URL for these reports');
      const now = new Date().toISOString().replace('Z', '+0000');
      const results = reports.map((r) => {
        const m = sent.find((s) => s.messageId === r.messageId);
        const state = INFOBIP_STATUSES[r.status];
        return {
          bulkId: 'fake-bulk',
          price: { pricePerMessage: 0.01, currency: 'EUR' },
          status: state,
          error: state.groupId === 2 ? ABSENT : NO_ERROR,
          messageId: r.messageId,
          doneAt: now,
          messageCount: m?.smsCount ?? 1,
          sentAt: now,
          to: m?.to ?? '37120000000',
        };
      });
      return post(url, { results }, opts.signature);
    },
    inbound(url, messages, opts = {}) {
      const results = messages.map((m) => ({
        messageId: hex(12),
        from: m.from,
        to: m.to,
        text: m.text,
        cleanText: m.text,
        keyword: '',
        receivedAt: new Date().toISOString().replace('Z', '+0000'),
        smsCount: analyzeText(m.text).segments,
        price: { pricePerMessage: 0, currency: 'EUR' },
        callbackData: null,
      }));
      return post(url, { results, messageCount: results.length, pendingMessageCount: 0 }, opts.signature);
    },
  };
  return fake;
}
