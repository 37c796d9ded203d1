/**
 * The client's webhook endpoint in a chaos trial: records every `message.status` event by message, counts
 * deliveries of the same `webhook-id` (Standard Webhooks receivers dedupe by it), and can go down (refuse
 * connections) or hang (accept and never answer) on demand.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface WebhookReceiver {
  url: string;
  /** Final statuses seen, by message id. */
  finalStatus: Map<string, string>;
  /** Deliveries whose webhook-id had been answered 2xx before. */
  redeliveries(): number;
  mode(mode: 'up' | 'down' | 'hang'): void;
  close(): Promise<void>;
}

const FINAL = new Set(['delivered', 'undelivered', 'expired', 'failed', 'rejected', 'cancelled']);

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const finalStatus = new Map<string, string>();
  const answered = new Set<string>();
  let redelivered = 0;
  let current: 'up' | 'down' | 'hang' = 'up';
  const hung: ServerResponse[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      if (current === 'hang') {
        hung.push(response);
        return;
      }
      const id = String(request.headers['webhook-id'] ?? '');
      if (answered.has(id)) redelivered++;
      answered.add(id);
      try {
        const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          data?: { messageId?: string; status?: string };
        };
        const { messageId, status } = event.data ?? {};
        if (messageId && status && FINAL.has(status)) finalStatus.set(messageId, status);
      } catch {
        // counted as delivered all the same: the body is the sender's business
      }
      response.writeHead(200, { 'content-length': '0' }).end();
    });
  });
  server.on('connection', (socket: Socket) => {
    if (current === 'down') {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    finalStatus,
    redeliveries: () => redelivered,
    mode(mode) {
      current = mode;
      if (mode === 'down') for (const socket of sockets) socket.destroy();
      if (mode === 'up') for (const response of hung.splice(0)) response.destroy();
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((done) => server.close(() => done()));
    },
  };
}
