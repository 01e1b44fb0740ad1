/**
 * How a job module finds the engine that runs it. A job is a module: the client (the `eddy` CLI,
 * `runJob`, or `tsx job.ts`) evaluates it and `execute()` hands the plan to the client executor, which
 * starts worker threads; every worker evaluates the same module, and there `execute()` hands the same
 * plan to the worker executor, which builds that slot's subtasks. The api layer only knows the
 * {@link JobExecutor} interface; the runtime installs the implementations.
 */
import type { Transformation } from './transformation.ts';
import type { EnvironmentConfig } from './config.ts';
import type { RestartStrategyConfig } from './restart-strategies.ts';

export interface OperatorResult {
  id: string;
  name: string;
  parallelism: number;
  recordsIn: number;
  recordsOut: number;
}

export interface JobExecutionResult {
  jobName: string;
  jobId: string;
  durationMs: number;
  operators: OperatorResult[];
  /** What `executeAndCollect()` gathered. */
  collected?: unknown[];
  [key: string]: unknown;
}

export interface JobPlan {
  jobName: string;
  config: EnvironmentConfig;
  /** Every transformation, in creation order. */
  transformations: Transformation[];
  checkpointing?: { intervalMs: number; options: Record<string, unknown> };
  restartStrategy?: RestartStrategyConfig;
  execute?: { fromSavepoint?: string; allowNonRestoredState?: boolean };
}

export interface JobExecutor {
  execute(plan: JobPlan): Promise<JobExecutionResult>;
}

export interface LaunchContext {
  mode: 'client' | 'worker';
  /** The job module's URL (workers import it). */
  moduleUrl?: string;
  /** Options that override `StreamEnvironment.create(...)` (e.g. `--parallelism` from the CLI). */
  overrides: Record<string, unknown>;
  executor?: JobExecutor;
  /** Results of every execute() in this launch, in order. */
  results: JobExecutionResult[];
  /** How many execute() calls happened in this launch so far. */
  executions: number;
  /** Worker mode: which execute() call (0-based) this worker runs. */
  targetExecution?: number;
  [key: string]: unknown;
}

const KEY = Symbol.for('eddy.launch-context');
const DEFAULT_KEY = Symbol.for('eddy.default-executor');
type G = { [KEY]?: LaunchContext; [DEFAULT_KEY]?: JobExecutor };

export function getLaunchContext(): LaunchContext {
  const g = globalThis as G;
  return (g[KEY] ??= { mode: 'client', overrides: {}, results: [], executions: 0 });
}
export function setLaunchContext(ctx: LaunchContext): void {
  (globalThis as G)[KEY] = ctx;
}
export function setDefaultExecutor(e: JobExecutor): void {
  (globalThis as G)[DEFAULT_KEY] = e;
}
export function getDefaultExecutor(): JobExecutor | undefined {
  return (globalThis as G)[DEFAULT_KEY];
}
