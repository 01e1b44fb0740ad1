/**
 * The JobManager's metrics of a job: the slots' reports (every 500 ms, per task) turned into Flink's task and
 * operator metrics — counts, rates, busy/backpressured/idle time, watermarks, live state sizes, the
 * operators' metric groups — plus the scoped form the Prometheus reporter renders. REST, Web UI and
 * Prometheus all read these (through {@link JobClient}).
 *
 * Rates are Flink's `MeterView`: the change of a count over the last {@link RATE_WINDOW_MS} (60 s) divided by
 * that time; while the attempt is younger than the window, over its age (counts are 0 when a task starts).
 * `busyTimeMsPerSecond`, `backPressuredTimeMsPerSecond` and `idleTimeMsPerSecond` are averaged over the same
 * window, as Flink's `TimerGauge` does. Each task keeps one small sample per report inside the window
 * (about 120): a few numbers per operator, not the reports themselves.
 */
import type { JobGraph, JobVertex } from '../graph/index.ts';
import { isChainable } from '../graph/index.ts';
import type { MetricSample, ScopedMetric } from '../metrics/index.ts';
import type { TaskStats } from './slot.ts';

/** Flink's metric values of one operator subtask. */
export interface OperatorMetricsView {
  id: string;
  name: string;
  /** Flink names → values: numRecordsIn, numRecordsOut, *PerSecond, currentInputWatermark, currentOutputWatermark, numLateRecordsDropped … */
  values: Record<string, number>;
  /** User metrics (and other counters of the operator's group, by their own names). */
  user: MetricSample[];
}

/** Flink's metric values of one task (subtask of a vertex). */
export interface TaskMetricsView {
  vertex: number;
  subtask: number;
  finished: boolean;
  backpressured: boolean;
  /** Epoch ms of the latest report (0: none yet). */
  reportedAt: number;
  values: Record<string, number>;
  operators: OperatorMetricsView[];
}

/** Live state sizes: per operator, and summed over the task's operators. */
const STATE_SIZE = ['keyedStateEntries', 'keyedStateBytes', 'operatorStateEntries'] as const;

/** Operator metrics that are not user metrics (the operators' own counters keep their names). */
const OWN = new Set(['numLateRecordsDropped']);

/** The window of the per-second rates (Flink's `MeterView` default time span). */
export const RATE_WINDOW_MS = 60_000;

/** The counts of one report that rates are derived from. */
interface Sample {
  at: number;
  busy: number;
  bp: number;
  /** Per operator: records in, records out. */
  ops: Float64Array;
  bytesIn: number;
  bytesOut: number;
}

interface Entry {
  last: TaskStats;
  /** Oldest first: the newest sample at least {@link RATE_WINDOW_MS} old (or the task's start), then later ones. */
  samples: Sample[];
}

function sampleOf(s: TaskStats): Sample {
  const ops = new Float64Array(s.operators.length * 2);
  for (let i = 0; i < s.operators.length; i++) {
    ops[2 * i] = s.operators[i]!.recordsIn;
    ops[2 * i + 1] = s.operators[i]!.recordsOut;
  }
  return { at: s.at ?? 0, busy: s.busyMs ?? 0, bp: s.backPressuredMs ?? 0, ops, bytesIn: s.bytesIn ?? 0, bytesOut: s.bytesOut ?? 0 };
}

/** `Long.MIN_VALUE` of Flink's watermark gauges, for "no watermark yet". */
export const NO_WATERMARK = -9223372036854775808;
/** `Long.MAX_VALUE`: the watermark at end of input. */
export const MAX_WATERMARK = 9223372036854775807;

export class JobMetrics {
  private readonly tasks = new Map<string, Entry>();
  /** Per vertex: the chain positions whose output leaves the vertex (their records are the task's output). */
  private readonly exits: number[][];

  constructor(private readonly graph: JobGraph) {
    this.exits = graph.vertices.map((v) => v.nodes.flatMap((n, i) => (n.outEdges.some((e) => !isChainable(e)) ? [i] : [])));
  }

