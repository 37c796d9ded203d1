/**
 * A fake HTTP SMS aggregator as a process of its own (Kannel `sendsms`-style), for bench/http-carrier.ts:
 * the gateway's CPU and the carrier's never mix. Not a benchmark itself (the leading `_` keeps it out of
 * `npm run bench`).
 *
 *   node --import tsx bench/_http-aggregator-process.ts --callback-base http://127.0.0.1:3000 --receipt-delay 200
 *
 * Every `GET /cgi-bin/sendsms` is answered `202 0: Accepted for delivery` at once; `--receipt-delay` ms
 * later the aggregator fetches the request's `dlr-url` (`%d` → 1, delivered) as Kannel would, sent to
 * `--callback-base` instead of the URL's own origin, over kept-alive connections (`--dlr-connections`). A
 * callback answered 429 is tried again after its Retry-After (at most 5 times). Over IPC: `{ ready, port }`
 * once listening; `{ cmd: 'stats' }` → `{ requests, dlrsSent, dlrsRefused, dlrsFailed, cpuMs }`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    'callback-base': { type: 'string' },
    'receipt-delay': { type: 'string', default: '200' },
    'dlr-connections': { type: 'string', default: '32' },
  },
});
const base = new URL(values['callback-base'] ?? 'http://127.0.0.1:3000');
const delay = Number(values['receipt-delay']);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(values['dlr-connections']) });

let requests = 0;
let dlrsSent = 0;
let dlrsRefused = 0;
let dlrsFailed = 0;

function callBack(path: string, tries = 0): void {
  const request = http.request(
    { host: base.hostname, port: base.port, path, method: 'GET', agent },
    (response) => {
      response.resume();
      response.on('end', () => {
        if (response.statusCode === 200) dlrsSent++;
        else if (response.statusCode === 429 && tries < 5) {
          dlrsRefused++;
          const wait = Number(response.headers['retry-after'] ?? 1) * 1000;
          setTimeout(() => callBack(path, tries + 1), wait);
        } else dlrsFailed++;
      });
    },
  );
  request.on('error', () => {
    dlrsFailed++;
  });
  request.end();
}

const server = http.createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    requests++;
    const url = new URL(request.url ?? '/', 'http://aggregator');
    const dlr = url.searchParams.get('dlr-url');
    response.writeHead(202, { 'content-type': 'text/plain' }).end('0: Accepted for delivery');
    if (!dlr) return;
    const target = new URL(dlr.replace('%d', '1').replace('%A', 'stat%3ADELIVRD'));
    setTimeout(() => callBack(`${target.pathname}${target.search}`), delay);
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ ready: true, port: (server.address() as AddressInfo).port });
});

process.on('message', (message: { id: number; cmd: 'stats' }) => {
  if (message.cmd !== 'stats') return;
  const cpu = process.cpuUsage();
  process.send?.({
    id: message.id,
    body: { requests, dlrsSent, dlrsRefused, dlrsFailed, cpuMs: (cpu.user + cpu.system) / 1000 },
  });
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
