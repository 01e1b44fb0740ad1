/**
 * Flink's REST response shapes, built from the JobManager's view of a job ({@link JobClient}: its graph,
 * status, metrics and checkpoint history). Field names, nesting and units follow
 * `org.apache.flink.runtime.rest.messages` (see docs/rest-api.md).
 */
import { resolveCheckpointConfig } from '../checkpoint/index.ts';
import type { JobVertex } from '../graph/index.ts';
import { vertexIdOf, type CheckpointRecord, type JobClient, type TaskMetricsView } from '../runtime/index.ts';

export const EDDY_VERSION = 'eddy 0.1.0';

/** The subtask states eddy reports (Flink's `ExecutionState` names). */
const EXECUTION_STATES = ['CREATED', 'SCHEDULED', 'DEPLOYING', 'RUNNING', 'FINISHED', 'CANCELING', 'CANCELED', 'FAILED', 'RECONCILING', 'INITIALIZING'] as const;
type ExecutionState = (typeof EXECUTION_STATES)[number];

const SHIP: Record<string, string> = { hash: 'HASH', forward: 'FORWARD', rebalance: 'REBALANCE', rescale: 'RESCALE', shuffle: 'SHUFFLE', broadcast: 'BROADCAST', global: 'GLOBAL' };

export function vertexId(v: JobVertex): string {
  return vertexIdOf(v.id);
}

/** The state of subtask `s` of `v`, from the job's state and the subtask's latest report. */
export function subtaskState(job: JobClient, t: TaskMetricsView | undefined): ExecutionState {
  switch (job.status) {
    case 'INITIALIZING':
      return 'DEPLOYING';
    case 'RESTARTING':
      return 'CANCELED';
    case 'FAILED':
      return 'FAILED';
    case 'CANCELED':
      return 'CANCELED';
    case 'FINISHED':
      return 'FINISHED';
    case 'RUNNING':
      return t?.finished ? 'FINISHED' : 'RUNNING';
  }
}

function countStates(states: ExecutionState[]): Record<ExecutionState, number> {
  const c = Object.fromEntries(EXECUTION_STATES.map((s) => [s, 0])) as Record<ExecutionState, number>;
  for (const s of states) c[s]++;
  return c;
}

/** Flink's aggregation of subtask states into a vertex state. */
function vertexState(c: Record<ExecutionState, number>, total: number): ExecutionState {
  if (c.FAILED) return 'FAILED';
  if (c.CANCELED === total) return 'CANCELED';
  if (c.FINISHED === total) return 'FINISHED';
  if (c.RUNNING) return 'RUNNING';
  return 'DEPLOYING';
}

/** Flink's `IOMetricsInfo` of a task (or a sum of tasks). */
function ioMetrics(tasks: (TaskMetricsView | undefined)[]): Record<string, number | boolean> {
  const sum = (k: string) => tasks.reduce((n, t) => n + (t?.values[k] ?? 0), 0);
  return {
    'read-bytes': sum('numBytesIn'),
    'read-bytes-complete': true,
    'write-bytes': sum('numBytesOut'),
    'write-bytes-complete': true,
    'read-records': sum('numRecordsIn'),
    'read-records-complete': true,
    'write-records': sum('numRecordsOut'),
    'write-records-complete': true,
    'accumulated-backpressured-time': sum('accumulatedBackPressuredTime'),
    'accumulated-idle-time': sum('accumulatedIdleTime'),
    'accumulated-busy-time': sum('accumulatedBusyTime'),
  };
}

function duration(start: number, end: number, now: number): number {
  return start > 0 ? (end > 0 ? end : now) - start : -1;
}

export function tasksOf(job: JobClient, v: JobVertex): (TaskMetricsView | undefined)[] {
  return Array.from({ length: v.parallelism }, (_, s) => job.metrics.task(v.index, s));
}

function vertexStart(job: JobClient): number {
  return job.runningSince || -1;
}

export function jobOverview(job: JobClient) {
  const now = Date.now();
  const states = job.graph.vertices.flatMap((v) => tasksOf(job, v).map((t) => subtaskState(job, t)));
  const c = countStates(states);
  return {
    jid: job.jobId,
    name: job.plan.jobName,
    state: job.status,
    'start-time': job.startedAt,
    'end-time': job.endedAt || -1,
    duration: duration(job.startedAt, job.endedAt, now),
    'last-modification': Math.max(...Object.values(job.timestamps).map((x) => x ?? 0)),
    tasks: Object.fromEntries([['total', states.length], ...EXECUTION_STATES.map((s) => [s.toLowerCase(), c[s]])]),
  };
}