  /** A new attempt: counts start again (as Flink's metrics do for new task attempts). */
  reset(): void {
    this.tasks.clear();
  }

  /** A slot's report. */
  onReport(stats: TaskStats[]): void {
    for (const s of stats) {
      const k = `${s.vertex}/${s.subtask}`;
      const e = this.tasks.get(k);
      const sample = sampleOf(s);
      if (e === undefined) {
        // the task's start (all counts 0), when the report says how long ago that was
        const samples: Sample[] = s.sinceMs !== undefined && s.at !== undefined ? [{ at: s.at - s.sinceMs, busy: 0, bp: 0, ops: new Float64Array(sample.ops.length), bytesIn: 0, bytesOut: 0 }, sample] : [sample];
        this.tasks.set(k, { last: s, samples });
        continue;
      }
      e.last = s;
      const samples = e.samples;
      // the final report of a finished slot may share a timestamp with the previous one
      if (sample.at <= samples[samples.length - 1]!.at) samples[samples.length - 1] = sample;
      else samples.push(sample);
      const from = sample.at - RATE_WINDOW_MS;
      let drop = 0;
      while (drop + 1 < samples.length && samples[drop + 1]!.at <= from) drop++;
      if (drop > 0) samples.splice(0, drop);
    }
  }

  /** The raw latest reports (record counts for the job's result and progress). */
  reports(): TaskStats[] {
    return [...this.tasks.values()].map((e) => e.last);
  }

  task(vertex: number, subtask: number): TaskMetricsView | undefined {
    const e = this.tasks.get(`${vertex}/${subtask}`);
    return e === undefined ? undefined : this.view(this.graph.vertices[vertex]!, e);
  }

  private view(v: JobVertex, e: Entry): TaskMetricsView {
    const { last } = e;
    const first = e.samples[0]!;
    const now = e.samples[e.samples.length - 1]!;
    const dt = (now.at - first.at) / 1000;
    const rate = (a: number, b: number) => (dt > 0 ? Math.max(0, (a - b) / dt) : 0);
    const head = last.operators[0]!;
    const exits = this.exits[v.index]!;
    const out = (s: Sample) => exits.reduce((n, i) => n + (s.ops[2 * i + 1] ?? 0), 0);
    const inOf = (s: Sample) => (v.head.kind === 'source' ? 0 : s.ops[0]!);
    const busy = last.busyMs ?? 0;
    const bp = last.backPressuredMs ?? 0;
    const since = last.sinceMs ?? 0;
    const values: Record<string, number> = {
      numRecordsIn: inOf(now),
      numRecordsOut: out(now),
      numRecordsInPerSecond: rate(inOf(now), inOf(first)),
      numRecordsOutPerSecond: rate(out(now), out(first)),
      numBytesIn: now.bytesIn,
      numBytesOut: now.bytesOut,
      numBytesInPerSecond: rate(now.bytesIn, first.bytesIn),
      numBytesOutPerSecond: rate(now.bytesOut, first.bytesOut),
    };
    if (last.busyMs !== undefined) {
      const busyPs = Math.min(1000, rate(now.busy, first.busy));
      const bpPs = Math.min(1000, rate(now.bp, first.bp));
      values.busyTimeMsPerSecond = busyPs;
      values.backPressuredTimeMsPerSecond = bpPs;
      values.idleTimeMsPerSecond = dt > 0 ? Math.max(0, 1000 - busyPs - bpPs) : 0;
      values.accumulatedBusyTime = Math.round(busy);
      values.accumulatedBackPressuredTime = Math.round(bp);
      values.accumulatedIdleTime = Math.round(Math.max(0, since - busy - bp));
      values.currentInputWatermark = watermark(head.inputWatermark);
    }
    const operators = last.operators.map((o, i): OperatorMetricsView => {
      const ov: Record<string, number> = {
        numRecordsIn: o.recordsIn,
        numRecordsOut: o.recordsOut,
        numRecordsInPerSecond: rate(now.ops[2 * i] ?? 0, first.ops[2 * i] ?? 0),
        numRecordsOutPerSecond: rate(now.ops[2 * i + 1] ?? 0, first.ops[2 * i + 1] ?? 0),
      };
      const user: MetricSample[] = [];
      const st = o.state;
      if (st !== undefined) {
        if (st.keyedEntries !== undefined) ov.keyedStateEntries = st.keyedEntries;
        if (st.keyedBytes !== undefined) ov.keyedStateBytes = st.keyedBytes;
        ov.operatorStateEntries = st.operatorEntries;
        for (const k of STATE_SIZE) if (ov[k] !== undefined) values[k] = (values[k] ?? 0) + ov[k];
      }
      if (o.metrics !== undefined) {
        ov.currentInputWatermark = watermark(o.inputWatermark);
        ov.currentOutputWatermark = watermark(o.outputWatermark);
        ov.numLateRecordsDropped = 0;
        for (const m of o.metrics) {
          if (m.scope.length === 0 && OWN.has(m.name)) ov[m.name] = m.value;
          else user.push(m);
        }
      }
      return { id: o.id, name: o.name, values: ov, user };
    });
    return { vertex: v.index, subtask: last.subtask, finished: last.finished, backpressured: last.backpressured, reportedAt: last.at ?? 0, values, operators };
  }

