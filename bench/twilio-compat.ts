/**
 * The Twilio-compatible send against the native one, in the same server and the same run: POST
 * /2010-04-01/Accounts/{AccountSid}/Messages.json (form body, HTTP Basic) and POST /v1/messages (JSON,
 * Bearer), one-recipient sends at 50 keep-alive connections, workers off, the two alternating in each
 * round (which goes first alternates too). Target: the compatible path within 15 % of the native one.
 *
 *   npx tsx bench/twilio-compat.ts                        # 3 rounds of 2 s warm-up + 8 s each
 *   npx tsx bench/twilio-compat.ts --rounds 1 --duration 3 --warmup 1
 *
 * Each round starts a fresh server on a fresh database; the result is the median ratio of the rounds, and
 * the median server CPU per accepted message of each path (read from /proc around each measured phase).
 */
import {
  cpuMs,
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

const ROUNDS = numberArg('rounds', 3);
const DURATION_SEC = numberArg('duration', 8);
const WARMUP_SEC = numberArg('warmup', 2);
const CONNECTIONS = numberArg('connections', 50);

async function round_(index: number) {
  const server = await startServer({ WORKERS: 'false' });
  try {
    const { key } = await signupWithApiKey(server);
    const me = (await (
      await fetch(`${server.baseUrl}/v1/me`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as {
      account: { twilioAccountSid: string };
    };
    const sid = me.account.twilioAccountSid;
    let n = index * 10_000_000;
    const native = {
      url: `${server.baseUrl}/v1/messages`,
      connections: CONNECTIONS,
      okStatus: 202,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      nextBody: () =>
        JSON.stringify({ to: lvNumber(n++ % 10_000_000), text: `Your code is ${100_000 + (n % 900_000)}` }),
    };
    const compatible = {
      url: `${server.baseUrl}/2010-04-01/Accounts/${sid}/Messages.json`,
      connections: CONNECTIONS,
      okStatus: 201,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${sid}:${key}`).toString('base64')}`,
      },
      nextBody: () =>
        new URLSearchParams({
          To: lvNumber(n++ % 10_000_000),
          Body: `Your code is ${100_000 + (n % 900_000)}`,
        }).toString(),
    };
    const measure = async (name: string, options: typeof native) => {
      await load({ ...options, durationSec: WARMUP_SEC });
      const cpuBefore = cpuMs(server.pid);
      const r = await load({ ...options, durationSec: DURATION_SEC });
      const cpuAfter = cpuMs(server.pid);
      const figures = {
        requestsPerSec: Math.round(r.okPerSec),
        // The server's CPU per accepted message: comparable across rounds even when the machine is busy.
        serverCpuUsPerMessage:
          cpuBefore !== null && cpuAfter !== null && r.ok > 0
            ? Math.round(((cpuAfter - cpuBefore) * 1000) / r.ok)
            : null,
        p50Ms: r.p50Ms,
        p99Ms: r.p99Ms,
        errors: r.errors + r.timeouts + Object.values(r.otherStatuses).reduce((a, b) => a + b, 0),
      };
      log(`twilio-compat round ${index + 1} ${name} ${JSON.stringify(figures)}`);
      return figures;
    };
    const order = index % 2 === 0 ? (['native', 'compatible'] as const) : (['compatible', 'native'] as const);
    const results: Record<string, Awaited<ReturnType<typeof measure>>> = {};
    for (const name of order) results[name] = await measure(name, name === 'native' ? native : compatible);
    const ratio = results.compatible!.requestsPerSec / results.native!.requestsPerSec;
    return {
      first: order[0],
      native: results.native!,
      compatible: results.compatible!,
      ratio: round(ratio, 3),
    };
  } finally {
    await server.stop();
  }
}

const rounds = [];
for (let i = 0; i < ROUNDS; i++) rounds.push(await round_(i));

printResult({
  bench: 'twilio-compat',
  ...(await machine()),
  connections: CONNECTIONS,
  durationSec: DURATION_SEC,
  warmupSec: WARMUP_SEC,
  nativeRequestsPerSec: median(rounds.map((r) => r.native.requestsPerSec)),
  compatibleRequestsPerSec: median(rounds.map((r) => r.compatible.requestsPerSec)),
  compatibleToNative: median(rounds.map((r) => r.ratio)),
  nativeServerCpuUsPerMessage: median(rounds.map((r) => r.native.serverCpuUsPerMessage ?? 0)),
  compatibleServerCpuUsPerMessage: median(rounds.map((r) => r.compatible.serverCpuUsPerMessage ?? 0)),
  errors: rounds.reduce((sum, r) => sum + r.native.errors + r.compatible.errors, 0),
  targets: { compatibleToNative: 0.85 },
  rounds,
});