export function jobPlan(job: JobClient) {
  return {
    jid: job.jobId,
    name: job.plan.jobName,
    type: 'STREAMING',
    nodes: job.graph.vertices.map((v) => {
      const node: Record<string, unknown> = {
        id: vertexId(v),
        parallelism: v.parallelism,
        operator: '',
        operator_strategy: '',
        description: v.name,
        optimizer_properties: {},
        operators: v.nodes.map((n) => ({ id: n.operatorId, name: n.name, uid: n.uid ?? null })),
      };
      if (v.inputs.length)
        node.inputs = v.inputs.map((e, num) => ({ num, id: vertexId(e.source), ship_strategy: SHIP[e.partitioner] ?? e.partitioner.toUpperCase(), exchange: 'pipelined_bounded' }));
      return node;
    }),
  };
}

export function jobDetails(job: JobClient) {
  const now = Date.now();
  const all: ExecutionState[] = [];
  const vertices = job.graph.vertices.map((v) => {
    const tasks = tasksOf(job, v);
    const states = tasks.map((t) => subtaskState(job, t));
    all.push(...states);
    const c = countStates(states);
    const status = vertexState(c, v.parallelism);
    const start = vertexStart(job);
    const end = status === 'FINISHED' || status === 'CANCELED' || status === 'FAILED' ? job.endedAt || Math.max(0, ...tasks.map((t) => t?.reportedAt ?? 0)) : -1;
    return {
      id: vertexId(v),
      name: v.name,
      maxParallelism: v.maxParallelism,
      parallelism: v.parallelism,
      status,
      'start-time': start,
      'end-time': end,
      duration: duration(start, end > 0 ? end : 0, now),
      tasks: c,
      metrics: ioMetrics(tasks),
    };
  });
  const timestamps: Record<string, number> = {};
  for (const s of ['INITIALIZING', 'CREATED', 'RUNNING', 'FAILING', 'FAILED', 'CANCELLING', 'CANCELED', 'FINISHED', 'RESTARTING', 'SUSPENDED', 'RECONCILING'])
    timestamps[s] = (job.timestamps as Record<string, number | undefined>)[s] ?? 0;
  timestamps.CREATED = job.startedAt;
  return {
    jid: job.jobId,
    name: job.plan.jobName,
    isStoppable: false,
    state: job.status,
    'job-type': 'STREAMING',
    'start-time': job.startedAt,
    'end-time': job.endedAt || -1,
    duration: duration(job.startedAt, job.endedAt, now),
    maxParallelism: Math.max(...job.graph.vertices.map((v) => v.maxParallelism)),
    now,
    timestamps,
    vertices,
    'status-counts': countStates(all),
    plan: jobPlan(job),
  };
}

function describeRestart(job: JobClient): string {
  const r = job.plan.restartStrategy ?? (job.plan.checkpointing ? { kind: 'fixed-delay' as const, attempts: Infinity, delayMs: 1000 } : { kind: 'none' as const });
  switch (r.kind) {
    case 'none':
      return 'No restart.';
    case 'fixed-delay':
      return `Restart with fixed delay (${r.delayMs} ms). #${r.attempts === Infinity ? 2147483647 : r.attempts} restart attempts.`;
    case 'exponential-delay':
      return `Restart with exponential delay: initial ${r.initialMs} ms, max ${r.maxMs} ms, multiplier ${r.multiplier}, reset after ${r.resetAfterMs} ms.`;
    case 'failure-rate':
      return `Failure rate restart: max ${r.maxFailures} failures in ${r.intervalMs} ms, delay ${r.delayMs} ms.`;
  }
}

export function jobConfig(job: JobClient) {
  return {
    jid: job.jobId,
    name: job.plan.jobName,
    'execution-config': {
      'execution-mode': 'PIPELINED',
      'restart-strategy': describeRestart(job),
      'job-parallelism': job.plan.config.parallelism,
      'object-reuse-mode': false,
      'user-config': Object.fromEntries(Object.entries(job.params).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])),
    },
  };
}

export function jobExceptions(job: JobClient, max: number) {
  const entries = [...job.exceptions].reverse();
  const root = entries[0];
  return {
    'root-exception': root ? root.stack : null,
    timestamp: root ? root.timestamp : null,
    'all-exceptions': [],
    truncated: entries.length > max,
    exceptionHistory: {
      truncated: entries.length > max,
      entries: entries.slice(0, max).map((e) => ({
        exceptionName: e.name,
        stacktrace: e.stack,
        timestamp: e.timestamp,
        taskName: /operator '([^']+)'/.exec(e.message)?.[1] ?? null,
        location: null,
        taskManagerId: null,
        failureLabels: {},
        concurrentExceptions: [],
      })),
    },
  };
}

// ---- checkpoints ----

