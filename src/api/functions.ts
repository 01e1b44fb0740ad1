/**
 * User function types. Wherever Flink takes a function object, eddy accepts a lambda, a class instance
 * or a plain object with the same methods. Rich functions (`RichMapFunction`, `ProcessFunction`, …)
 * get `open()`, `close()` and `getRuntimeContext()`.
 */
import type { OutputTag } from './output-tag.ts';
import type {
  ValueState,
  ValueStateDescriptor,
  ListState,
  ListStateDescriptor,
  MapState,
  MapStateDescriptor,
  ReducingState,
  ReducingStateDescriptor,
  AggregatingState,
  AggregatingStateDescriptor,
  OperatorStateStore,
} from '../state/index.ts';
import type { MetricGroup } from '../metrics/index.ts';

export interface Collector<T> {
  collect(value: T): void;
}

/** Log levels of {@link UserLogger}, lowest first (pino's). */
export type UserLogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/**
 * The logger of an operator subtask (`getRuntimeContext().getLogger()`): structured records in the job's
 * log, with `job_id`, `job_name`, `operator`, `operator_id` and `subtask` added, at the level the job runs
 * with (`eddy run --log-level`, default info). pino's call shapes: `log.info('message')`,
 * `log.warn({ orderId }, 'message')`, `log.error(err, 'message')`. A record below the level costs one
 * comparison; guard costly messages with `isLevelEnabled('debug')`.
 *
 * @example
 * ```ts
 * class Enrich extends RichMapFunction<Order, Order> {
 *   private log!: UserLogger;
 *   override open() { this.log = this.getRuntimeContext().getLogger(); }
 *   map(o: Order) {
 *     if (o.total < 0) this.log.warn({ orderId: o.id, total: o.total }, 'negative order total');
 *     return o;
 *   }
 * }
 * ```
 */
export interface UserLogger {
  trace(msgOrFields: unknown, msg?: string): void;
  debug(msgOrFields: unknown, msg?: string): void;
  info(msgOrFields: unknown, msg?: string): void;
  warn(msgOrFields: unknown, msg?: string): void;
  error(msgOrFields: unknown, msg?: string): void;
  fatal(msgOrFields: unknown, msg?: string): void;
  /** Whether a record at `level` would be written. */
  isLevelEnabled(level: UserLogLevel): boolean;
  /** The lowest level written (`silent`: none). */
  readonly level: UserLogLevel | 'silent';
}

