/**
 * The JobManager's metrics of a job: the slots' reports (every 500 ms, per task) turned into Flink's task and
 * operator metrics — counts, rates per second over the last report interval, busy/backpressured/idle time,
 * watermarks, the operators' metric groups — plus the scoped form the Prometheus reporter renders. REST,
 * Web UI and Prometheus all read these (through {@link JobClient}).
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

/** Operator metrics that are not user metrics (the operators' own counters keep their names). */
const OWN = new Set(['numLateRecordsDropped']);

interface Entry {
  last: TaskStats;
  prev: TaskStats | undefined;
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
      if (e === undefined) this.tasks.set(k, { last: s, prev: undefined });
      else if ((s.at ?? 0) > (e.last.at ?? 0)) {
        e.prev = e.last;
        e.last = s;
      } else e.last = s; // the final report of a finished slot may share a timestamp
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
    const { last, prev } = e;
    const dt = prev !== undefined && last.at !== undefined && prev.at !== undefined ? (last.at - prev.at) / 1000 : 0;
    const rate = (now: number, before: number | undefined) => (dt > 0 && before !== undefined ? Math.max(0, (now - before) / dt) : 0);
    const head = last.operators[0]!;
    const exits = this.exits[v.index]!;
    const out = (s: TaskStats) => exits.reduce((n, i) => n + (s.operators[i]?.recordsOut ?? 0), 0);
    const inOf = (s: TaskStats) => (v.head.kind === 'source' ? 0 : s.operators[0]!.recordsIn);
    const busy = last.busyMs ?? 0;
    const bp = last.backPressuredMs ?? 0;
    const since = last.sinceMs ?? 0;
    const values: Record<string, number> = {
      numRecordsIn: inOf(last),
      numRecordsOut: out(last),
      numRecordsInPerSecond: rate(inOf(last), prev && inOf(prev)),
      numRecordsOutPerSecond: rate(out(last), prev && out(prev)),
    };
    if (last.busyMs !== undefined) {
      const perSec = (now: number, before: number | undefined) => Math.min(1000, rate(now, before));
      const busyPs = perSec(busy, prev?.busyMs);
      const bpPs = perSec(bp, prev?.backPressuredMs);
      values.busyTimeMsPerSecond = busyPs;
      values.backPressuredTimeMsPerSecond = bpPs;
      values.idleTimeMsPerSecond = dt > 0 ? Math.max(0, 1000 - busyPs - bpPs) : 0;
      values.accumulatedBusyTime = Math.round(busy);
      values.accumulatedBackPressuredTime = Math.round(bp);
      values.accumulatedIdleTime = Math.round(Math.max(0, since - busy - bp));
      values.currentInputWatermark = watermark(head.inputWatermark);
    }
    const operators = last.operators.map((o, i): OperatorMetricsView => {
      const p = prev?.operators[i];
      const ov: Record<string, number> = {
        numRecordsIn: o.recordsIn,
        numRecordsOut: o.recordsOut,
        numRecordsInPerSecond: rate(o.recordsIn, p?.recordsIn),
        numRecordsOutPerSecond: rate(o.recordsOut, p?.recordsOut),
      };
      const user: MetricSample[] = [];
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
