import { describe, expect, it } from 'vitest';
import { message, route, simulator } from './helpers';

/** The largest number of timestamps (ms) inside any half-open window [t, t + windowMs). */
function maxInWindow(timestamps: number[], windowMs: number): number {
  const sorted = [...timestamps].sort((a, b) => a - b);
  let max = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++;
    max = Math.max(max, end - start + 1);
  }
  return max;
}

describe('throughput limit', () => {
  it('never starts more than 50 submit_sm in any 1-second window, measured at the SMSC over > 3 s', async () => {
    const sim = await simulator({ receipts: false });
    const smpp = await route(sim, { throughput: 50, binds: 2, window: 10 });
    const results = await Promise.all(Array.from({ length: 200 }, () => smpp.send(message())));
    expect(results).toHaveLength(200);

    const arrivals = sim.submits.map((submit) => submit.at);
    expect(arrivals).toHaveLength(200);
    const span = Math.max(...arrivals) - Math.min(...arrivals);
    // 200 submits at 50 per (1 s + guard) need at least 3 full windows after the first burst...
    expect(span).toBeGreaterThanOrEqual(3_000);
    // ...and the limit is used, not undershot by much (generous for a loaded machine).
    expect(span).toBeLessThan(10_000);
    expect(maxInWindow(arrivals, 1_000)).toBeLessThanOrEqual(50);
  });
});