/** What a rich function sees of its task. */
export interface RuntimeContext {
  getIndexOfThisSubtask(): number;
  getNumberOfParallelSubtasks(): number;
  getMaxNumberOfParallelSubtasks(): number;
  getJobName(): string;
  getTaskName(): string;
  getAttemptNumber(): number;
  /**
   * The operator subtask's metric group (Flink's `getMetricGroup()`): register counters, gauges, histograms
   * and meters in `open()`; they are reported with the operator's scope (REST, Prometheus).
   */
  getMetricGroup(): MetricGroup;
  /** The subtask's logger: structured records in the job's log (see {@link UserLogger}). */
  getLogger(): UserLogger;
  getState<T>(d: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(d: ListStateDescriptor<T>): ListState<T>;
  getMapState<K, V>(d: MapStateDescriptor<K, V>): MapState<K, V>;
  getReducingState<T>(d: ReducingStateDescriptor<T>): ReducingState<T>;
  getAggregatingState<IN, ACC, OUT>(d: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
}

export interface RichFunctionLifecycle {
  open?(): void;
  close?(): void;
  /** Set by the runtime before `open()`. */
  setRuntimeContext?(ctx: RuntimeContext): void;
}

/** Base class for rich functions: `open()`, `close()`, `getRuntimeContext()`. */
export abstract class AbstractRichFunction implements RichFunctionLifecycle {
  private runtimeContext: RuntimeContext | undefined;
  setRuntimeContext(ctx: RuntimeContext): void {
    this.runtimeContext = ctx;
  }
  getRuntimeContext(): RuntimeContext {
    if (!this.runtimeContext) throw new Error('the runtime context is only available once the function is opened');
    return this.runtimeContext;
  }
  open(): void {}
  close(): void {}
}

/** What a {@link CheckpointedFunction} gets when its state is initialized. */
export interface FunctionInitializationContext {
  /** True when restoring from a checkpoint or savepoint. */
  isRestored(): boolean;
  /** Operator (non-keyed) state: `getListState` (even split on rescale), `getUnionListState`, `getBroadcastState`. */
  getOperatorStateStore(): OperatorStateStore;
}
export interface FunctionSnapshotContext {
  getCheckpointId(): number;
}

/**
 * A function with operator state (Flink's `CheckpointedFunction`): `initializeState` runs before
 * `open()` (register state there, and read it back after a restore); `snapshotState` runs on every
 * checkpoint before the state is captured (move in-memory data into the state there).
 */
export interface CheckpointedFunction {
  initializeState(ctx: FunctionInitializationContext): void;
  snapshotState(ctx: FunctionSnapshotContext): void;
}

/**
 * A user function told when a checkpoint completed (every task acknowledged it and it is stored) or was
 * aborted (Flink's `CheckpointListener`): e.g. to publish what the checkpoint made durable. Called in the
 * task, between records; a completed checkpoint may be reported late or be subsumed by a later one.
 */
export interface CheckpointListener {
  notifyCheckpointComplete(checkpointId: number): void;
  notifyCheckpointAborted?(checkpointId: number): void;
}

export interface MapFunction<T, R> extends RichFunctionLifecycle {
  map(value: T): R;
}
export interface FilterFunction<T> extends RichFunctionLifecycle {
  filter(value: T): boolean;
}
export interface FlatMapFunction<T, R> extends RichFunctionLifecycle {
  flatMap(value: T, out: Collector<R>): void;
}
export interface ReduceFunction<T> {
  reduce(a: T, b: T): T;
}
export interface KeySelector<T, K> {
  getKey(value: T): K;
}

export type MapLike<T, R> = ((value: T) => R) | MapFunction<T, R>;
export type FilterLike<T> = ((value: T) => boolean) | FilterFunction<T>;
export type FlatMapLike<T, R> = ((value: T, out: Collector<R>) => void) | FlatMapFunction<T, R>;
export type ReduceLike<T> = ((a: T, b: T) => T) | ReduceFunction<T>;
export type KeySelectorLike<T, K> = ((value: T) => K) | KeySelector<T, K>;

export abstract class RichMapFunction<T, R> extends AbstractRichFunction implements MapFunction<T, R> {
  abstract map(value: T): R;
}
export abstract class RichFilterFunction<T> extends AbstractRichFunction implements FilterFunction<T> {
  abstract filter(value: T): boolean;
}
export abstract class RichFlatMapFunction<T, R> extends AbstractRichFunction implements FlatMapFunction<T, R> {
  abstract flatMap(value: T, out: Collector<R>): void;
}

/** Timer access from process functions. */
export interface TimerService {
  currentProcessingTime(): number;
  currentWatermark(): number;
  registerEventTimeTimer(time: number): void;
  registerProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
}

export interface ProcessContext {
  /** The record's event timestamp, or undefined when it has none. */
  timestamp(): number | undefined;
  timerService(): TimerService;
  output<X>(tag: OutputTag<X>, value: X): void;
}
export interface KeyedProcessContext<K> extends ProcessContext {
  getCurrentKey(): K;
}
export interface OnTimerContext<K> extends KeyedProcessContext<K> {
  timeDomain(): 'event-time' | 'processing-time';
}

export interface ProcessFunctionLike<I, O> extends RichFunctionLifecycle {
  processElement(value: I, ctx: ProcessContext, out: Collector<O>): void;
}
export interface KeyedProcessFunctionLike<K, I, O> extends RichFunctionLifecycle {
  processElement(value: I, ctx: KeyedProcessContext<K>, out: Collector<O>): void;
  onTimer?(timestamp: number, ctx: OnTimerContext<K>, out: Collector<O>): void;
}

export abstract class ProcessFunction<I, O> extends AbstractRichFunction implements ProcessFunctionLike<I, O> {
  abstract processElement(value: I, ctx: ProcessContext, out: Collector<O>): void;
}
export abstract class KeyedProcessFunction<K, I, O> extends AbstractRichFunction implements KeyedProcessFunctionLike<K, I, O> {
  abstract processElement(value: I, ctx: KeyedProcessContext<K>, out: Collector<O>): void;
  onTimer(_timestamp: number, _ctx: OnTimerContext<K>, _out: Collector<O>): void {}
}

export interface CoMapFunction<I1, I2, O> extends RichFunctionLifecycle {
  map1(value: I1): O;
  map2(value: I2): O;
}
export interface CoFlatMapFunction<I1, I2, O> extends RichFunctionLifecycle {
  flatMap1(value: I1, out: Collector<O>): void;
  flatMap2(value: I2, out: Collector<O>): void;
}
export interface CoProcessFunctionLike<I1, I2, O> extends RichFunctionLifecycle {
  /** With keyed inputs the context is a `KeyedProcessContext` (it has `getCurrentKey()`). */
  processElement1(value: I1, ctx: ProcessContext & Partial<KeyedProcessContext<any>>, out: Collector<O>): void;
  processElement2(value: I2, ctx: ProcessContext & Partial<KeyedProcessContext<any>>, out: Collector<O>): void;
  onTimer?(timestamp: number, ctx: OnTimerContext<any>, out: Collector<O>): void;
}
export abstract class CoProcessFunction<I1, I2, O> extends AbstractRichFunction implements CoProcessFunctionLike<I1, I2, O> {
  abstract processElement1(value: I1, ctx: ProcessContext, out: Collector<O>): void;
  abstract processElement2(value: I2, ctx: ProcessContext, out: Collector<O>): void;
  /** A timer fired (keyed inputs only). */
  onTimer(_timestamp: number, _ctx: OnTimerContext<unknown>, _out: Collector<O>): void {}
}
/** CoProcess on two keyed inputs: contexts carry the current key, timers are available. */
export abstract class KeyedCoProcessFunction<K, I1, I2, O> extends AbstractRichFunction implements CoProcessFunctionLike<I1, I2, O> {
  abstract processElement1(value: I1, ctx: KeyedProcessContext<K>, out: Collector<O>): void;
  abstract processElement2(value: I2, ctx: KeyedProcessContext<K>, out: Collector<O>): void;
  onTimer(_timestamp: number, _ctx: OnTimerContext<K>, _out: Collector<O>): void {}
}

/** Normalises a lambda-or-object into a callable, keeping `this` for objects. */
export function toMapper<T, R>(f: MapLike<T, R>): (v: T) => R {
  return typeof f === 'function' ? f : (v: T) => f.map(v);
}
export function toKeySelector<T, K>(f: KeySelectorLike<T, K>): (v: T) => K {
  return typeof f === 'function' ? f : (v: T) => f.getKey(v);
}
export function toReducer<T>(f: ReduceLike<T>): (a: T, b: T) => T {
  return typeof f === 'function' ? f : (a: T, b: T) => f.reduce(a, b);
}
