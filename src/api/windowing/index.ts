/**
 * windowing: window assigners, triggers, evictors, window functions, the window operators, windowed and
 * all-windowed streams, window joins/co-groups and interval joins. Part of `api`; imports `core`, `state`
 * and the rest of `api` only. Re-exported by `src/api/index.ts`.
 */
export { TimeWindow, GlobalWindow, GLOBAL_WINDOW_MAX_TIMESTAMP, windowToNamespace, namespaceToWindow } from './windows.ts';
export type { Window } from './windows.ts';
export { WindowAssigner, MergingWindowAssigner } from './window-assigner.ts';
export type { WindowAssignerContext, MergeCallback } from './window-assigner.ts';
export { TumblingEventTimeWindows, TumblingProcessingTimeWindows, SlidingEventTimeWindows, SlidingProcessingTimeWindows } from './time-window-assigners.ts';
export { EventTimeSessionWindows, ProcessingTimeSessionWindows, GlobalWindows, mergeTimeWindows } from './session-window-assigners.ts';
export type { SessionWindowTimeGapExtractor } from './session-window-assigners.ts';
export { TriggerResult, isFire, isPurge } from './trigger.ts';
export type { Trigger, TriggerContext, OnMergeContext } from './trigger.ts';
export {
  EventTimeTrigger,
  ProcessingTimeTrigger,
  CountTrigger,
  PurgingTrigger,
  ContinuousEventTimeTrigger,
  ContinuousProcessingTimeTrigger,
  NeverTrigger,
} from './triggers.ts';
export { CountEvictor, TimeEvictor, DeltaEvictor } from './evictors.ts';
export type { Evictor, EvictorContext, TimestampedValue, DeltaFunction } from './evictors.ts';
export { ProcessWindowFunction, ProcessAllWindowFunction, toProcessWindowFunction } from './window-functions.ts';
export type {
  KeyedStateStore,
  ProcessWindowContext,
  ProcessAllWindowContext,
  ProcessWindowFunctionLike,
  ProcessAllWindowFunctionLike,
  WindowFunction,
  WindowFunctionLike,
  AllWindowFunction,
  AllWindowFunctionLike,
} from './window-functions.ts';
export { MergingWindowSet } from './merging-window-set.ts';
export { WindowOperator } from './window-operator.ts';
export type { WindowOperatorOptions } from './window-operator.ts';
export { EvictingWindowOperator } from './evicting-window-operator.ts';
export type { EvictingWindowOperatorOptions } from './evicting-window-operator.ts';
export { WindowedStream } from './windowed-stream.ts';
export type { WindowAggregationOptions } from './windowed-stream.ts';
export { AllWindowedStream } from './all-windowed-stream.ts';
export { CoGroupedStreams, JoinedStreams, CoGroupWhereEqual, JoinWhereEqual, WithWindow, JoinWithWindow } from './co-grouped-streams.ts';
export type { TaggedUnion, JoinFunctionLike, FlatJoinFunctionLike, CoGroupFunctionLike } from './co-grouped-streams.ts';
export { IntervalJoin, IntervalJoined, IntervalJoinOperator, ProcessJoinFunction } from './interval-join.ts';
export type { ProcessJoinContext, ProcessJoinFunctionLike, IntervalJoinOptions } from './interval-join.ts';
