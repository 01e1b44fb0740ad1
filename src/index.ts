/**
 * eddy: stateful stream processing for TypeScript, with Flink's guarantees.
 *
 * This is the package entry (`import { StreamEnvironment } from 'eddy'`): the DataStream API, state
 * descriptors, and `runJob`. Importing it installs the local executor, which runs jobs on worker
 * threads in this process.
 */
import { setDefaultExecutor, getLaunchContext } from './api/index.ts';
import { LocalExecutor } from './runtime/index.ts';

setDefaultExecutor(new LocalExecutor());

export * from './api/index.ts';
export {
  ValueStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  AggregatingStateDescriptor,
  StateTtlConfig,
  VOID_NAMESPACE,
} from './state/index.ts';
export type { ValueState, ListState, MapState, ReducingState, AggregatingState, BroadcastState, AggregateFunction, StateTtlConfigBuilder } from './state/index.ts';
export {
  EddyError,
  ConfigurationError,
  UserFunctionError,
  SerializationError,
  JobCancelledError,
  KeyGroupRange,
  NO_TIMESTAMP,
  ManualClock,
  SystemClock,
} from './core/index.ts';
export type { Clock } from './core/index.ts';
export { SimpleCounter, DescriptiveStatisticsHistogram, MeterView } from './metrics/index.ts';
export type { Counter, Gauge, Histogram, HistogramStatistics, Meter, MetricGroup } from './metrics/index.ts';
export { runJob, runningJobs, liveWorkerCount, JobClient } from './runtime/index.ts';
export type { RunJobOptions, JobProgress } from './runtime/index.ts';

/** Parameters passed to this job by `runJob(url, { params })` or `eddy run job.ts -- key=value`. */
export function jobParameters<T extends Record<string, unknown> = Record<string, unknown>>(): T {
  return (getLaunchContext().params ?? {}) as T;
}