function statsOf(xs: number[]) {
  if (xs.length === 0) return { min: 0, max: 0, avg: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0 };
  const v = [...xs].sort((a, b) => a - b);
  const q = (p: number) => v[Math.min(v.length - 1, Math.max(0, Math.ceil(p * v.length) - 1))]!;
  return { min: v[0]!, max: v[v.length - 1]!, avg: Math.round(v.reduce((a, b) => a + b, 0) / v.length), p50: q(0.5), p90: q(0.9), p95: q(0.95), p99: q(0.99), p999: q(0.999) };
}

function e2e(r: CheckpointRecord): number {
  const end = r.endedAt || r.latestAckAt;
  return end > 0 ? end - r.triggeredAt : Date.now() - r.triggeredAt;
}

export function checkpointEntry(job: JobClient, r: CheckpointRecord, withTasks: boolean) {
  const className = r.status === 'COMPLETED' ? 'completed' : r.status === 'FAILED' ? 'failed' : 'in_progress';
  const tasks: Record<string, unknown> = {};
  if (withTasks)
    for (const v of job.graph.vertices) {
      const t = r.tasks.get(v.index);
      tasks[vertexId(v)] = {
        id: vertexId(v),
        status: r.status,
        latest_ack_timestamp: t?.latestAck ?? -1,
        checkpointed_size: t?.bytes ?? 0,
        state_size: t?.bytes ?? 0,
        end_to_end_duration: t ? t.latestAck - r.triggeredAt : -1,
        alignment_buffered: 0,
        processed_data: 0,
        persisted_data: 0,
        num_subtasks: v.parallelism + (v.head.kind === 'source' ? 1 : 0),
        num_acknowledged_subtasks: t?.acknowledged ?? 0,
      };
    }
  const e: Record<string, unknown> = {
    className,
    id: r.id,
    status: r.status,
    is_savepoint: r.savepoint,
    savepointFormat: r.savepoint ? 'CANONICAL' : null,
    trigger_timestamp: r.triggeredAt,
    latest_ack_timestamp: r.latestAckAt || -1,
    checkpointed_size: r.bytes,
    state_size: r.bytes,
    end_to_end_duration: e2e(r),
    alignment_buffered: 0,
    processed_data: 0,
    persisted_data: 0,
    num_subtasks: r.expected,
    num_acknowledged_subtasks: r.acknowledged,
    checkpoint_type: r.savepoint ? 'SAVEPOINT' : r.unaligned ? 'UNALIGNED_CHECKPOINT' : 'CHECKPOINT',
    tasks,
  };
  if (r.status === 'COMPLETED') {
    e.external_path = r.location ?? null;
    e.discarded = false;
  }
  if (r.status === 'FAILED') {
    e.failure_timestamp = r.endedAt;
    e.failure_message = r.failure ?? null;
  }
  return e;
}

export function checkpointingStatistics(job: JobClient) {
  const h = job.checkpointHistory;
  const p = job.progress().checkpoints;
  const all = h.all();
  const inProgress = all.filter((r) => r.status === 'IN_PROGRESS').length;
  const completed = all.filter((r) => r.status === 'COMPLETED');
  const restored = h.restored;
  const latest = (pred: (r: CheckpointRecord) => boolean) => {
    const r = h.latest(pred);
    return r ? checkpointEntry(job, r, false) : null;
  };
  return {
    counts: { restored: h.restoredCount, total: p.completed + p.failed + inProgress, in_progress: inProgress, completed: p.completed, failed: p.failed },
    summary: {
      checkpointed_size: statsOf(completed.map((r) => r.bytes)),
      state_size: statsOf(completed.map((r) => r.bytes)),
      end_to_end_duration: statsOf(completed.map(e2e)),
      alignment_buffered: statsOf([]),
      processed_data: statsOf([]),
      persisted_data: statsOf([]),
    },
    latest: {
      completed: latest((r) => r.status === 'COMPLETED' && !r.savepoint),
      savepoint: latest((r) => r.status === 'COMPLETED' && r.savepoint),
      failed: latest((r) => r.status === 'FAILED'),
      restored: restored ? { id: restored.id, restore_timestamp: restored.at, is_savepoint: restored.savepoint, external_path: restored.location } : null,
    },
    history: h.history().map((r) => checkpointEntry(job, r, false)),
  };
}

export function checkpointConfig(job: JobClient) {
  const cp = job.plan.checkpointing;
  if (!cp) return undefined;
  const c = resolveCheckpointConfig(cp.intervalMs, cp.options);
  const storage = String(cp.options.storage ?? '');
  return {
    mode: c.mode === 'exactly-once' ? 'exactly_once' : 'at_least_once',
    interval: c.intervalMs,
    timeout: c.timeoutMs,
    min_pause: c.minPauseMs,
    max_concurrent: c.maxConcurrent,
    externalization: { enabled: true, delete_on_cancellation: false },
    state_backend: job.plan.config.stateBackend === 'lmdb' ? 'EmbeddedLmdbStateBackend' : 'HashMapStateBackend',
    checkpoint_storage: storage.startsWith('postgres') ? 'PostgresCheckpointStorage' : 'FileSystemCheckpointStorage',
    unaligned_checkpoints: c.unaligned,
    tolerable_failed_checkpoints: Number.isFinite(c.tolerableFailures) ? c.tolerableFailures : 2147483647,
    aligned_checkpoint_timeout: Number.isFinite(c.alignedTimeoutMs) ? c.alignedTimeoutMs : 0,
    checkpoints_after_tasks_finish: true,
    state_changelog_enabled: false,
  };
}

