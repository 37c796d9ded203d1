import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

/** One request the fake carrier received. */
export interface CarrierRequestSeen {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: string;
  /** performance.now() when it arrived. */
  at: number;
}

export interface CarrierAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Wait this long before answering. */
  delayMs?: number;
}

export interface FakeAggregator {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  received: CarrierRequestSeen[];
  /** How every request is answered from now on. */
  answer(fn: (request: CarrierRequestSeen, index: number) => CarrierAnswer): void;
  close(): Promise<void>;
}

/** A local HTTP server standing in for an SMS aggregator: records each request, answers as told. */
export async function startFakeAggregator(
  initial: (request: CarrierRequestSeen, index: number) => CarrierAnswer = () => ({ status: 200 }),
): Promise<FakeAggregator> {
  const received: CarrierRequestSeen[] = [];
  let answer = initial;
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const seen: CarrierRequestSeen = {
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: performance.now(),
      };
      received.push(seen);
      const a = answer(seen, received.length - 1);
      open.add(res);
      const send = () => {
        open.delete(res);
        if (res.destroyed) return;
        res.writeHead(a.status ?? 200, { 'content-type': 'text/plain', ...a.headers });
        res.end(a.body ?? '');
      };
      if (a.delayMs) setTimeout(send, a.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answer(fn) {
      answer = fn;
    },
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
