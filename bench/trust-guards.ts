/**
 * What the trust guards (sender rules, content rules) cost on the accept path: the server's CPU time per
 * accepted message, this checkout against another one without the guards, in alternating runs.
 *
 *   npx tsx bench/trust-guards.ts --base /tmp/smsgate-base      # a checkout of the commit before the guards
 *   npx tsx bench/trust-guards.ts --base DIR --rounds 3 --duration 5
 *
 * Cases: single sends with no `from` (the shared sender: the guards' shortest path), single sends from an
 * alphanumeric sender with a link in the text (every rule runs), and bulk sends of 1,000 recipients from
 * that sender. Figures per case and checkout: the median over rounds of server CPU µs per accepted
 * message (user + system, from /proc), requests/s, and after/before ratios. The machine is shared, so
 * the checkouts alternate (the order flips every round) and only ratios within one run are compared.
 */
import {
  cpuSeconds,
  load,
  log,
  lvNumber,
  machine,
  median,
  numberArg,
  printResult,
  ROOT,
  round,
  signupWithApiKey,
  startServer,
} from './lib';

const ROUNDS = numberArg('rounds', 3);
const DURATION_SEC = numberArg('duration', 5);
const WARMUP_SEC = numberArg('warmup', 1);
const baseIndex = process.argv.indexOf('--base');
const BASE = baseIndex > 0 ? process.argv[baseIndex + 1] : undefined;
if (!BASE) {
  // `npm run bench` runs every bench without arguments: there is nothing to compare against then.
  printResult({ bench: 'trust-guards', skipped: 'needs --base <a checkout without the guards>' });
  process.exit(0);
}

type CaseName = 'singleNoFrom' | 'singleGuarded' | 'bulkGuarded';
const CASES: Record<CaseName, { connections: number; body: (n: number) => string; perRequest: number }> = {
  singleNoFrom: {
    connections: 50,
    perRequest: 1,
    body: (n) => JSON.stringify({ to: lvNumber(n), text: `Your code is ${100_000 + (n % 900_000)}` }),
  },
  singleGuarded: {
    connections: 50,
    perRequest: 1,
    body: (n) =>
      JSON.stringify({
        to: lvNumber(n),
        from: 'AcmeShop',
        text: `Order ${n} has shipped: https://shop.example.com/orders/${n}`,
      }),
  },
  bulkGuarded: {
    connections: 4,
    perRequest: 1000,
    body: (n) =>
      JSON.stringify({
        to: Array.from({ length: 1000 }, (_, i) => lvNumber(n * 1000 + i)),
        from: 'AcmeShop',
        text: 'Spring sale: 20% off at https://shop.example.com until Sunday. Reply STOP to opt out.',
      }),
  },
};

async function run(root: string, name: CaseName) {
  const c = CASES[name];
  const server = await startServer({ WORKERS: 'false' }, { root });
  try {
    const { key } = await signupWithApiKey(server);
    let n = 0;
    const options = {
      url: `${server.baseUrl}/v1/messages`,
      connections: c.connections,
      okStatus: 202,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      nextBody: () => c.body(n++),
    };
    await load({ ...options, durationSec: WARMUP_SEC });
    const cpuBefore = cpuSeconds(server.pid);
    const result = await load({ ...options, durationSec: DURATION_SEC });
    const cpu = cpuSeconds(server.pid) - cpuBefore;
    const messages = result.ok * c.perRequest;
    const figures = {
      requestsPerSec: Math.round(result.okPerSec),
      cpuUsPerMessage: round((cpu / messages) * 1e6, 2),
      messages,
      non2xx: Object.values(result.otherStatuses).reduce((a, b) => a + b, 0),
    };
    log(`${name} ${root === ROOT ? 'guards' : 'base'} ${JSON.stringify(figures)}`);
    return figures;
  } finally {
    await server.stop();
  }
}

const results: Record<string, { base: number[]; guards: number[]; baseRps: number[]; guardsRps: number[] }> =
  {};
// `--only NAME` (repeatable) runs just those cases.
const only = process.argv.flatMap((a, i) => (process.argv[i - 1] === '--only' ? [a] : []));
const names = (Object.keys(CASES) as CaseName[]).filter((n) => only.length === 0 || only.includes(n));
for (let round_ = 0; round_ < ROUNDS; round_++) {
  for (const name of names) {
    results[name] ??= { base: [], guards: [], baseRps: [], guardsRps: [] };
    const entry = results[name];
    const order = round_ % 2 === 0 ? ([BASE, ROOT] as const) : ([ROOT, BASE] as const);
    for (const root of order) {
      const figures = await run(root, name);
      if (figures.non2xx > 0) throw new Error(`${name}: ${figures.non2xx} answers were not 202`);
      if (root === ROOT) {
        entry.guards.push(figures.cpuUsPerMessage);
        entry.guardsRps.push(figures.requestsPerSec);
      } else {
        entry.base.push(figures.cpuUsPerMessage);
        entry.baseRps.push(figures.requestsPerSec);
      }
    }
  }
}

const cases: Record<string, unknown> = {};
for (const [name, r] of Object.entries(results)) {
  const base = median(r.base);
  const guards = median(r.guards);
  cases[name] = {
    cpuUsPerMessage: { base, guards, ratio: round(guards / base, 3) },
    requestsPerSec: { base: median(r.baseRps), guards: median(r.guardsRps) },
    runs: r,
  };
}
printResult({
  bench: 'trust-guards',
  ...(await machine()),
  rounds: ROUNDS,
  durationSec: DURATION_SEC,
  target: { cpuRatioAtMost: 1.1 },
  cases,
});