  /** Every task that reported, in vertex and subtask order. */
  all(): TaskMetricsView[] {
    const out: TaskMetricsView[] = [];
    for (const v of this.graph.vertices)
      for (let s = 0; s < v.parallelism; s++) {
        const t = this.task(v.index, s);
        if (t) out.push(t);
      }
    return out;
  }

  /**
   * Task and operator metrics in Flink's scopes with the labels of Flink's Prometheus reporter
   * (`taskmanager_job_task_<name>`, `taskmanager_job_task_operator_<name>`).
   */
  scoped(job: { id: string; name: string; attempt: number }, vertexId: (v: JobVertex) => string): ScopedMetric[] {
    const out: ScopedMetric[] = [];
    for (const t of this.all()) {
      const v = this.graph.vertices[t.vertex]!;
      const task = { job_id: job.id, job_name: job.name, task_id: vertexId(v), task_name: v.name, subtask_index: String(t.subtask), task_attempt_num: String(job.attempt), tm_id: `slot-${t.subtask}` };
      for (const [name, value] of Object.entries(t.values)) out.push({ scope: 'taskmanager_job_task', name, labels: task, value });
      for (const o of t.operators) {
        const labels = { ...task, operator_id: o.id, operator_name: o.name };
        for (const [name, value] of Object.entries(o.values)) out.push({ scope: 'taskmanager_job_task_operator', name, labels, value });
        for (const m of o.user) {
          // Flink's reporter: group names join the metric name; key/value groups become labels
          const names: string[] = [];
          const extra: Record<string, string> = {};
          for (const part of m.scope) {
            const eq = part.indexOf('=');
            if (eq < 0) names.push(part);
            else {
              names.push(part.slice(0, eq));
              extra[part.slice(0, eq)] = part.slice(eq + 1);
            }
          }
          const base = [...names, m.name].join('_');
          const l = { ...labels, ...extra };
          if (m.kind === 'histogram' && m.stats) {
            const st = m.stats;
            out.push({ scope: 'taskmanager_job_task_operator', name: `${base}_count`, labels: l, value: st.count });
            for (const [q, val] of [['0.5', st.p50], ['0.75', st.p75], ['0.95', st.p95], ['0.98', st.p98], ['0.99', st.p99], ['0.999', st.p999]] as const)
              out.push({ scope: 'taskmanager_job_task_operator', name: base, labels: { ...l, quantile: q }, value: val });
          } else out.push({ scope: 'taskmanager_job_task_operator', name: base, labels: l, value: m.value });
        }
      }
    }
    return out;
  }
}

function watermark(w: number | undefined): number {
  return w === undefined || w === -Infinity ? NO_WATERMARK : w === Infinity ? MAX_WATERMARK : w;
}
