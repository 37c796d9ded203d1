import { describe, expect, it } from 'vitest';
import {
  type Candidate,
  createQualityTracker,
  DEFAULT_STRATEGY_OPTIONS,
  decide,
  parseCostsCsv,
  type QualityStats,
} from '../../src/modules/dispatch';
import { compileCosts, costPerSegment, costsToCsv } from '../../src/modules/dispatch/costs';

const o = DEFAULT_STRATEGY_OPTIONS;
const q = (samples: number, deliveryRate: number | null, latencyMs: number | null = 5_000): QualityStats => ({
  samples,
  deliveryRate,
  latencyMs,
});
const c = (id: string, cost: number | null, quality: QualityStats = q(0, null, null)): Candidate => ({
  id,
  cost,
  quality,
});
const never = () => 0.99;

describe('routing strategies', () => {
  it('priority keeps the listed order whatever the costs and quality', () => {
    const d = decide('priority', o, [c('rte_b', 30_000, q(200, 0.1)), c('rte_a', 21_000)], () => 0);
    expect(d.order).toEqual(['rte_b', 'rte_a']);
    expect(d.reason).toBe('priority: rte_b first in the rule');
  });

  it('least_cost puts the cheapest healthy route first, the rest by cost, unknown cost last', () => {
    const d = decide(
      'least_cost',
      o,
      [c('rte_x', null), c('rte_b', 30_000, q(200, 0.95)), c('rte_a', 21_000, q(200, 0.9))],
      never,
    );
    expect(d.order).toEqual(['rte_a', 'rte_b', 'rte_x']);
    expect(d.reason).toBe('least_cost: rte_a 0.021 < rte_b 0.03');
  });

  it('a route below the delivery threshold is demoted behind the healthy ones, still a failover', () => {
    const d = decide(
      'least_cost',
      o,
      [c('rte_a', 21_000, q(200, 0.41)), c('rte_b', 30_000, q(200, 0.97)), c('rte_c', 40_000, q(200, 0.9))],
      never,
    );
    expect(d.order).toEqual(['rte_b', 'rte_c', 'rte_a']);
    expect(d.reason).toBe('least_cost: rte_b 0.03 < rte_c 0.04; rte_a demoted (delivery 41% < 80%)');
  });

  it('a route slower than maxLatencyMs is demoted; too few receipts are not judged', () => {
    const slow = decide('least_cost', o, [c('rte_a', 1, q(200, 1, 90_000)), c('rte_b', 2, q(200, 1))], never);
    expect(slow.order).toEqual(['rte_b', 'rte_a']);
    expect(slow.reason).toContain('rte_a demoted (latency 90.0 s > 60.0 s)');
    const young = decide('least_cost', o, [c('rte_a', 1, q(19, 0)), c('rte_b', 2, q(200, 1))], never);
    expect(young.order).toEqual(['rte_a', 'rte_b']);
  });

  it('probes a demoted route with probeShare of the draws, and only then', () => {
    const routes = [c('rte_a', 21_000, q(200, 0.41)), c('rte_b', 30_000, q(200, 0.97))];
    const probe = decide('least_cost', o, routes, () => 0.049);
    expect(probe.order).toEqual(['rte_a', 'rte_b']);
    expect(probe.reason).toBe('least_cost: probing rte_a, demoted (delivery 41% < 80%)');
    expect(decide('least_cost', o, routes, () => 0.05).order).toEqual(['rte_b', 'rte_a']);
    // Over many draws the share is the one asked for.
    let seed = 1;
    const lcg = () => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    let probes = 0;
    for (let i = 0; i < 20_000; i++) if (decide('least_cost', o, routes, lcg).order[0] === 'rte_a') probes++;
    expect(probes / 20_000).toBeGreaterThan(0.04);
    expect(probes / 20_000).toBeLessThan(0.06);
    // probeShare 0: never.
    expect(decide('least_cost', { ...o, probeShare: 0 }, routes, () => 0).order[0]).toBe('rte_b');
  });

  it('quality prefers the best delivery rate, cost breaking ties', () => {
    const d = decide(
      'quality',
      o,
      [c('rte_a', 10_000, q(200, 0.9)), c('rte_b', 30_000, q(200, 0.99)), c('rte_c', 20_000, q(200, 0.99))],
      never,
    );
    expect(d.order).toEqual(['rte_c', 'rte_b', 'rte_a']);
    expect(d.reason).toBe('quality: rte_c delivery 99% (0.02) over rte_b delivery 99% (0.03)');
  });

  it('every route demoted: still ordered by the strategy, and it says so', () => {
    const d = decide('least_cost', o, [c('rte_a', 1, q(200, 0.5)), c('rte_b', 2, q(200, 0.3))], never);
    expect(d.order).toEqual(['rte_a', 'rte_b']);
    expect(d.reason).toBe('least_cost: every route demoted, rte_a first (delivery 50% < 80%)');
  });
});

