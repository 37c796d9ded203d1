import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../../src/kernel/clock';
import { createLogger } from '../../src/kernel/logger';
import type {
  OutboundSms,
  RouteAdapterDeps,
  RouteCallback,
  RouteCallbackKind,
  RouteTypeDefinition,
} from '../../src/modules/dispatch';
import { RouteError } from '../../src/modules/dispatch';

/**
 * What the vendor route tests share: the deps a route is built with, an outbound message, a catcher that
 * receives vendors' callbacks over real HTTP as the public callback endpoint will (the URL as called, the
 * raw body, headers), answers them with the type's verdict and answer, and keeps them for the parsers.
 */

export function vendorDeps(id: string, callbackBase: string): RouteAdapterDeps {
  return {
    id,
    clock: systemClock,
    logger: createLogger({ level: 'silent' }),
    awaitingReports: async () => [],
    callbackUrl: (kind) => `${callbackBase}/hooks/routes/${id}/${kind}`,
  };
}

let seq = 0;
export function outbound(overrides: Partial<OutboundSms> = {}): OutboundSms {
  seq++;
  return {
    messageId: `msg_test${String(seq).padStart(6, '0')}`,
    accountId: 'acc_test',
    to: '+37120000001',
    from: 'Acme',
    text: 'Your code is 1234',
    encoding: 'GSM-7',
    segments: 1,
    validUntil: null,
    type: 'transactional',
    ...overrides,
  };
}

/** The RouteError a promise rejects with (fails the test when it resolves). */
export async function routeError(promise: Promise<unknown>): Promise<RouteError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RouteError) return error;
    throw error;
  }
  throw new Error('expected the send to fail');
}

export interface CallbackCatcher {
  /** `http://127.0.0.1:<port>` — the "public URL" of the catcher. */
  base: string;
  url(routeId: string, kind: RouteCallbackKind): string;
  received: Array<{ callback: RouteCallback; verdict: { ok: boolean; reason?: string } }>;
  close(): Promise<void>;
}

/** A stand-in for `/hooks/routes/:routeId/:kind`: verifies with the type and answers as the type asks. */
export async function startCallbackCatcher(
  type: RouteTypeDefinition<never>,
  config: unknown,
): Promise<CallbackCatcher> {
  const received: CallbackCatcher['received'] = [];
  let base = '';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = `${base}${req.url ?? ''}`;
      const parsed = new URL(url);
      const match = /^\/hooks\/routes\/([^/]+)\/(status|inbound)$/.exec(parsed.pathname);
      if (!match) return res.writeHead(404).end();
      const callback: RouteCallback = {
        routeId: decodeURIComponent(match[1]!),
        kind: match[2] as RouteCallbackKind,
        method: req.method === 'GET' ? 'GET' : 'POST',
        url,
        query: Object.fromEntries(parsed.searchParams),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
      };
      const verdict = type.verifyCallback?.(callback, config as never) ?? {
        ok: false,
        reason: 'no verifier',
      };
      received.push({ callback, verdict });
      if (!verdict.ok) return res.writeHead(401, { 'content-type': 'text/plain' }).end(verdict.reason);
      const answer = type.callbackAnswer ?? { status: 200, contentType: 'text/plain', body: '' };
      res.writeHead(answer.status, { 'content-type': answer.contentType }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    url: (routeId, kind) => `${base}/hooks/routes/${routeId}/${kind}`,
    received,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
