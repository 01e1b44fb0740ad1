/**
 * `runJob(url, options)`: runs the job defined by a module, from an application or a test, without
 * evaluating the caller's own module in the workers. Each call evaluates a fresh instance of the job
 * module (a query string tells instances apart), so the same job can run many times in one process.
 */
import { getLaunchContext, setLaunchContext, type JobExecutionResult, type LaunchContext } from '../api/index.ts';
import { ConfigurationError } from '../core/index.ts';
import type { ProgressListener } from './local-executor.ts';
import type { LogLevel } from './protocol.ts';

export interface RunJobOptions {
  /** Overrides of `StreamEnvironment.create(...)` options (parallelism, stateBackend, …). */
  parallelism?: number;
  stateBackend?: 'heap' | 'lmdb';
  maxParallelism?: number;
  [option: string]: unknown;
  /** Called when each execute() starts, with a handle (progress, cancel). */
  onJobStart?: ProgressListener;
  /** Values the job reads with `jobParameters()`. */
  params?: Record<string, unknown>;
  /** Restore a savepoint / retained checkpoint directory. */
  fromSavepoint?: string;
  allowNonRestoredState?: boolean;
  /** Root of checkpoint storage (directory, or postgres://…). */
  checkpointDir?: string;
  /** Restore the latest completed checkpoint under `checkpointDir`, if any. */
  resume?: boolean;
  /** Log lines of the JobManager (restarts, restores); default: stderr. */
  log?: (line: string) => void;
  /** Structured log records instead of lines (level, message, fields with job, operator, subtask): a pino logger's shape. */
  logRecord?: (level: LogLevel, msg: string, fields: Record<string, unknown>) => void;
  /** The lowest level written (user loggers in the workers drop records below it); default info. */
  logLevel?: LogLevel | 'silent';
}

let runs = 0;
let chain: Promise<unknown> = Promise.resolve();

/** Runs the job module at `url`; resolves to the result of its last execute(). */
export function runJob(url: URL | string, options: RunJobOptions = {}): Promise<JobExecutionResult> {
  // Launches are serialised: the launch context is process-global while the module evaluates.
  const p = chain.then(() => launch(url, options));
  chain = p.catch(() => undefined);
  return p;
}

async function launch(url: URL | string, options: RunJobOptions): Promise<JobExecutionResult> {
  const { onJobStart, params, fromSavepoint, allowNonRestoredState, checkpointDir, resume, log, logRecord, logLevel, ...overrides } = options;
  const href = new URL(String(url)).href;
  const sep = href.includes('?') ? '&' : '?';
  const moduleUrl = `${href}${sep}eddy-run=${++runs}`;
  const previous = getLaunchContext();
  const ctx: LaunchContext = {
    mode: 'client',
    moduleUrl,
    overrides: Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)),
    results: [],
    executions: 0,
    onJobStart,
    params: params ?? {},
    start: { fromSavepoint, allowNonRestoredState, checkpointDir, resume, log, logRecord, logLevel },
  };
  setLaunchContext(ctx);
  try {
    await import(moduleUrl);
  } finally {
    setLaunchContext(previous);
  }
  const last = ctx.results[ctx.results.length - 1];
  if (!last) throw new ConfigurationError(`the job module ${href} did not run a job (no execute() call)`);
  return last;
}
