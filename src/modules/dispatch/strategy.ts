import { z } from 'zod';
import { microToCredits } from '../billing';
import { MAX_QUALITY_WINDOW, type QualityStats } from './quality';

export const STRATEGIES = ['priority', 'least_cost', 'quality'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** Thresholds of `least_cost` and `quality`. */
export interface StrategyOptions {
  /** A route delivering less than this share (0 to 1) of the last `window` receipts is demoted. */
  minDeliveryRate: number;
  /** A route whose mean submit → receipt time is above this (ms) is demoted. */
  maxLatencyMs: number;
  /** How many of the last receipts per route × country are judged. */
  window: number;
  /** Share of messages (0 to 1) sent to a demoted route first, so that it can come back. */
  probeShare: number;
}

export const DEFAULT_STRATEGY_OPTIONS: Readonly<StrategyOptions> = Object.freeze({
  minDeliveryRate: 0.8,
  maxLatencyMs: 60_000,
  window: 200,
  probeShare: 0.05,
});

/** Fewer receipts than this (or than the window, when smaller) are too few to judge a route by. */
export const MIN_SAMPLES = 20;

export const strategyOptionsSchema = z.strictObject({
  minDeliveryRate: z.number().min(0).max(1).optional(),
  maxLatencyMs: z.number().int().min(1).max(86_400_000).optional(),
  window: z.number().int().min(1).max(MAX_QUALITY_WINDOW).optional(),
  probeShare: z.number().min(0).max(0.5).optional(),
});

/** One route a rule may take, with what it costs (micro-credits per segment) and how it did lately. */
export interface Candidate {
  id: string;
  cost: number | null;
  quality: QualityStats;
}

/** Routes in the order they are tried (chosen first, then failovers) and why. */
export interface Decision {
  order: string[];
  reason: string;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const credits = (c: number | null) => (c === null ? 'no cost' : String(microToCredits(c)));

/** Why a route is demoted under these thresholds, or null when it is healthy (or too new to judge). */
export function demotion(q: QualityStats, o: StrategyOptions): string | null {
  if (q.samples < Math.min(MIN_SAMPLES, o.window)) return null;
  if (q.deliveryRate !== null && q.deliveryRate < o.minDeliveryRate)
    return `delivery ${pct(q.deliveryRate)} < ${pct(o.minDeliveryRate)}`;
  if (q.latencyMs !== null && q.latencyMs > o.maxLatencyMs)
    return `latency ${secs(q.latencyMs)} > ${secs(o.maxLatencyMs)}`;
  return null;
}

// An unknown cost sorts last: a route is preferred for its price only when it has one.
const costKey = (c: Candidate) => (c.cost === null ? Number.POSITIVE_INFINITY : c.cost);
// A route too new to judge counts as just meeting the threshold.
const rateKey = (c: Candidate, o: StrategyOptions) =>
  c.quality.samples < Math.min(MIN_SAMPLES, o.window) || c.quality.deliveryRate === null
    ? o.minDeliveryRate
    : c.quality.deliveryRate;

/**
 * Orders a rule's routes. `priority` keeps the operator's order. `least_cost` puts the cheapest healthy
 * route first; `quality` the healthy one that delivers best (cost breaks ties); either way the operator's
 * order breaks the remaining ties. Demoted routes (below `minDeliveryRate` or above `maxLatencyMs` over
 * the last `window` receipts) follow the healthy ones in the same order, still failovers; with chance
 * `probeShare` one of them is tried first so that it can prove itself again. `random` is injected so that
 * tests can decide the probes.
 */
export function decide(
  strategy: Strategy,
  o: StrategyOptions,
  candidates: Candidate[],
  random: () => number,
): Decision {
  if (strategy === 'priority' || candidates.length === 0)
    return {
      order: candidates.map((c) => c.id),
      reason:
        candidates.length === 0 ? 'priority: no route' : `priority: ${candidates[0]!.id} first in the rule`,
    };
  const index = new Map(candidates.map((c, i) => [c.id, i]));
  const healthy: Candidate[] = [];
  const demoted: Array<{ c: Candidate; why: string }> = [];
  for (const c of candidates) {
    const why = demotion(c.quality, o);
    if (why === null) healthy.push(c);
    else demoted.push({ c, why });
  }
  const compare =
    strategy === 'least_cost'
      ? (a: Candidate, b: Candidate) => costKey(a) - costKey(b) || index.get(a.id)! - index.get(b.id)!
      : (a: Candidate, b: Candidate) =>
          rateKey(b, o) - rateKey(a, o) || costKey(a) - costKey(b) || index.get(a.id)! - index.get(b.id)!;
  healthy.sort(compare);
  demoted.sort((a, b) => compare(a.c, b.c));
  const order = healthy.map((c) => c.id);
  for (const d of demoted) order.push(d.c.id);

  const r = random();
  if (demoted.length > 0 && o.probeShare > 0 && r < o.probeShare) {
    const probed = demoted[Math.min(demoted.length - 1, Math.floor((r / o.probeShare) * demoted.length))]!;
    order.splice(order.indexOf(probed.c.id), 1);
    order.unshift(probed.c.id);
    return { order, reason: `${strategy}: probing ${probed.c.id}, demoted (${probed.why})` };
  }
  let reason: string;
  const [first, second] = healthy;
  if (!first) {
    const d = demoted[0]!;
    reason = `${strategy}: every route demoted, ${d.c.id} first (${d.why})`;
  } else if (strategy === 'least_cost') {
    reason = second
      ? `least_cost: ${first.id} ${credits(first.cost)} ${costKey(first) < costKey(second) ? '<' : '='} ${second.id} ${credits(second.cost)}`
      : `least_cost: ${first.id} ${credits(first.cost)}, the only healthy route`;
  } else {
    const rate = (c: Candidate) =>
      c.quality.deliveryRate === null || c.quality.samples < Math.min(MIN_SAMPLES, o.window)
        ? 'too new to judge'
        : `delivery ${pct(c.quality.deliveryRate)}`;
    reason = second
      ? `quality: ${first.id} ${rate(first)} (${credits(first.cost)}) over ${second.id} ${rate(second)} (${credits(second.cost)})`
      : `quality: ${first.id} ${rate(first)}, the only healthy route`;
  }
  if (first && demoted.length > 0) reason += `; ${demoted[0]!.c.id} demoted (${demoted[0]!.why})`;
  return { order, reason };
}
