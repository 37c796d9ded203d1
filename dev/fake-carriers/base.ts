import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What every fake vendor server shares: a real HTTP server on loopback that records each request, picks
 * how to answer from the destination number (or from a control call), and can call a URL back the way the
 * vendor does. Each vendor file adds only its routes, its checks and its recorded answer shapes.
 *
 * How a fake answers a send, by the end of the destination number (any country code):
 *
 * | number ends in | answer                                                              |
 * | -------------- | ------------------------------------------------------------------- |
 * | `0400`         | the vendor's own "invalid destination number" error                 |
 * | `0403`         | the vendor's own policy refusal (recipient opted out, blocked, …)   |
 * | `0429`         | HTTP 429 in the vendor's shape, with `Retry-After: 7`               |
 * | `0500`         | HTTP 500 in the vendor's shape                                      |
 * | `0408`         | the normal answer, after `slowMs` (default 15 s): forces a timeout  |
 * | `0200`         | HTTP 200 with an HTML page (a captive portal or proxy page)         |
 * | `0204`         | HTTP 200 with an empty body                                         |
 * | anything else  | success                                                             |
 *
 * `POST /_fake/next {"behaviour":"throttle"}` makes the next send answer that way whatever its number;
 * `GET /_fake/requests` lists what the fake received; `DELETE /_fake/requests` forgets it.
 */

export type Behaviour =
  | 'ok'
  | 'bad_number'
  | 'refused'
  | 'throttle'
  | 'server_error'
  | 'slow'
  | 'html'
  | 'empty';

const BY_SUFFIX: Record<string, Behaviour> = {
  '0400': 'bad_number',
  '0403': 'refused',
  '0429': 'throttle',
  '0500': 'server_error',
  '0408': 'slow',
  '0200': 'html',
  '0204': 'empty',
};
export const BEHAVIOURS: readonly Behaviour[] = ['ok', ...Object.values(BY_SUFFIX)];

export function behaviourOf(to: string): Behaviour {
  return BY_SUFFIX[to.replace(/\D/g, '').slice(-4)] ?? 'ok';
}

export const HTML_PAGE =
  '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>Bad gateway</body></html>';

/** One request as the fake received it. */
export interface FakeRequest {
  method: string;
  /** Path and query. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  /** Sent as it is; objects as JSON. */
  body?: string | object;
  delayMs?: number;
}

export interface FakeContext {
  request: FakeRequest;
  /** The behaviour chosen by the destination `to` (or the queued one). */
  behaviour(to: string): Behaviour;
}

export interface FakeServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  requests: FakeRequest[];
  /** The next send answers this way whatever its destination. */
  next(behaviour: Behaviour): void;
  close(): Promise<void>;
}

/** Answers of a fake that cannot take an unbounded body or wait forever. */
const MAX_BODY = 1024 * 1024;

export async function startFakeServer(options: {
  port?: number;
  handle(context: FakeContext): Answer | Promise<Answer>;
  /** The vendor's own control calls (`/_fake/status`, `/_fake/inbound`): null when it has none by that name. */
  control?(name: string, body: Record<string, unknown>): Promise<Answer> | null;
}): Promise<FakeServer> {
  const requests: FakeRequest[] = [];
  const queued: Behaviour[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', async () => {
      const request: FakeRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      if (request.url.startsWith('/_fake/')) return void control(request, res);
      requests.push(request);
      let answer: Answer;
      try {
        answer = await options.handle({
          request,
          behaviour: (to) => queued.shift() ?? behaviourOf(to),
        });
      } catch (error) {
        answer = { status: 500, body: { error: String(error) } };
      }
      const send = () => {
        if (res.destroyed) return;
        const isText = typeof answer.body === 'string';
        const body =
          answer.body === undefined ? '' : isText ? (answer.body as string) : JSON.stringify(answer.body);
        res.writeHead(answer.status, {
          ...(answer.body !== undefined && !isText ? { 'content-type': 'application/json' } : {}),
          ...answer.headers,
        });
        res.end(body);
      };
      if (answer.delayMs) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          send();
        }, answer.delayMs);
        timers.add(timer);
      } else send();
    });
  });

  async function control(request: FakeRequest, res: ServerResponse) {
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (request.url === '/_fake/requests' && request.method === 'GET') return json(200, requests);
    if (request.url === '/_fake/requests' && request.method === 'DELETE') {
      requests.length = 0;
      return json(200, {});
    }
    if (request.url === '/_fake/next' && request.method === 'POST') {
      let behaviour: unknown;
      try {
        behaviour = (JSON.parse(request.body) as { behaviour?: unknown }).behaviour;
      } catch {}
      if (!BEHAVIOURS.includes(behaviour as Behaviour))
        return json(400, { error: `behaviour must be one of ${BEHAVIOURS.join(', ')}` });
      queued.push(behaviour as Behaviour);
      return json(200, { queued: queued.length });
    }
    let body: Record<string, unknown> = {};
    try {
      body = request.body ? (JSON.parse(request.body) as Record<string, unknown>) : {};
    } catch {
      return json(400, { error: 'the control call body must be JSON' });
    }
    const own =
      request.method === 'POST' ? options.control?.(request.url.slice('/_fake/'.length), body) : null;
    if (!own) return json(404, { error: 'unknown control call' });
    try {
      const answer = await own;
      return json(answer.status, answer.body ?? {});
    } catch (error) {
      return json(400, { error: String((error as Error).message ?? error) });
    }
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    next: (behaviour) => queued.push(behaviour),
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Parses a Basic authorization header. */
export function basicAuth(headers: IncomingHttpHeaders): { user: string; password: string } | null {
  const value = headers.authorization;
  if (!value?.startsWith('Basic ')) return null;
  const decoded = Buffer.from(value.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The media type of a request, without parameters. */
export function mediaType(headers: IncomingHttpHeaders): string {
  return (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Calls a URL back as a vendor does; resolves with the status our side answered. */
export async function callBack(
  url: string,
  init: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string; contentType: string | null }> {
  const response = await fetch(url, {
    method: init.method ?? 'POST',
    headers: init.headers,
    body: init.body,
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
  });
  return {
    status: response.status,
    body: await response.text(),
    contentType: response.headers.get('content-type'),
  };
}

/** Random lower-case hex. */
export function hex(bytes: number): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex');
}
