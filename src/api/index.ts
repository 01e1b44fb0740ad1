/**
 * api: the DataStream API (environment, streams, functions), the operator SPI, and the Source/Sink
 * SPI. It builds a plan and runs nothing: `execute()` hands the plan to an executor that the runtime
 * installs. May import `core` and `state` only.
 */
export { StreamEnvironment } from './environment.ts';
export type { ExecuteOptions } from './environment.ts';
export type { EnvironmentOptions, EnvironmentConfig, IncrementalCheckpointOptions } from './config.ts';
export { resolveConfig } from './config.ts';
export { DataStream, DataStreamSink } from './datastream.ts';
export { KeyedStream } from './keyed-stream.ts';
export { ConnectedStreams, BroadcastConnectedStream } from './connected-streams.ts';
export { BroadcastStream } from './broadcast-stream.ts';
export { OutputTag } from './output-tag.ts';
export * from './functions.ts';
export { createUserLogger, isUserLogLevel, type UserLogWrite } from './user-logger.ts';
export * from './operator.ts';
export * from './source.ts';
export * from './sink.ts';
export * from './transformation.ts';
export type { RecordType } from './record-type.ts';
export * from './launch.ts';
export { WatermarkStrategy, BoundedOutOfOrdernessGenerator, checkTimestamp } from './watermark-strategy.ts';
export type { WatermarkGenerator, WatermarkOutput, TimestampAssigner, WatermarkGeneratorContext } from './watermark-strategy.ts';
export { AbstractStreamOperator } from './operators/abstract-operator.ts';
export { StreamMap, StreamFilter, StreamFlatMap, TimestampedCollector } from './operators/simple-operators.ts';
export { ProcessOperator, KeyedProcessOperator, KeyedReduceOperator, ProcessContextImpl } from './operators/process-operators.ts';
export { CoStreamMap, CoStreamFlatMap, CoProcessOperator } from './operators/co-operators.ts';
export {
  BroadcastProcessOperator,
  BroadcastProcessFunction,
  KeyedBroadcastProcessFunction,
} from './operators/broadcast-process-operator.ts';
export type {
  BroadcastProcessFunctionLike,
  KeyedBroadcastProcessFunctionLike,
  BroadcastContext,
  ReadOnlyBroadcastContext,
  KeyedReadOnlyBroadcastContext,
} from './operators/broadcast-process-operator.ts';
export { SinkOperator, FINAL_CHECKPOINT } from './operators/sink-operator.ts';
export { TimestampsAndWatermarksOperator, WatermarkEmitter, DEFAULT_AUTO_WATERMARK_INTERVAL } from './operators/timestamps-and-watermarks.ts';
export { fieldAggregator } from './operators/field-aggregators.ts';
export { CollectionSource, SequenceSource, StaticSplitEnumerator, QueueSplitReader } from './sources/collection-source.ts';
export type { CollectionSplit, SequenceSplit } from './sources/collection-source.ts';
export { TextFileSource } from './sources/text-file-source.ts';
export type { FileSplit } from './sources/text-file-source.ts';
export { SocketTextSource } from './sources/socket-source.ts';
export { PrintSink, formatRecord } from './sinks/print-sink.ts';
export { CollectSink } from './sinks/collect-sink.ts';
export * from './windowing/index.ts';
export { AsyncDataStream, DEFAULT_ASYNC_CAPACITY } from './async-data-stream.ts';
export { RichAsyncFunction } from './async-function.ts';
export type { AsyncFunction, AsyncFunctionLike, ResultFuture, AsyncWaitOptions } from './async-function.ts';
export { AsyncWaitOperator } from './operators/async-wait-operator.ts';
export type { AsyncOutputMode, AsyncWaitState } from './operators/async-wait-operator.ts';
export { LookupFunction } from './lookup-function.ts';
export type { LookupOptions, LookupStats, LookupKey } from './lookup-function.ts';
export { LookupCache } from './lookup-cache.ts';
export type { LookupCacheOptions } from './lookup-cache.ts';
export { RestartStrategies } from './restart-strategies.ts';
export type { RestartStrategyConfig } from './restart-strategies.ts';
