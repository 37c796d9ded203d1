/**
 * The routing decision per message, as the dispatcher makes it: with 50 routing rules (least_cost, quality
 * and priority, matched by country, prefix and type) over 20 routes, each route with carrier costs for
 * 30 countries and a few prefixes and live quality fed with receipts (some routes demoted), time
 * `router.plan(message)` + the route's cost + the recorded decision (JSON) for 200,000 messages to mixed
 * countries. Target: ≤ 20 µs per message. Prints one JSON line; `--messages=N`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/kernel/logger';
import { createSystem } from '../src/main';
import type { MessagesTable } from '../src/storage/schema';

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const MESSAGES = arg('messages', 200_000);
const ROUTES = 20;
const RULES = 50;
const COUNTRIES: Array<[string, string]> = [
  ['LV', '+3712'],
  ['LT', '+3706'],
  ['EE', '+3725'],
  ['DE', '+49151'],
  ['FR', '+336'],
  ['GB', '+447'],
  ['PL', '+4850'],
  ['SE', '+4670'],
  ['FI', '+35840'],
  ['NO', '+474'],
  ['DK', '+452'],
  ['NL', '+316'],
  ['BE', '+3247'],
  ['ES', '+346'],
  ['IT', '+393'],
  ['PT', '+3519'],
  ['AT', '+43664'],
  ['CH', '+4179'],
  ['CZ', '+4206'],
  ['SK', '+4219'],
  ['HU', '+3620'],
  ['RO', '+407'],
  ['BG', '+3598'],
  ['GR', '+3069'],
  ['IE', '+3538'],
  ['US', '+1202'],
  ['CA', '+1416'],
  ['UA', '+38050'],
  ['TR', '+905'],
  ['IN', '+9198'],
];

// A small deterministic generator: the same set-up on every run.
let seed = 42;
const rnd = () => {
  seed = (seed * 48_271) % 2_147_483_647;
  return seed / 2_147_483_647;
};
const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;

const dir = mkdtempSync(join(tmpdir(), 'smsgate-routing-'));
const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', WORKERS: 'false' });
const system = await createSystem(config, { logger: createLogger({ level: 'silent' }) });
try {
  const { routesAdmin, costsAdmin, registry } = system.services;
  const actor = { type: 'system' as const, id: null };
  const routeIds: string[] = [];
  for (let i = 0; i < ROUTES; i++) {
    const route = await routesAdmin.createRoute(actor, {
      name: `carrier ${i}`,
      type: 'simulator',
      enabled: true,
      config: { deliveryDelayMs: 1000 },
    });
    routeIds.push(route.id);
    const countries: Record<string, number> = {};
    for (const [c] of COUNTRIES) countries[c] = 10_000 + Math.floor(rnd() * 50_000);
    const prefixes: Record<string, number> = {};
    for (let p = 0; p < 5; p++) prefixes[`${pick(COUNTRIES)[1]}${p}`] = 9_000 + Math.floor(rnd() * 40_000);
    await costsAdmin.replace(actor, route.id, { default: 80_000, countries, prefixes }, 'json');
  }
  const strategies = ['least_cost', 'least_cost', 'quality', 'priority'] as const;
  for (let r = 0; r < RULES; r++) {
    const last = r === RULES - 1;
    const ids = [...new Set(Array.from({ length: 3 + Math.floor(rnd() * 4) }, () => pick(routeIds)))];
    await routesAdmin.createRule(actor, {
      priority: r,
      // Most rules name a few countries (some with a type or a prefix); the last catches everything.
      match: last
        ? {}
        : r % 5 === 0
          ? { prefixes: [`${pick(COUNTRIES)[1]}9`], type: 'marketing' }
          : { countries: [pick(COUNTRIES)[0], pick(COUNTRIES)[0]] },
      routeIds: ids,
      allowSimulator: true,
      strategy: pick([...strategies]),
    });
  }
  // Live quality: 200 receipts per route × country; a quarter of the routes deliver badly somewhere.
  for (const id of routeIds)
    for (const [c] of COUNTRIES) {
      const rate = rnd() < 0.25 ? 0.5 : 0.97;
      for (let i = 0; i < 200; i++) registry.quality.record(id, c, rnd() < rate, 2_000 + rnd() * 8_000);
    }

  const messages: MessagesTable[] = Array.from({ length: 10_000 }, (_, i) => {
    const [country, prefix] = pick(COUNTRIES);
    return {
      id: `msg_${i}`,
      account_id: 'acc_bench',
      to_number: `${prefix}${String(1_000_000 + i).slice(1)}`,
      sender: 'Bench',
      text: 'Hello',
      type: i % 3 === 0 ? 'marketing' : 'transactional',
      status: 'sending',
      encoding: 'GSM-7',
      segments: 1,
      price: 50_000,
      country,
      reference: null,
      campaign_id: null,
      send_at: null,
      valid_until: null,
      route_id: null,
      carrier_ref: null,
      attempts: 0,
      error_code: null,
      error_detail: null,
      carrier_error_code: null,
      charged: 0,
      created_by: null,
      created_at: 0,
      updated_at: 0,
      sent_at: null,
      done_at: null,
    };
  });

  const router = system.services.router;
  let sink = 0;
  const decideOne = (m: MessagesTable) => {
    const plan = router.plan!(m);
    const chosen = plan.routes[0]!;
    const cost = router.costOf!(chosen.id, m);
    const routing = JSON.stringify({ rule: plan.rule, strategy: plan.strategy, reason: plan.reason });
    sink += routing.length + (cost ?? 0);
  };
  // Warm up (JIT), then measure.
  for (let i = 0; i < 20_000; i++) decideOne(messages[i % messages.length]!);
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < MESSAGES; i++) decideOne(messages[i % messages.length]!);
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  const byStrategy: Record<string, number> = {};
  for (const m of messages.slice(0, 1000)) {
    const s = router.plan!(m).strategy;
    byStrategy[s] = (byStrategy[s] ?? 0) + 1;
  }
  console.log(
    JSON.stringify({
      bench: 'routing-decision',
      rules: RULES,
      routes: ROUTES,
      messages: MESSAGES,
      microsPerMessage: Number(((ms * 1000) / MESSAGES).toFixed(2)),
      cpuMicrosPerMessage: Number(((cpu.user + cpu.system) / MESSAGES).toFixed(2)),
      decisionsPerSecond: Math.round((MESSAGES / ms) * 1000),
      targetMicros: 20,
      strategyShare: byStrategy,
      loadAverage: Number(loadavg()[0]!.toFixed(1)),
      checksum: sink % 1000,
    }),
  );
} finally {
  await system.stop();
  rmSync(dir, { recursive: true, force: true });
}
