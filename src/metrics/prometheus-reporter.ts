/**
 * Prometheus text exposition of eddy's metrics, named and labelled like Flink's `PrometheusReporter`:
 * `<prefix>_<scope>_<name>` with the scope's variables as labels, e.g.
 * `eddy_taskmanager_job_task_operator_numRecordsIn{job_id, job_name, task_id, task_name, subtask_index,
 * task_attempt_num, operator_id, operator_name, tm_id}`. Rendered with prom-client from the values the
 * JobManager holds at scrape time (nothing is kept between scrapes but the process metrics).
 */
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** The scopes of Flink's metric system that eddy has. */
export type MetricScope = 'jobmanager' | 'jobmanager_job' | 'taskmanager_job_task' | 'taskmanager_job_task_operator';

export interface ScopedMetric {
  scope: MetricScope;
  /** Flink's metric name (user metrics: their group names joined with `_`, then the name). */
  name: string;
  labels: Record<string, string>;
  value: number;
  help?: string;
}

/** Characters Prometheus does not allow in names become `_` (as Flink's reporter does). */
export function prometheusName(s: string): string {
  return s.replace(/[^a-zA-Z0-9_:]/g, '_');
}

export class PrometheusReporter {
  private readonly process = new Registry();
  constructor(readonly prefix = 'eddy') {
    collectDefaultMetrics({ register: this.process, prefix: `${prefix}_process_` });
  }

  /** The text exposition of `metrics` plus the JobManager process's own metrics. */
  async render(metrics: Iterable<ScopedMetric>): Promise<{ contentType: string; body: string }> {
    const reg = new Registry();
    const gauges = new Map<string, { g: Gauge; labels: string[] }>();
    for (const m of metrics) {
      const full = `${this.prefix}_${m.scope}_${prometheusName(m.name)}`;
      const labelNames = Object.keys(m.labels).map(prometheusName).sort();
      let e = gauges.get(full);
      if (e === undefined) {
        e = { g: new Gauge({ name: full, help: m.help ?? `${m.name} (scope ${m.scope})`, labelNames, registers: [reg] }), labels: labelNames };
        gauges.set(full, e);
      }
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(m.labels)) labels[prometheusName(k)] = v;
      // a metric whose label set differs from the first one's (a user group with other keys) gets the missing ones empty
      for (const l of e.labels) labels[l] ??= '';
      for (const l of Object.keys(labels)) if (!e.labels.includes(l)) delete labels[l];
      e.g.set(labels, Number.isFinite(m.value) ? m.value : m.value === Infinity ? Number.MAX_VALUE : m.value === -Infinity ? -Number.MAX_VALUE : NaN);
    }
    const merged = Registry.merge([reg, this.process]);
    return { contentType: merged.contentType, body: await merged.metrics() };
  }
}
