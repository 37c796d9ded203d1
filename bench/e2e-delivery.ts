/**
 * End to end: 100,000 messages accepted in bulk requests of 1,000 (4 at a time) by the real server with its
 * workers on (dispatch → simulated carrier with SIMULATOR_DELIVERY_DELAY_MS=0 → delivery receipts), and one
 * webhook endpoint subscribed to `message.status` pointing at a local receiver that answers 200 at once.
 *
 *   npx tsx bench/e2e-delivery.ts                       # 100,000 messages
 *   npx tsx bench/e2e-delivery.ts --messages 20000 --timeout 100 --webhook-drain 0
 *
 * The bench counts delivered messages by reading the SQLite file read-only every 250 ms (the API would be
 * too slow for counting). Figures: messagesPerSec end to end (messages / seconds from the first request
 * until every message is `delivered`), acceptSeconds, deliverSeconds, webhook events recorded and
 * delivered at that moment, peak RSS. Targets: ≥ 5,000 msg/s, RSS ≤ 300 MB.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import {
  log,
  lvNumber,
  machine,
  numberArg,
  printResult,
  round,
  signupWithApiKey,
  sleep,
  startServer,
} from './lib';

const MESSAGES = numberArg('messages', 100_000);
const PER_REQUEST = 1000;
const CONNECTIONS = numberArg('connections', 4);
/** Give up waiting for deliveries after this long (s): the figure then says how far it got. */
const TIMEOUT_SEC = numberArg('timeout', 100);
/** After the last delivery, wait at most this long (s) for the webhook backlog to drain. */
const WEBHOOK_DRAIN_SEC = numberArg('webhook-drain', 5);
const TEXT = 'Your appointment is confirmed for Tuesday 10:30. Reply STOP to opt out.';

// The webhook receiver: answers 200 with an empty body at once, and counts.
let received = 0;
const receiver = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    received++;
    response.writeHead(200, { 'content-length': '0' }).end();
  });
});
await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
const receiverPort = (receiver.address() as AddressInfo).port;

// --split: the API process with WORKERS=false and a `smsgate worker` process on the same database.
const SPLIT = process.argv.includes('--split');
const server = await startServer(
  { WORKERS: SPLIT ? 'false' : 'true', SIMULATOR_DELIVERY_DELAY_MS: '0', WEBHOOK_ALLOW_PRIVATE: 'true' },
  { workerProcess: SPLIT },
);
try {
  const { key, accountId } = await signupWithApiKey(server);
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
  const hook = await fetch(`${server.baseUrl}/v1/webhooks`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ url: `http://127.0.0.1:${receiverPort}/hook`, events: ['message.status'] }),
  });
  if (hook.status !== 201) throw new Error(`webhook: ${hook.status} ${await hook.text()}`);

  const bodies = Array.from({ length: Math.ceil(MESSAGES / PER_REQUEST) }, (_, r) =>
    JSON.stringify({
      to: Array.from({ length: Math.min(PER_REQUEST, MESSAGES - r * PER_REQUEST) }, (_, i) =>
        lvNumber(r * PER_REQUEST + i),
      ),
      text: TEXT,
    }),
  );

  const db = new Database(server.dbFile, { readonly: true, fileMustExist: true });
  const countStatus = db.prepare<[string, string], { n: number }>(
    'SELECT count(*) AS n FROM messages WHERE account_id = ? AND status = ?',
  );
  const countAll = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM messages');
  const delivered = () => Number(countStatus.get(accountId, 'delivered')!.n);

  const started = performance.now();
  let accepted = 0;
  let refused = 0;
  let nextBody = 0;
  const acceptOne = async () => {
    for (let i = nextBody++; i < bodies.length; i = nextBody++) {
      const response = await fetch(`${server.baseUrl}/v1/messages`, {
        method: 'POST',
        headers,
        body: bodies[i],
      });
      const answer = (await response.json()) as { data?: unknown[]; errors?: unknown[] };
      if (response.status === 202 && !answer.errors) accepted += answer.data?.length ?? 0;
      else refused++;
    }
  };
  const acceptance = Promise.all(Array.from({ length: CONNECTIONS }, acceptOne)).then(() => {
    const seconds = (performance.now() - started) / 1000;
    log(`accepted ${accepted} in ${round(seconds, 2)} s (${refused} requests refused)`);
    return seconds;
  });

  // Poll every 250 ms until every accepted message is delivered (or the timeout).
  let lastLog = 0;
  let done = 0;
  let acceptSeconds: number | null = null;
  void acceptance.then((s) => {
    acceptSeconds = s;
  });
  for (;;) {
    await sleep(250);
    done = delivered();
    const elapsed = (performance.now() - started) / 1000;
    if (elapsed - lastLog >= 5) {
      lastLog = elapsed;
      log(
        `${round(elapsed, 1)} s: ${Number(countAll.get()!.n)} stored, ${done} delivered, ${received} webhooks`,
      );
    }
    if (acceptSeconds !== null && done >= accepted) break;
    if (elapsed > TIMEOUT_SEC) {
      log(`timeout after ${TIMEOUT_SEC} s`);
      break;
    }
  }
  await acceptance;
  const deliverSeconds = (performance.now() - started) / 1000;
  const webhooks = () =>
    db
      .prepare<[], { events: number; delivered: number }>(
        `SELECT count(*) AS events, coalesce(sum(status = 'delivered'), 0) AS delivered FROM webhook_deliveries`,
      )
      .get()!;
  const atDelivery = webhooks();
  const rssAtDelivery = server.peakRssMb();

  // The webhook backlog usually trails the deliveries: give it a bounded time to drain, and report.
  const expectedEvents = accepted * 2; // `sent` and `delivered`, one endpoint
  const drainStarted = performance.now();
  let drained = webhooks();
  while (
    drained.delivered < expectedEvents &&
    (performance.now() - drainStarted) / 1000 < WEBHOOK_DRAIN_SEC
  ) {
    await sleep(500);
    drained = webhooks();
  }
  const webhookSeconds =
    drained.delivered >= expectedEvents ? round((performance.now() - started) / 1000, 2) : null;
  const statuses = db
    .prepare<[], { status: string; n: number }>('SELECT status, count(*) AS n FROM messages GROUP BY status')
    .all();
  db.close();

  printResult({
    bench: 'e2e-delivery',
    processes: SPLIT ? 'api + worker' : 'one',
    ...(await machine()),
    messages: MESSAGES,
    perRequest: PER_REQUEST,
    connections: CONNECTIONS,
    accepted,
    delivered: done,
    messagesPerSec: Math.round(done / deliverSeconds),
    acceptSeconds: acceptSeconds === null ? null : round(acceptSeconds, 2),
    deliverSeconds: round(deliverSeconds, 2),
    allDelivered: done >= MESSAGES,
    webhookEventsRecorded: atDelivery.events,
    webhooksDelivered: atDelivery.delivered,
    webhooksReceived: received,
    webhookEventsExpected: expectedEvents,
    webhooksDeliveredAfterDrain: drained.delivered,
    webhookDrainWaitSec: WEBHOOK_DRAIN_SEC,
    webhooksAllDeliveredSeconds: webhookSeconds,
    peakRssMb: server.peakRssMb(),
    peakRssMbAtDelivery: rssAtDelivery,
    statuses: Object.fromEntries(statuses.map((s) => [s.status, s.n])),
    targets: { messagesPerSec: 5000, peakRssMb: 300 },
  });
} finally {
  await server.stop();
  receiver.close();
}