describe('live quality', () => {
  it('judges the last `window` receipts per route and country', () => {
    const t = createQualityTracker();
    for (let i = 0; i < 100; i++) t.record('rte_a', 'LV', false, 1000);
    for (let i = 0; i < 50; i++) t.record('rte_a', 'LV', true, 2000);
    expect(t.stats('rte_a', 'LV', 50)).toEqual({ samples: 50, deliveryRate: 1, latencyMs: 2000 });
    expect(t.stats('rte_a', 'LV', 200)).toEqual({ samples: 150, deliveryRate: 50 / 150, latencyMs: 2000 });
    expect(t.stats('rte_a', 'EE', 200)).toEqual({ samples: 0, deliveryRate: null, latencyMs: null });
    // The ring keeps at most 1000: older receipts fall out.
    for (let i = 0; i < 1000; i++) t.record('rte_b', null, i % 2 === 0, 10);
    for (let i = 0; i < 1000; i++) t.record('rte_b', null, true, 10);
    expect(t.stats('rte_b', null, 1000)).toMatchObject({ samples: 1000, deliveryRate: 1 });
  });
});

describe('carrier costs', () => {
  it('longest prefix wins, then the country, then the default', () => {
    const lookup = compileCosts({
      default: 50_000,
      countries: { LV: 21_000 },
      prefixes: { '+371': 20_000, '+37129': 19_000 },
    });
    expect(costPerSegment(lookup, '+37129123456', 'LV')).toBe(19_000);
    expect(costPerSegment(lookup, '+37121123456', 'LV')).toBe(20_000);
    expect(costPerSegment(lookup, '+4915123456789', 'DE')).toBe(50_000);
    expect(costPerSegment(compileCosts({ default: null, countries: {}, prefixes: {} }), '+1', 'US')).toBe(
      null,
    );
  });

  it('reads and writes CSV, and reports each bad line by number', () => {
    const table = parseCostsCsv('country,prefix,cost\r\n*,,0.05\nLV,,0.021\n,+37129,0.019\n\n');
    expect(table).toEqual({ default: 50_000, countries: { LV: 21_000 }, prefixes: { '+37129': 19_000 } });
    expect(parseCostsCsv(costsToCsv(table))).toEqual(table);
    let error: unknown;
    try {
      parseCostsCsv('country,prefix,cost\nLV,,0.02\nXX,,0.01\nEE,,abc\nLV,,0.03\nEE,,1,2\n,3712,0.1\n');
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      code: 'validation_failed',
      errors: [
        { path: '/body/line/3' },
        { path: '/body/line/4' },
        { path: '/body/line/5', message: 'line 5: country LV is listed twice' },
        { path: '/body/line/6' },
        { path: '/body/line/7' },
      ],
    });
    expect(() => parseCostsCsv('name,value\nLV,1\n')).toThrow(/header/);
    expect(() => parseCostsCsv(`country,prefix,cost\n${'LV,,0.01\n'.repeat(120_000)}`)).toThrow(
      expect.objectContaining({ code: 'payload_too_large' }),
    );
  });
});
