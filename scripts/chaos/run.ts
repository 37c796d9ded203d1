/**
 * Chaos trials: send N messages through a real deployment to the SMSC simulator (out of process), break one
 * part at a random moment, put it back, and check what a user would: nothing accepted lost, nothing charged
 * twice, every message final after recovery, duplicates at the carrier within what was in flight, and how
 * long the path took to move again once the part was back.
 *
 *   npm run chaos                                   # every fault × 3 seeds, both deployments (≥ 50 trials)
 *   npm run chaos -- --ci                           # the short seeded subset CI runs (fails on the
 *                                                   # invariants; other targets are reported)
 *   npm run chaos -- --faults kill-server,redis-pause-5s --deployments split --seeds 1 --messages 500
 *
 * Loopback only; bounded in count and time; stops only what it started. Prints a table and one JSON line;
 * exits 1 when a target is missed (0 lost, 0 charged twice, 0 non-final, every final status's webhook
 * received, duplicates ≤ window × binds per killing fault, recovery ≤ 10 s). CHAOS_KEEP=1 keeps each
 * trial's data folder to look into.
 */
import { parseArgs } from 'node:util';
import { type Deployment, type DeploymentKind, ROUTE, startDeployment } from './deployment';
import { FAULTS, type Fault } from './faults';
import { sleep } from './processes';

const { values } = parseArgs({
  options: {
    ci: { type: 'boolean', default: false },
    messages: { type: 'string' },
    seeds: { type: 'string' },
    seed: { type: 'string' },
    faults: { type: 'string' },
    deployments: { type: 'string' },
    // Long enough for a receipt timeout (60 s) and the sweep that applies it (every 60 s).
    'settle-seconds': { type: 'string', default: '150' },
  },
});

const CI_FAULTS = ['kill-server', 'kill-worker', 'redis-pause-5s', 'pg-terminate', 'carrier-drop'];
const MESSAGES = Number(values.messages ?? (values.ci ? 500 : 2000));
const SEEDS = Number(values.seeds ?? (values.ci ? 1 : 3));
const BASE_SEED = Number(values.seed ?? 20261207);
const SETTLE_MS = Number(values['settle-seconds']) * 1000;
const DEPLOYMENTS = (values.deployments ?? 'sqlite,split').split(',') as DeploymentKind[];
const WANTED = values.faults?.split(',') ?? (values.ci ? CI_FAULTS : FAULTS.map((f) => f.name));
const FINAL = ['delivered', 'undelivered', 'expired', 'failed', 'rejected', 'cancelled'];
const TEXT = 'Chaos trial: your code is 4242.';
const RECOVERY_TARGET_MS = 10_000;

/** mulberry32: a small seeded generator, so a trial's fault moment can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface TrialResult {
  deployment: DeploymentKind;
  fault: string;
  seed: number;
  faultAtMs: number;
  accepted: number;
  lost: number;
  chargedTwice: number;
  acceptedTwice: number;
  nonFinal: number;
  carrierDuplicates: number;
  duplicateBound: number;
  recoveryMs: number | null;
  webhooksMissing: number;
  /** Of the missing webhooks: messages not final, final with no delivery row for it, a row not delivered. */
  webhooksMissingWhy: { notFinal: number; noDelivery: number; undelivered: number };
  webhookRedeliveries: number;
  seconds: number;
  /** Seconds spent setting up, sending, settling and waiting for webhooks. */
  phases: Record<string, number>;
  /** Every target met. */
  ok: boolean;
  /** The money and durability invariants held: nothing lost, charged twice or accepted twice. */
  invariantsHeld: boolean;
  error?: string;
}

function number(trial: number, i: number): string {
  return `+3712${String(trial * 10_000 + i).padStart(7, '0')}`;
}

/**
 * Sends every message once from the client's side: bulk requests of 50 and single ones, 8 at a time, each
 * with an Idempotency-Key, retried on network errors, 5xx and 429 (as a careful client would) for up to
 * 90 s. Resolves to the ids answered 2xx.
 */
