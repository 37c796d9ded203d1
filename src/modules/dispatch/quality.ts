/**
 * Live quality of routes: per route × country, the outcome and latency (submit → receipt) of the last
 * receipts this process applied, in a fixed ring buffer per key. Kept in memory only: each process judges
 * routes by what it sees, which at any volume is a fair sample of the same carriers.
 */

/** Most receipts remembered per route × country (a rule's `window` is at most this). */
export const MAX_QUALITY_WINDOW = 1000;

/** What one route × country looked like over the last `window` receipts. */
export interface QualityStats {
  samples: number;
  /** delivered / samples (0 to 1); null without samples. */
  deliveryRate: number | null;
  /** Mean submit → receipt time of the delivered ones, ms; null when none was delivered. */
  latencyMs: number | null;
}

class Ring {
  readonly delivered = new Uint8Array(MAX_QUALITY_WINDOW);
  readonly latency = new Float64Array(MAX_QUALITY_WINDOW);
  /** Receipts ever added; the newest is at (count - 1) % size. */
  count = 0;
  /** Stats of the last window asked for, valid while `count` stays what it was. */
  cached: { window: number; count: number; stats: QualityStats } | null = null;

  add(delivered: boolean, latencyMs: number) {
    const at = this.count % MAX_QUALITY_WINDOW;
    this.delivered[at] = delivered ? 1 : 0;
    this.latency[at] = latencyMs;
    this.count++;
  }

  stats(window: number): QualityStats {
    const c = this.cached;
    if (c && c.window === window && c.count === this.count) return c.stats;
    const n = Math.min(window, this.count, MAX_QUALITY_WINDOW);
    let delivered = 0;
    let latency = 0;
    for (let i = 1; i <= n; i++) {
      const at = (this.count - i) % MAX_QUALITY_WINDOW;
      if (this.delivered[at] === 1) {
        delivered++;
        latency += this.latency[at]!;
      }
    }
    const stats: QualityStats = {
      samples: n,
      deliveryRate: n === 0 ? null : delivered / n,
      latencyMs: delivered === 0 ? null : latency / delivered,
    };
    this.cached = { window, count: this.count, stats };
    return stats;
  }
}

const NO_SAMPLES: QualityStats = Object.freeze({ samples: 0, deliveryRate: null, latencyMs: null });

export function createQualityTracker() {
  const rings = new Map<string, Ring>();
  const key = (routeId: string, country: string | null) => `${routeId}\u0000${country ?? ''}`;
  return {
    /** One receipt applied: whether it said delivered, and how long after the submit it came. */
    record(routeId: string, country: string | null, delivered: boolean, latencyMs: number) {
      const k = key(routeId, country);
      let ring = rings.get(k);
      if (!ring) {
        ring = new Ring();
        rings.set(k, ring);
      }
      ring.add(delivered, Math.max(0, latencyMs));
    },
    stats(routeId: string, country: string | null, window: number): QualityStats {
      return rings.get(key(routeId, country))?.stats(window) ?? NO_SAMPLES;
    },
    /** Every country this process has receipts for through a route, with its stats. */
    countriesOf(routeId: string, window: number): Array<{ country: string | null } & QualityStats> {
      const prefix = `${routeId}\u0000`;
      const out: Array<{ country: string | null } & QualityStats> = [];
      for (const [k, ring] of rings) {
        if (!k.startsWith(prefix)) continue;
        const country = k.slice(prefix.length);
        out.push({ country: country === '' ? null : country, ...ring.stats(window) });
      }
      return out.sort((a, b) => b.samples - a.samples || String(a.country).localeCompare(String(b.country)));
    },
  };
}

export type QualityTracker = ReturnType<typeof createQualityTracker>;
