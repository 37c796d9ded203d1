/**
 * Accepting bulk sends: POST /v1/messages `{ to: [1,000 distinct numbers], text }` on a few keep-alive
 * connections against the real server (SQLite, synchronous=FULL: every 202 is durable).
 *
 *   npx tsx bench/accept-bulk.ts                              # workers off: 2 and 4 connections; workers on: 4
 *   npx tsx bench/accept-bulk.ts --duration 15 --runs 3 --recipients 1000
 *
 * Figure: messages accepted durably per second (1,000 × the 202 answers per second, checked against the
 * rows in the database). Target ≥ 20,000/s. Each run starts a fresh server on a fresh database; the
 * 4-connection, workers-off figure is the median of `--runs` runs.
 */
import Database from 'better-sqlite3';
import {
  load,
  log,
  lvNumber,
  machine,
  median,
  numberArg,
  printResult,
  round,
  signupWithApiKey,
  startServer,
} from './lib';

const RUNS = numberArg('runs', 3);
const DURATION_SEC = numberArg('duration', 15);
const RECIPIENTS = numberArg('recipients', 1000);
const TEXT = 'Spring sale: 20% off everything until Sunday. Reply STOP to opt out.';

function countMessages(dbFile: string): number {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    return Number((db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n);
  } finally {
    db.close();
  }
}

async function run(connections: number, workers: boolean) {
  const server = await startServer({ WORKERS: String(workers) });
  try {
    const { key } = await signupWithApiKey(server);
    let next = 0;
    const nextBody = () => {
      const to = Array.from({ length: RECIPIENTS }, () => lvNumber(next++));
      return JSON.stringify({ to, text: TEXT, type: 'marketing' });
    };
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
    // One request first: every recipient must be accepted, or the figure would count refusals.
    const probe = await fetch(`${server.baseUrl}/v1/messages`, { method: 'POST', headers, body: nextBody() });
    const answer = (await probe.json()) as { data?: unknown[]; errors?: unknown[] };
    if (probe.status !== 202 || answer.data?.length !== RECIPIENTS || answer.errors) {
      throw new Error(`probe: ${probe.status} ${JSON.stringify(answer).slice(0, 500)}`);
    }
    const before = countMessages(server.dbFile);
    const result = await load({
      url: `${server.baseUrl}/v1/messages`,
      connections,
      durationSec: DURATION_SEC,
      okStatus: 202,
      headers,
      nextBody,
    });
    const stored = countMessages(server.dbFile) - before;
    const figures = {
      connections,
      workers,
      messagesPerSec: Math.round((result.ok * RECIPIENTS) / result.durationSec),
      requestsPerSec: round(result.okPerSec, 1),
      p50Ms: round(result.p50Ms, 0),
      p99Ms: round(result.p99Ms, 0),
      durationSec: result.durationSec,
      accepted: result.ok * RECIPIENTS,
      // Rows written during the run: ≥ accepted (a request cut off when the run ended may still commit).
      storedRows: stored,
      errors: result.errors + result.timeouts,
      non2xx: Object.values(result.otherStatuses).reduce((a, b) => a + b, 0),
      peakRssMb: server.peakRssMb(),
    };
    if (stored < figures.accepted)
      throw new Error(`only ${stored} rows stored for ${figures.accepted} accepted`);
    log(`accept-bulk ${JSON.stringify(figures)}`);
    return figures;
  } finally {
    await server.stop();
  }
}

const twoConnections = await run(2, false);
const runs = [];
for (let i = 0; i < RUNS; i++) runs.push(await run(4, false));
const workersOn = await run(4, true);

printResult({
  bench: 'accept-bulk',
  ...(await machine()),
  recipientsPerRequest: RECIPIENTS,
  durationSec: DURATION_SEC,
  connections: 4,
  workers: false,
  messagesPerSec: median(runs.map((r) => r.messagesPerSec)),
  p50Ms: median(runs.map((r) => r.p50Ms)),
  p99Ms: median(runs.map((r) => r.p99Ms)),
  errors: runs.reduce((sum, r) => sum + r.errors, 0),
  non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
  peakRssMb: median(runs.map((r) => r.peakRssMb ?? Number.NaN)),
  target: { messagesPerSec: 20_000 },
  runs,
  twoConnections,
  workersOn,
});
