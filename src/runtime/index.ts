/**
 * runtime: executes job graphs. The JobManager (`LocalExecutor`, main thread) starts one worker thread
 * per slot; each slot runs its subtasks in a synchronous mailbox loop, connected by credit-based
 * channels. May import `graph`, `api`, `state`, `core`.
 */
export { LocalExecutor, JobClient, runningJobs, liveWorkerCount, vertexIdOf } from './local-executor.ts';
export type { JobProgress, ProgressListener, JobStatus, JobException, StartOptions } from './local-executor.ts';
export { JobMetrics, NO_WATERMARK, MAX_WATERMARK } from './job-metrics.ts';
export type { TaskMetricsView, OperatorMetricsView } from './job-metrics.ts';
export { CheckpointHistory, HISTORY_SIZE } from './checkpoint-history.ts';
export type { CheckpointRecord, CheckpointStatus } from './checkpoint-history.ts';
export type { FlameNode } from './cpu-profiler.ts';
export type { LogLevel } from './protocol.ts';
export { runJob } from './run-job.ts';
export type { RunJobOptions } from './run-job.ts';
export { Slot } from './slot.ts';
export { SystemScheduler } from './scheduler.ts';
export type { Scheduler } from './scheduler.ts';