async function sendAll(d: Deployment, trial: number): Promise<Map<string, string>> {
  const accepted = new Map<string, string>(); // id → number
  const bodies: Array<{ key: string; body: object }> = [];
  const half = Math.floor(MESSAGES / 2);
  for (let i = 0; i < half; i += 50) {
    const to = Array.from({ length: Math.min(50, half - i) }, (_, k) => number(trial, i + k));
    bodies.push({ key: `t${trial}-bulk-${i}`, body: { to, text: TEXT } });
  }
  for (let i = half; i < MESSAGES; i++)
    bodies.push({ key: `t${trial}-one-${i}`, body: { to: number(trial, i), text: TEXT } });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${d.apiKey}` };
  let next = 0;
  const deadline = Date.now() + 90_000;
  async function lane() {
    while (next < bodies.length) {
      const { key, body } = bodies[next++]!;
      for (let attempt = 0; ; attempt++) {
        try {
          const response = await fetch(`${d.baseUrl}/v1/messages`, {
            method: 'POST',
            headers: { ...headers, 'idempotency-key': key },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(10_000),
          });
          if (response.status === 202) {
            const answer = (await response.json()) as { data: Array<{ id: string; to: string }> };
            for (const m of answer.data) accepted.set(m.id, m.to);
            break;
          }
          await response.body?.cancel();
          if (response.status < 500 && response.status !== 429 && response.status !== 409) {
            throw new Error(`send answered ${response.status}`);
          }
        } catch (error) {
          if ((error as Error).message.startsWith('send answered')) throw error;
        }
        if (Date.now() > deadline) throw new Error(`gave up sending ${key} after ${attempt + 1} attempts`);
        await sleep(Math.min(2000, 100 * 2 ** Math.min(attempt, 4)));
      }
    }
  }
  await Promise.all(Array.from({ length: 8 }, lane));
  return accepted;
}

async function countFinal(d: Deployment): Promise<number> {
  const marks = FINAL.map(() => '?').join(',');
  const rows = await d.query<{ n: number | string }>(
    `SELECT count(*) AS n FROM messages WHERE account_id = ? AND status IN (${marks})`,
    [d.accountId, ...FINAL],
  );
  return Number(rows[0]?.n ?? 0);
}

async function runTrial(
  kind: DeploymentKind,
  fault: Fault,
  seed: number,
  trial: number,
): Promise<TrialResult> {
  const started = Date.now();
  const rand = random(seed);
  const setupStarted = Date.now();
  const d = await startDeployment(kind);
  const setupSeconds = Math.round((Date.now() - setupStarted) / 100) / 10;
  const result: TrialResult = {
    deployment: kind,
    fault: fault.name,
    seed,
    faultAtMs: Math.round(200 + rand() * 2300),
    accepted: 0,
    lost: 0,
    chargedTwice: 0,
    acceptedTwice: 0,
    nonFinal: 0,
    carrierDuplicates: 0,
    duplicateBound: fault.kills ? ROUTE.window * ROUTE.binds : 0,
    recoveryMs: null,
    webhooksMissing: 0,
    webhooksMissingWhy: { notFinal: 0, noDelivery: 0, undelivered: 0 },
    webhookRedeliveries: 0,
    seconds: 0,
    phases: {},
    ok: false,
    invariantsHeld: false,
  };
  result.phases.setup = setupSeconds;
  let mark = Date.now();
  const phase = (name: string) => {
    result.phases[name] = Math.round((Date.now() - mark) / 100) / 10;
    mark = Date.now();
  };
  try {
    const sending = sendAll(d, trial);
    // Awaited below; until then (a fault that throws first) its failure must not end the whole run.
    sending.catch(() => undefined);
    await sleep(result.faultAtMs);
    await fault.inject(d);
    const backAt = Date.now();
    // Recovery: how long after the part is back until messages become final again (0 when none waited).
    const finalAtBack = await countFinal(d).catch(() => 0);
    // Watched while the client still sends too: the client's own pace is not the path's recovery.
    let sent = false;
    const watching = (async () => {
      while (!sent && result.recoveryMs === null) {
        const now = await countFinal(d).catch(() => finalAtBack);
        if (now > finalAtBack) result.recoveryMs = Date.now() - backAt;
        else await sleep(200);
      }
    })();
    const accepted = await sending.finally(() => {
      sent = true;
    });
    await watching;
    phase('send');
    result.accepted = accepted.size;
    const settleBy = Date.now() + SETTLE_MS;
    let final = 0;
    for (;;) {
      final = await countFinal(d).catch(() => final);
      if (result.recoveryMs === null && (final > finalAtBack || final >= accepted.size)) {
        result.recoveryMs = final >= accepted.size && final === finalAtBack ? 0 : Date.now() - backAt;
      }
      if (final >= accepted.size || Date.now() > settleBy) break;
      await sleep(200);
    }
    phase('settle');
    // Webhooks trail the statuses: give them a moment, then count what never arrived.
    const hooksBy = Date.now() + 30_000;
    while (Date.now() < hooksBy) {
      if ([...accepted.keys()].every((id) => d.webhooks.finalStatus.has(id))) break;
      await sleep(250);
    }
    phase('webhooks');
    const ids = [...accepted.keys()];
    const rows: Array<{ id: string; to_number: string; status: string; price: number; charged: number }> = [];
    for (let i = 0; i < ids.length; i += 500) {
      const part = ids.slice(i, i + 500);
      rows.push(
        ...(await d.query<(typeof rows)[number]>(
          `SELECT id, to_number, status, price, charged FROM messages WHERE id IN (${part.map(() => '?').join(',')})`,
          part,
        )),
      );
    }
    result.lost = ids.length - rows.length;
    result.nonFinal = rows.filter((r) => !FINAL.includes(r.status)).length;
    // A number with two message rows: the same request accepted twice (idempotency failed across the fault).
    const byNumber = await d.query<{ to_number: string; n: number | string }>(
      'SELECT to_number, count(*) AS n FROM messages WHERE account_id = ? GROUP BY to_number HAVING count(*) > 1',
      [d.accountId],
    );
    result.acceptedTwice = byNumber.length;
    // Charged twice: the ledger's charges against the messages marked charged (each at its own price).
    const charges = await d.query<{ total: number | string | null }>(
      "SELECT sum(-amount) AS total FROM credit_ledger WHERE account_id = ? AND kind = 'charge'",
      [d.accountId],
    );
    const chargedPrice = rows.filter((r) => Number(r.charged) === 1).reduce((s, r) => s + Number(r.price), 0);
    const unit = Number(rows[0]?.price ?? 1) || 1;
    result.chargedTwice = Math.round((Number(charges[0]?.total ?? 0) - chargedPrice) / unit);
    // Duplicates at the carrier: accepted submit_sm beyond the first for each number.
    const twice: string[] = [];
    for (const [to, count] of d.carrier.acceptedByDestination()) {
      result.carrierDuplicates += count - 1;
      if (count > 1) twice.push(to);
    }
    // Which messages went out twice, to look up in the kept processes' logs.
    if (twice.length > 0 && process.env.CHAOS_KEEP) {
      const dup = await d.query<{ id: string; to_number: string; status: string; attempts: number }>(
        `SELECT id, to_number, status, attempts FROM messages WHERE account_id = ? AND to_number IN (${twice
          .slice(0, 50)
          .map(() => '?')
          .join(',')})`,
        [d.accountId, ...twice.slice(0, 50).map((to) => (to.startsWith('+') ? to : `+${to}`))],
      );
      console.log(`carrier duplicates: ${JSON.stringify(dup)}`);
    }
    const missing = ids.filter((id) => !d.webhooks.finalStatus.has(id));
    result.webhooksMissing = missing.length;
    // Why each missing webhook is missing (a few dozen at most: one query each).
    const statusOf = new Map(rows.map((r) => [r.id, r.status]));
    for (const id of missing) {
      const status = statusOf.get(id);
      if (!status || !FINAL.includes(status)) {
        result.webhooksMissingWhy.notFinal++;
        continue;
      }
      const deliveries = await d.query<{ status: string }>(
        'SELECT status FROM webhook_deliveries WHERE body LIKE ?',
        [`%"messageId":"${id}"%"status":"${status}"%`],
      );
      if (deliveries.length === 0) result.webhooksMissingWhy.noDelivery++;
      else result.webhooksMissingWhy.undelivered++;
    }
    result.webhookRedeliveries = d.webhooks.redeliveries();
    result.invariantsHeld = result.lost === 0 && result.chargedTwice === 0 && result.acceptedTwice === 0;
    result.ok =
      result.invariantsHeld &&
      result.nonFinal === 0 &&
      result.carrierDuplicates <= result.duplicateBound &&
      // Every final status reaches the client's endpoint (at least once) within 30 s of the run settling.
      result.webhooksMissing === 0 &&
      (result.recoveryMs ?? Number.POSITIVE_INFINITY) <= RECOVERY_TARGET_MS;
  } catch (error) {
    result.error = (error as Error).message;
    const logs = [d.api, d.worker].filter(Boolean).map((p) => `${p!.name}: ${p!.output().slice(-1500)}`);
    process.stderr.write(`\n${kind}/${fault.name}/${seed}: ${result.error}\n${logs.join('\n')}\n`);
  } finally {
    await d.close().catch(() => undefined);
  }
  result.seconds = Math.round((Date.now() - started) / 100) / 10;
  return result;
}

const faults = FAULTS.filter((f) => WANTED.includes(f.name));
const results: TrialResult[] = [];
let trial = 0;
for (const kind of DEPLOYMENTS) {
  for (const fault of faults.filter((f) => f.on.includes(kind))) {
    for (let s = 0; s < SEEDS; s++) {
      trial++;
      const r = await runTrial(kind, fault, BASE_SEED + trial, trial);
      results.push(r);
      process.stderr.write(
        `${r.ok ? 'ok  ' : 'FAIL'} ${kind.padEnd(6)} ${fault.name.padEnd(20)} accepted ${r.accepted} lost ${r.lost} ` +
          `charged-twice ${r.chargedTwice} non-final ${r.nonFinal} carrier-dups ${r.carrierDuplicates}/${r.duplicateBound} ` +
          `recovery ${r.recoveryMs ?? '-'} ms, webhooks missing ${r.webhooksMissing} ${JSON.stringify(r.webhooksMissingWhy)}, ${r.seconds} s ${JSON.stringify(r.phases)}${r.error ? ` (${r.error})` : ''}\n`,
      );
    }
  }
}

// The table, one row per deployment × fault (worst of its seeds).
const header =
  '| deployment | fault | trials | accepted | lost | charged twice | non-final | carrier dups (max / bound) | recovery max (ms) | webhooks missing | webhook redeliveries | pass |';
const lines = [header, '|---|---|---|---|---|---|---|---|---|---|---|---|'];
const groups = new Map<string, TrialResult[]>();
for (const r of results)
  groups.set(`${r.deployment}|${r.fault}`, [...(groups.get(`${r.deployment}|${r.fault}`) ?? []), r]);
for (const [key, rs] of groups) {
  const [deployment, fault] = key.split('|');
  const max = (f: (r: TrialResult) => number) => Math.max(...rs.map(f));
  const sum = (f: (r: TrialResult) => number) => rs.reduce((s, r) => s + f(r), 0);
  lines.push(
    `| ${deployment} | ${fault} | ${rs.length} | ${sum((r) => r.accepted)} | ${sum((r) => r.lost)} | ${sum((r) => r.chargedTwice)} | ` +
      `${sum((r) => r.nonFinal)} | ${max((r) => r.carrierDuplicates)} / ${rs[0]!.duplicateBound} | ` +
      `${rs.some((r) => r.recoveryMs === null) ? 'none' : max((r) => r.recoveryMs ?? 0)} | ${sum((r) => r.webhooksMissing)} | ` +
      `${sum((r) => r.webhookRedeliveries)} | ${rs.every((r) => r.ok) ? 'yes' : 'NO'} |`,
  );
}
process.stdout.write(`${lines.join('\n')}\n`);
const passed = results.filter((r) => r.ok).length;
process.stdout.write(
  `${JSON.stringify({
    bench: 'chaos',
    trials: results.length,
    passed,
    messagesPerTrial: MESSAGES,
    lost: results.reduce((s, r) => s + r.lost, 0),
    chargedTwice: results.reduce((s, r) => s + r.chargedTwice, 0),
    nonFinal: results.reduce((s, r) => s + r.nonFinal, 0),
    maxRecoveryMs: Math.max(0, ...results.map((r) => r.recoveryMs ?? 0)),
  })}\n`,
);
// In CI (--ci) a trial fails on the invariants that must hold in any run (nothing lost, charged twice or
// accepted twice); the timing-dependent targets (non-final, duplicates, recovery, webhooks) are reported
// above and judged by the full run, which fails on any of them.
const counted = values.ci ? results.filter((r) => r.invariantsHeld).length : passed;
if (values.ci && counted !== passed)
  process.stdout.write(
    `targets missed (reported, not failed in --ci): ${results.length - passed} trial(s)\n`,
  );
process.stdout.write(`${counted} passed, ${results.length - counted} failed\n`);
process.exit(counted === results.length ? 0 : 1);
