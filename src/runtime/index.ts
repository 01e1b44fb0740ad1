/**
 * runtime: executes job graphs. The JobManager (`LocalExecutor`, main thread) starts one worker thread
 * per slot; each slot runs its subtasks in a synchronous mailbox loop, connected by credit-based
 * channels. May import `graph`, `api`, `state`, `core`.
 */
export { LocalExecutor, JobClient, runningJobs, liveWorkerCount } from './local-executor.ts';
export type { JobProgress, ProgressListener } from './local-executor.ts';
export { runJob } from './run-job.ts';
export type { RunJobOptions } from './run-job.ts';
export { Slot } from './slot.ts';
export { SystemScheduler } from './scheduler.ts';
export type { Scheduler } from './scheduler.ts';