// ---- vertices ----

export function vertexDetails(job: JobClient, v: JobVertex, endpoint: string) {
  const now = Date.now();
  return {
    id: vertexId(v),
    name: v.name,
    maxParallelism: v.maxParallelism,
    parallelism: v.parallelism,
    now,
    subtasks: tasksOf(job, v).map((t, subtask) => {
      const status = subtaskState(job, t);
      const start = vertexStart(job);
      const end = status === 'RUNNING' || status === 'DEPLOYING' ? -1 : job.endedAt || t?.reportedAt || -1;
      return {
        subtask,
        status,
        attempt: job.attempt,
        endpoint,
        'start-time': start,
        'end-time': end,
        duration: duration(start, end > 0 ? end : 0, now),
        metrics: ioMetrics([t]),
        'taskmanager-id': `slot-${subtask}`,
        'status-duration': { [status]: duration(start, end > 0 ? end : 0, now) },
      };
    }),
  };
}

function level(ratio: number): 'ok' | 'low' | 'high' {
  return ratio <= 0.1 ? 'ok' : ratio <= 0.5 ? 'low' : 'high';
}

export function backpressure(job: JobClient, v: JobVertex) {
  const order = { ok: 0, low: 1, high: 2 };
  let worst: 'ok' | 'low' | 'high' = 'ok';
  const subtasks = tasksOf(job, v).map((t, subtask) => {
    const ratio = round((t?.values.backPressuredTimeMsPerSecond ?? 0) / 1000);
    const l = level(ratio);
    if (order[l] > order[worst]) worst = l;
    return { subtask, 'attempt-number': job.attempt, 'backpressure-level': l, ratio, idleRatio: round((t?.values.idleTimeMsPerSecond ?? 0) / 1000), busyRatio: round((t?.values.busyTimeMsPerSecond ?? 0) / 1000) };
  });
  return { status: 'ok', 'backpressure-level': worst, 'end-timestamp': Date.now(), subtasks };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export function watermarks(job: JobClient, v: JobVertex) {
  return tasksOf(job, v).map((t, s) => ({ id: `${s}.currentInputWatermark`, value: String(t?.values.currentInputWatermark ?? -9223372036854775808) }));
}

/** Every metric of a vertex, by Flink's ids: `<subtask>.<name>` and `<subtask>.<operator>.<name>`. */
export function vertexMetrics(job: JobClient, v: JobVertex): Map<string, number> {
  const out = new Map<string, number>();
  tasksOf(job, v).forEach((t, s) => {
    if (!t) return;
    for (const [k, x] of Object.entries(t.values)) out.set(`${s}.${k}`, x);
    for (const o of t.operators) {
      for (const [k, x] of Object.entries(o.values)) out.set(`${s}.${o.name}.${k}`, x);
      for (const m of o.user) out.set(`${s}.${o.name}.${[...m.scope.map((p) => p.replace('=', '.')), m.name].join('.')}`, m.value);
    }
  });
  return out;
}

/** Job-level metrics (Flink's `jobmanager.job` scope). */
export function jobMetrics(job: JobClient): Map<string, number> {
  const p = job.progress().checkpoints;
  const h = job.checkpointHistory;
  const lastCompleted = h.latest((r) => r.status === 'COMPLETED' && !r.savepoint);
  const now = Date.now();
  return new Map([
    ['numRestarts', job.recoveries.length],
    ['fullRestarts', job.recoveries.length],
    ['uptime', job.status === 'RUNNING' && job.runningSince ? now - job.runningSince : 0],
    ['downtime', job.status === 'RESTARTING' ? now - (job.timestamps.RESTARTING ?? now) : 0],
    ['lastCheckpointDuration', lastCompleted ? e2e(lastCompleted) : p.lastDurationMs],
    ['lastCheckpointSize', lastCompleted?.bytes ?? 0],
    ['lastCheckpointRestoreTimestamp', h.restored?.at ?? -1],
    ['numberOfCompletedCheckpoints', p.completed],
    ['numberOfFailedCheckpoints', p.failed],
    ['numberOfInProgressCheckpoints', h.all().filter((r) => r.status === 'IN_PROGRESS').length],
    ['totalNumberOfCheckpoints', p.completed + p.failed + h.all().filter((r) => r.status === 'IN_PROGRESS').length],
  ]);
}
