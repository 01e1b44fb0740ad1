/**
 * metrics: Flink's metric types and groups (what operators and user functions register metrics on) and
 * the reporters (Prometheus text via prom-client). The runtime collects the values per batch in the
 * workers and aggregates them in the JobManager. May import `core` only; `state`, `api` and everything
 * above may import it.
 */
export { SimpleCounter, DescriptiveStatisticsHistogram, MeterView } from './metric-types.ts';
export type { Counter, Gauge, Histogram, HistogramStatistics, Meter } from './metric-types.ts';
export { OperatorMetricGroup } from './metric-group.ts';
export type { MetricGroup, MetricSample } from './metric-group.ts';
export { PrometheusReporter, prometheusName } from './prometheus-reporter.ts';
export type { MetricScope, ScopedMetric } from './prometheus-reporter.ts';
