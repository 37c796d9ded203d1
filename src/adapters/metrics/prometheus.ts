import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { GaugeCollector, Metrics } from '../../kernel/metrics';

export interface PrometheusMetrics extends Metrics {
  /** The text exposition format, and its content type, for `GET /metrics`. */
  render(): Promise<{ contentType: string; body: string }>;
}

/**
 * Metrics in Prometheus's text format (prom-client), on a registry of this system's own, so two systems in
 * one process (tests) never share a series. The process's own figures (CPU, memory, event-loop lag, GC)
 * come with them.
 */
export function createPrometheusMetrics(): PrometheusMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  return {
    counter(name, help, labelNames) {
      const c = new Counter({ name, help, labelNames: [...labelNames], registers: [registry] });
      return { inc: (labels = {}, by = 1) => c.inc(labels, by) };
    },
    histogram(name, help, labelNames, buckets) {
      const h = new Histogram({
        name,
        help,
        labelNames: [...labelNames],
        buckets: [...buckets],
        registers: [registry],
      });
      return { observe: (labels, value) => h.observe(labels, value) };
    },
    gauge(name, help, labelNames, collect: GaugeCollector) {
      new Gauge({
        name,
        help,
        labelNames: [...labelNames],
        registers: [registry],
        async collect() {
          this.reset();
          for (const s of await collect()) this.set(s.labels, s.value);
        },
      });
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
