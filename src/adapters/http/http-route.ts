import { performance } from 'node:perf_hooks';
import { concatUdh, splitSegments } from '../../modules/codec';
import type { RouteAdapterDeps } from '../../modules/dispatch';
import { type OutboundSms, RouteError, type RouteHealth, type SmsRoute } from '../../modules/route-port';
import { createCarrierHttp } from '../http-carrier/transport';
import { MinuteCounter } from '../minute-counter';
import { createAnswerReader } from './answer';
import { CONFIG_PLACEHOLDERS, type HttpRouteConfig } from './config';
import { compileTemplate, MESSAGE_PLACEHOLDERS, type Template } from './template';

/** A pause the carrier asked for (429 Retry-After) longer than this sends the message back to the queue. */
const MAX_PAUSE_WAIT_MS = 5_000;
/** A 429 without Retry-After pauses the route this long. */
const DEFAULT_THROTTLE_PAUSE_MS = 1_000;
/** After a failed connection (or refused credentials) the route reports no bind for this long, then tries again. */
const CONNECT_COOLDOWN_MS = 5_000;
const AUTH_COOLDOWN_MS = 30_000;

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new RouteError('unreachable', 'request withdrawn'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new RouteError('unreachable', 'request withdrawn'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The route's templates, compiled once. */
function compile(config: HttpRouteConfig) {
  const known = (name: string) =>
    (MESSAGE_PLACEHOLDERS as readonly string[]).includes(name) ||
    (name.startsWith('config.') &&
      ((CONFIG_PLACEHOLDERS as readonly string[]).includes(name.slice(7)) ||
        Object.hasOwn(config.settings, name.slice(7))));
  const t = (source: string) => compileTemplate(source, known);
  return {
    url: t(config.url),
    body: config.body === undefined ? null : t(config.body),
    dlrQuery: config.dlrQuery === undefined ? null : t(config.dlrQuery),
    headers: Object.entries(config.headers).map(([k, v]): [string, Template] => [k, t(v)]),
  };
}

/**
 * The generic HTTP route: each message is one request (or one per part with `split: "udh"`) built from
 * the route's templates, sent through the route's pooled client; the answer is read by the success rule
 * and the error mapping. A 429 pauses every message of the route for its Retry-After; connection
 * failures and refused credentials take the route out of failover order for a cooldown.
 */
export function createHttpRoute(config: HttpRouteConfig, deps: RouteAdapterDeps): SmsRoute {
  const templates = compile(config);
  const answers = createAnswerReader(config);
  const http = createCarrierHttp({ maxSockets: config.maxConnections, timeoutMs: config.timeoutMs });
  const statusUrl = `${deps.callbackUrl('status')}?token=${encodeURIComponent(config.callbackToken)}`;
  const fixed: Record<string, string> = {
    'config.username': config.username ?? '',
    'config.password': config.password ?? '',
    'config.apiKey': config.apiKey ?? '',
    'config.basicAuth': Buffer.from(`${config.username ?? ''}:${config.password ?? ''}`).toString('base64'),
  };
  for (const [k, v] of Object.entries(config.settings)) fixed[`config.${k}`] = v;

  const shared = config.throughput > 0 ? (deps.sharedThroughput?.(config.throughput) ?? null) : null;
  const sent = new MinuteCounter();
  const errors = new MinuteCounter();
  const requests = new MinuteCounter();
  const errorsByCode = new Map<string, MinuteCounter>();
  let inFlight = 0;
  let lastError: string | null = null;
  let pausedUntil = 0;
  let nextSlot = 0;
  let downUntil = 0;

  /** The refusals of turn(): the carrier said nothing new, so nothing is counted. */
  const waits = new WeakSet<RouteError>();

  function fail(error: RouteError): RouteError {
    if (waits.has(error)) return error;
    const now = deps.clock.now();
    errors.add(now);
    const counter = errorsByCode.get(error.code) ?? new MinuteCounter();
    errorsByCode.set(error.code, counter);
    counter.add(now);
    lastError = `${error.code}: ${error.message}`.slice(0, 300);
    if (error.code === 'unreachable' || error.code === 'timeout') downUntil = now + CONNECT_COOLDOWN_MS;
    else if (error.code === 'auth_failed') downUntil = now + AUTH_COOLDOWN_MS;
    else if (error.code === 'throttled')
      pausedUntil = Math.max(pausedUntil, now + (error.retryAfterMs ?? DEFAULT_THROTTLE_PAUSE_MS));
    return error;
  }

  /**
   * Waits out the carrier's pause (once: every message waiting then goes) and the route's pace; a pause
   * too long to wait in line is the dispatcher's to schedule, with the time left as its Retry-After.
   */
  async function turn(signal: AbortSignal | undefined): Promise<void> {
    const pause = pausedUntil - deps.clock.now();
    if (pause > MAX_PAUSE_WAIT_MS) {
      const error = new RouteError(
        'throttled',
        'the carrier asked to pause this route',
        null,
        Math.ceil(pause),
      );
      waits.add(error);
      throw error;
    }
    if (pause > 0) await sleep(pause, signal);
    if (config.throughput > 0) {
      const now = performance.now();
      const at = Math.max(now, nextSlot);
      nextSlot = at + 1000 / config.throughput;
      if (at > now) await sleep(at - now, signal);
      await shared?.acquire(signal);
    }
  }

  /**
   * At most maxConnections requests at once: the rest wait here, not in the socket pool, so that a
   * request's deadline covers only the carrier's time (a request timed out while queued for a socket, or
   * just after getting one, would be sent twice).
   */
  let free = config.maxConnections;
  const queue: Array<() => void> = [];
  async function slot(signal: AbortSignal | undefined): Promise<() => void> {
    if (signal?.aborted) throw new RouteError('unreachable', 'request withdrawn');
    if (free > 0) free--;
    else
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          const at = queue.indexOf(wake);
          if (at >= 0) queue.splice(at, 1);
          reject(new RouteError('unreachable', 'request withdrawn'));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(wake);
      });
    return () => {
      const next = queue.shift();
      if (next) next();
      else free++;
    };
  }

  async function submit(values: Record<string, string>, message: OutboundSms): Promise<string> {
    await turn(message.signal);
    const release = await slot(message.signal);
    try {
      return await request(values, message);
    } finally {
      release();
    }
  }

  async function request(values: Record<string, string>, message: OutboundSms): Promise<string> {
    const headers: Record<string, string> = {};
    for (const [name, t] of templates.headers) headers[name] = t.render(values);
    const body = templates.body?.render(values);
    if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['content-type'] = config.contentType;
    inFlight++;
    requests.add(deps.clock.now());
    try {
      const response = await http.request({
        method: config.method,
        url: templates.url.render(values),
        headers,
        ...(body !== undefined ? { body } : {}),
        ...(message.signal ? { signal: message.signal } : {}),
      });
      downUntil = 0;
      return answers.read(response, message.messageId, Date.now());
    } finally {
      inFlight--;
    }
  }

  return {
    id: deps.id,
    async send(message) {
      const base: Record<string, string> = {
        ...fixed,
        to: message.to,
        toDigits: message.to.replace(/^\+/, ''),
        from: message.from,
        text: message.text,
        udh: '',
        messageId: message.messageId,
        segments: String(message.segments),
        encoding: message.encoding,
        coding: message.encoding === 'UCS-2' ? '2' : '0',
        part: '1',
        parts: '1',
        validityMinutes:
          message.validUntil === null
            ? ''
            : String(Math.max(1, Math.ceil((message.validUntil - deps.clock.now()) / 60_000))),
      };
      base.dlrUrl = templates.dlrQuery ? `${statusUrl}&${templates.dlrQuery.render(base)}` : statusUrl;
      try {
        if (config.split !== 'udh' || message.segments <= 1) {
          const ref = await submit(base, message);
          sent.add(deps.clock.now());
          return { carrierRef: ref, partRefs: [ref] };
        }
        let parts: string[];
        try {
          parts = splitSegments(message.text, message.encoding);
        } catch (error) {
          // A text its encoding cannot hold: sending it again would not help.
          throw new RouteError('invalid_message', String((error as Error).message));
        }
        const reference = Math.floor(Math.random() * 256);
        const refs: string[] = [];
        for (const [i, text] of parts.entries()) {
          const udh = concatUdh(reference, parts.length, i + 1)
            .toString('hex')
            .toUpperCase();
          const values = { ...base, text, udh, part: String(i + 1), parts: String(parts.length) };
          refs.push(await submit(values, message));
        }
        sent.add(deps.clock.now());
        return { carrierRef: refs[0]!, partRefs: refs };
      } catch (error) {
        throw fail(
          error instanceof RouteError
            ? error
            : new RouteError('carrier_error', String((error as Error).message)),
        );
      }
    },
    async start() {},
    async stop() {
      http.close();
    },
    health(): RouteHealth & Record<string, unknown> {
      const now = deps.clock.now();
      const byCode: Record<string, number> = {};
      for (const [code, counter] of errorsByCode) {
        const n = counter.total(now);
        if (n > 0) byCode[code] = n;
      }
      return {
        // "Bound" while the last request reached the carrier; after a cooldown the next message tries again.
        connectedBinds: now < downUntil ? 0 : 1,
        inFlight,
        sentLastMinute: sent.total(now),
        errorsLastMinute: errors.total(now),
        lastError,
        requestsPerSecond: Math.round((requests.total(now) / 60) * 10) / 10,
        errorsByCode: byCode,
        pausedForMs: Math.max(0, pausedUntil - now),
      };
    },
  };
}
