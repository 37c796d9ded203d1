import { createSign, generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodePayseraData, encodePayseraData, signPayseraData } from '../../src/adapters/payments/paysera';

/**
 * A fake Paysera Checkout on loopback, for tests and the README walk-through. `GET /pay/?data&sign`
 * checks the request's md5 sign against the project password and records the order (400 when the sign
 * is wrong). `callbackFor(orderId)` builds the callback Paysera would send (data, ss1, ss2 signed with
 * this fake's own RSA key, whose PEM is `publicKeyPem`); `pay(orderId)` sends it to the order's
 * callbackurl and answers what the shop replied. `GET /_fake/pay?orderid=…` does the same over HTTP.
 */
export interface FakePaysera {
  url: string;
  payUrl: string;
  publicKeyPem: string;
  orders: Map<string, Record<string, string>>;
  callbackFor(
    orderId: string,
    overrides?: Record<string, string>,
  ): { data: string; ss1: string; ss2: string; callbackUrl: string };
  pay(orderId: string, overrides?: Record<string, string>): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

export async function startFakePaysera(options: { password: string; port?: number }): Promise<FakePaysera> {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const orders = new Map<string, Record<string, string>>();
  let requestSeq = 0;

  function callbackFor(orderId: string, overrides: Record<string, string> = {}) {
    const order = orders.get(orderId);
    if (!order) throw new Error(`fake Paysera: no order ${orderId}`);
    const params = {
      projectid: order.projectid ?? '',
      orderid: orderId,
      amount: order.amount ?? '',
      currency: order.currency ?? '',
      payamount: order.amount ?? '',
      paycurrency: order.currency ?? '',
      test: order.test ?? '0',
      status: '1',
      requestid: `${70_000_000 + ++requestSeq}`,
      version: order.version ?? '1.6',
      ...overrides,
    };
    const data = encodePayseraData(params);
    const ss2 = createSign('RSA-SHA1')
      .update(data)
      .sign(privateKey)
      .toString('base64')
      .replace(/\+/g, '-')
      .replace(/\//g, '_');
    return { data, ss1: signPayseraData(data, options.password), ss2, callbackUrl: order.callbackurl ?? '' };
  }

  async function pay(orderId: string, overrides: Record<string, string> = {}) {
    const { data, ss1, ss2, callbackUrl } = callbackFor(orderId, overrides);
    const url = new URL(callbackUrl);
    url.searchParams.set('data', data);
    url.searchParams.set('ss1', ss1);
    url.searchParams.set('ss2', ss2);
    const response = await fetch(url);
    return { status: response.status, body: await response.text() };
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const data = url.searchParams.get('data') ?? '';
    if (url.pathname === '/pay/') {
      if (!data || url.searchParams.get('sign') !== signPayseraData(data, options.password)) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('Invalid sign');
        return;
      }
      const params = decodePayseraData(data);
      orders.set(params.orderid ?? '', params);
      res
        .writeHead(200, { 'content-type': 'text/plain' })
        .end(`Fake Paysera: order ${params.orderid}, ${params.amount} ${params.currency}\n`);
      return;
    }
    if (url.pathname === '/_fake/pay') {
      const orderId = url.searchParams.get('orderid') ?? '';
      if (!orders.has(orderId)) {
        res.writeHead(404).end('No such order');
        return;
      }
      pay(orderId).then(
        (answer) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer)),
        (error: unknown) => res.writeHead(502).end(String(error)),
      );
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    payUrl: `${base}/pay/`,
    publicKeyPem,
    orders,
    callbackFor,
    pay,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
