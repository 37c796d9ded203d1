/**
 * What the program counts for an operator's monitoring, without naming a metrics library: the composition
 * root gives modules these instruments, and an adapter (Prometheus) renders them.
 */
export type Labels = Record<string, string>;

export interface CounterMetric {
  inc(labels?: Labels, by?: number): void;
}

export interface HistogramMetric {
  observe(labels: Labels, value: number): void;
}

/** A value read when the metrics are collected (a queue's depth): one sample per label set. */
export type GaugeCollector = () => Promise<Array<{ labels: Labels; value: number }>>;

export interface Metrics {
  counter(name: string, help: string, labelNames: readonly string[]): CounterMetric;
  histogram(
    name: string,
    help: string,
    labelNames: readonly string[],
    buckets: readonly number[],
  ): HistogramMetric;
  gauge(name: string, help: string, labelNames: readonly string[], collect: GaugeCollector): void;
}
