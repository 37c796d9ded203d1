import http from 'node:http';
import https from 'node:https';
import { RouteError } from '../../modules/route-port';

/**
 * The HTTP client every HTTP carrier route sends through: one kept-alive connection pool per route (its
 * size is the route's concurrency towards the carrier), a hard deadline on every request, and a bounded
 * read of the answer. Carriers are configured by the operator, so private addresses are allowed (local
 * aggregators often sit on the operator's own network); redirects are never followed.
 */

/** Most of a carrier's answer read (bytes): past it the answer is cut off and the connection dropped. */
export const MAX_CARRIER_BODY_BYTES = 256 * 1024;

export interface CarrierRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  /** Sent as given; the caller sets its content type. */
  body?: string;
  /** Aborts a request still waiting for a connection or an answer. */
  signal?: AbortSignal;
}

export interface CarrierResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string | string[] | undefined>;
  /** The answer as UTF-8 text, at most MAX_CARRIER_BODY_BYTES of it. */
  body: string;
  /** The answer was longer than MAX_CARRIER_BODY_BYTES and was cut off. */
  truncated: boolean;
}

export interface CarrierHttp {
  /**
   * Sends one request. Rejects only with a RouteError: `timeout` past the deadline, `unreachable` when no
   * connection could be made or it broke before an answer. Any HTTP status resolves (see statusFailure).
   */
  request(request: CarrierRequest): Promise<CarrierResponse>;
  /** Connections open and requests waiting for one, for the route's health. */
  load(): { sockets: number; waiting: number };
  close(): void;
}

export interface CarrierHttpOptions {
  /** Most connections open to the carrier at once (requests beyond wait for one). */
  maxSockets: number;
  /** Deadline of one request, connecting included (ms). */
  timeoutMs: number;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

export function createCarrierHttp(options: CarrierHttpOptions): CarrierHttp {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets, scheduling: 'fifo' as const };
  const agents = { 'http:': new http.Agent(agentOptions), 'https:': new https.Agent(agentOptions) };

  function once(target: URL, request: CarrierRequest): Promise<CarrierResponse> {
    return new Promise((resolve, reject) => {
      const secure = target.protocol === 'https:';
      const body = request.body ?? '';
      const headers: Record<string, string> = { ...request.headers };
      if (request.method !== 'GET') headers['content-length'] = String(Buffer.byteLength(body));
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request.signal?.removeEventListener('abort', onAbort);
        reject(Object.assign(error, { reusedSocket: outgoing.reusedSocket }));
      };
      const outgoing = (secure ? https : http).request(
        {
          protocol: target.protocol,
          hostname: target.hostname.replace(/^\[|\]$/g, ''),
          port: target.port || undefined,
          path: `${target.pathname}${target.search}`,
          method: request.method,
          headers,
          agent: agents[secure ? 'https:' : 'http:'],
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          let truncated = false;
          response.on('data', (chunk: Buffer) => {
            if (truncated) return;
            if (size + chunk.length > MAX_CARRIER_BODY_BYTES) {
              chunks.push(chunk.subarray(0, MAX_CARRIER_BODY_BYTES - size));
              size = MAX_CARRIER_BODY_BYTES;
              truncated = true;
              response.destroy();
              done();
              return;
            }
            chunks.push(chunk);
            size += chunk.length;
          });
          const done = () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            request.signal?.removeEventListener('abort', onAbort);
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: Buffer.concat(chunks).toString('utf8'),
              truncated,
            });
          };
          response.on('end', done);
          response.on('error', (error) => fail(error));
          response.on('close', () => {
            if (!response.complete && !truncated) fail(new Error('the answer was cut off'));
          });
        },
      );
      const onAbort = () => outgoing.destroy(new RouteError('unreachable', 'request withdrawn'));
      request.signal?.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(
        () => outgoing.destroy(new RouteError('timeout', `no answer within ${options.timeoutMs} ms`)),
        options.timeoutMs,
      );
      outgoing.on('error', fail);
      outgoing.end(request.method === 'GET' ? undefined : body);
    });
  }

  return {
    async request(request) {
      let target: URL;
      try {
        target = new URL(request.url);
      } catch {
        throw new RouteError('carrier_error', `not a URL: ${request.url.slice(0, 200)}`);
      }
      if (target.protocol !== 'http:' && target.protocol !== 'https:')
        throw new RouteError('carrier_error', `unsupported protocol ${target.protocol}`);
      if (request.signal?.aborted) throw new RouteError('unreachable', 'request withdrawn');
      for (let attempt = 0; ; attempt++) {
        try {
          return await once(target, request);
        } catch (error) {
          if (error instanceof RouteError) throw error;
          const e = error as NodeJS.ErrnoException & { reusedSocket?: boolean };
          // A kept-alive connection the carrier closed meanwhile: the request never reached it.
          if (attempt === 0 && e.reusedSocket && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) continue;
          const detail = `${e.code ? `${e.code}: ` : ''}${e.message}`.slice(0, 300);
          throw new RouteError(
            CONNECTION_CODES.has(e.code ?? '') ? 'unreachable' : 'carrier_error',
            detail,
            e.code ?? null,
          );
        }
      }
    },
    load() {
      let sockets = 0;
      let waiting = 0;
      for (const agent of Object.values(agents)) {
        for (const list of Object.values(agent.sockets)) sockets += list?.length ?? 0;
        for (const list of Object.values(agent.freeSockets)) sockets += list?.length ?? 0;
        for (const list of Object.values(agent.requests)) waiting += list?.length ?? 0;
      }
      return { sockets, waiting };
    },
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

/** Seconds or an HTTP date in a Retry-After header, as milliseconds from `now` (null when absent or bad). */
export function retryAfterMs(header: string | string[] | undefined, now: number): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return null;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * The failure an HTTP status means when the carrier's body says nothing more specific: 401/403 the
 * route's credentials, 429 (and 503) slow down, other 5xx a temporary error at the carrier, 408 a
 * timeout, other 4xx a request the carrier refused for good. Null for 2xx. A 503 counts as "slow down"
 * only with a Retry-After; without one it is a temporary error like other 5xx.
 */
export function statusFailure(response: CarrierResponse, now: number): RouteError | null {
  const { status } = response;
  if (status >= 200 && status < 300) return null;
  const code = String(status);
  const excerpt = response.body.slice(0, 200).replace(/\s+/g, ' ').trim();
  const detail = `HTTP ${status}${excerpt ? `: ${excerpt}` : ''}`;
  if (status === 401 || status === 403) return new RouteError('auth_failed', detail, code);
  const retryAfter = retryAfterMs(response.headers['retry-after'], now);
  // A 503 that says when to come back is the carrier pacing us; a bare one is an outage (fail over).
  if (status === 429 || (status === 503 && retryAfter !== null))
    return new RouteError('throttled', detail, code, retryAfter);
  if (status === 408) return new RouteError('timeout', detail, code);
  if (status >= 500) return new RouteError('carrier_error', detail, code);
  return new RouteError('rejected_by_carrier', detail, code);
}
