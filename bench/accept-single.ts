/**
 * Accepting one-recipient sends: POST /v1/messages `{ to, text }` at 50 concurrent keep-alive connections
 * against the real server (SQLite, synchronous=FULL: every 202 is durable), after a warm-up.
 *
 *   npx tsx bench/accept-single.ts                       # 3 runs, workers off, + 1 run workers on
 *   npx tsx bench/accept-single.ts --runs 1 --duration 5 --warmup 1 --connections 50
 *
 * Figures: requests/s (202 only), p50/p99 latency (ms) of the 202s. Targets: ≥ 3,000 req/s, p99 ≤ 25 ms.
 * Each run starts a fresh server on a fresh database; the result is the median of the runs.
 */
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
const WARMUP_SEC = numberArg('warmup', 3);
const CONNECTIONS = numberArg('connections', 50);

async function run(workers: boolean) {
  const server = await startServer({ WORKERS: String(workers) });
  try {
    const { key } = await signupWithApiKey(server);
    let n = 0;
    const options = {
      url: `${server.baseUrl}/v1/messages`,
      connections: CONNECTIONS,
      okStatus: 202,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      nextBody: () => JSON.stringify({ to: lvNumber(n++), text: `Your code is ${100_000 + (n % 900_000)}` }),
    };
    await load({ ...options, durationSec: WARMUP_SEC });
    const result = await load({ ...options, durationSec: DURATION_SEC });
    const figures = {
      workers,
      requestsPerSec: Math.round(result.okPerSec),
      p50Ms: result.p50Ms,
      p99Ms: result.p99Ms,
      maxMs: result.maxMs,
      durationSec: result.durationSec,
      accepted: result.ok,
      errors: result.errors + result.timeouts,
      non2xx: Object.values(result.otherStatuses).reduce((a, b) => a + b, 0),
      peakRssMb: server.peakRssMb(),
    };
    log(`accept-single ${JSON.stringify(figures)}`);
    return figures;
  } finally {
    await server.stop();
  }
}

const runs = [];
for (let i = 0; i < RUNS; i++) runs.push(await run(false));
const workersOn = await run(true);

printResult({
  bench: 'accept-single',
  ...(await machine()),
  connections: CONNECTIONS,
  durationSec: DURATION_SEC,
  warmupSec: WARMUP_SEC,
  workers: false,
  requestsPerSec: median(runs.map((r) => r.requestsPerSec)),
  p50Ms: round(median(runs.map((r) => r.p50Ms)), 2),
  p99Ms: round(median(runs.map((r) => r.p99Ms)), 2),
  errors: runs.reduce((sum, r) => sum + r.errors, 0),
  non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
  peakRssMb: median(runs.map((r) => r.peakRssMb ?? Number.NaN)),
  targets: { requestsPerSec: 3000, p99Ms: 25 },
  runs,
  workersOn,
});
