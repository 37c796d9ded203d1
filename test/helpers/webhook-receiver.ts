import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got. */
export interface ReceivedWebhook {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the receiver answers: a status (default 200), after a delay, or a redirect. */
export interface ReceiverBehaviour {
  status?: number;
  delayMs?: number;
  /** Answer 302 with this Location. */
  redirectTo?: string;
  /** The answer's body (default `ok`): text, or bytes as they are. */
  body?: string | Buffer;
  /** The answer's Content-Type (default text/plain). */
  contentType?: string;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  received: ReceivedWebhook[];
  /** The answer to every request from now on (after any queued with `respondNext`). */
  respondWith(behaviour: ReceiverBehaviour): void;
  /** Answers for the next requests, in order. */
  respondNext(...behaviours: ReceiverBehaviour[]): void;
  /** Resolves once `count` requests have been received (or rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  clear(): void;
  close(): Promise<void>;
}

/** A local HTTP server on 127.0.0.1 that records webhook requests and answers as told. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let fallback: ReceiverBehaviour = { status: 200 };
  const queued: ReceiverBehaviour[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const behaviour = queued.shift() ?? fallback;
      const answer = () => {
        if (response.destroyed) return;
        if (behaviour.redirectTo) {
          response.writeHead(302, { location: behaviour.redirectTo }).end();
          return;
        }
        response.writeHead(behaviour.status ?? 200, {
          'content-type': behaviour.contentType ?? 'text/plain',
        });
        response.end(behaviour.body ?? 'ok');
      };
      if (behaviour.delayMs) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer();
        }, behaviour.delayMs);
        timers.add(timer);
      } else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    received,
    respondWith(behaviour) {
      fallback = behaviour;
    },
    respondNext(...behaviours) {
      queued.push(...behaviours);
    },
    async waitFor(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`received ${received.length} of ${count} webhooks`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    clear() {
      received.length = 0;
      queued.length = 0;
      fallback = { status: 200 };
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
