/**
 * The operator SPI: what the runtime drives. Every transformation (map, window, CEP, sinks) is a
 * {@link StreamOperator} or {@link TwoInputStreamOperator}; chained operators call each other directly
 * through {@link Output}. Lifecycle, in order:
 *
 *   setup(context, output) → initializeState(restored?) → open()
 *     → processElement / processWatermark / onEventTime / onProcessingTime / snapshotState …
 *     → finish() (end of input: flush buffered results) → close() (always, also on failure)
 *
 * Contracts: every method is synchronous; `processElement` must not retain the timestamp argument's
 * meaning beyond the call; an operator emits watermarks only through `processWatermark`'s default
 * forwarding (or explicitly when it generates them). Keyed operators find the current key already set
 * on `context.keyedState` before `processElement` and timer callbacks.
 *
 * Batch at a time: a head operator with {@link StreamOperator.processBatch} gets each input batch in one
 * call instead of one `processElement` per record, and sets each record's key itself (see
 * {@link setBatchKey}); the runtime wraps the call in the backend's `batch()`.
 */
import type { OutputTag } from './output-tag.ts';
import { EddyError, type Clock } from '../core/index.ts';
import type {
  KeyedStateBackend,
  OperatorStateStore,
  InternalTimerService,
  KeyedStateSnapshot,
  OperatorStateSnapshot,
} from '../state/index.ts';
import type { MetricGroup } from '../metrics/index.ts';
import type { UserLogger } from './functions.ts';

/** Where an operator's results go: the next chained operator, or a network writer. */
export interface Output<T> {
  /** Emits a record with an event timestamp (`NO_TIMESTAMP` if none). */
  collect(value: T, timestamp: number): void;
  /** Emits to the side output named by `tag`. Dropped when nobody consumes that tag. */
  collectSide<X>(tag: OutputTag<X>, value: X, timestamp: number): void;
  /** Forwards a watermark downstream. */
  emitWatermark(watermark: number): void;
}

/** What the runtime gives an operator at setup. */
export interface OperatorContext {
  readonly operatorId: string;
  readonly operatorName: string;
  readonly jobName: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly attemptNumber: number;
  /** Processing-time clock (a ManualClock in the harness). */
  readonly clock: Clock;
  /** Present for operators on a keyed stream. */
  readonly keyedState: KeyedStateBackend | undefined;
  /** Present for operators on a keyed stream. */
  readonly timerService: InternalTimerService | undefined;
  readonly operatorState: OperatorStateStore;
  /** Counts dropped late records and similar; reported as operator metrics. */
  readonly metrics: OperatorMetrics;
  /** The operator subtask's metric group (user functions get it from `getRuntimeContext().getMetricGroup()`). */
  readonly metricGroup?: MetricGroup;
  /** The operator subtask's logger (user functions get it from `getRuntimeContext().getLogger()`). */
  readonly logger?: UserLogger;
  /** Asks the runtime to call {@link StreamOperator.onProcessingTime} processing soon (timers changed). */
  requestProcessingTimeWakeup(at: number): void;
  /**
   * Asks the task to call {@link StreamOperator.processMail} from its loop soon. Callable from any
   * asynchronous callback (a settled Promise): it wakes a sleeping slot. Absent where the runtime cannot
   * deliver mail.
   */
  requestMail?(): void;
  /** Fails the task from an asynchronous callback (e.g. a commit that failed). */
  reportAsyncError?(error: unknown): void;
  /** Whether the job takes checkpoints. */
  readonly checkpointing?: boolean;
  /** Posts a message to the JobManager (main thread), e.g. records for the collect sink. */
  sendToCoordinator?(message: unknown): void;
}

/** How a batch's records are keyed (see {@link StreamOperator.processBatch}). */
export interface BatchKeys<IN> {
  /** The key selector of the operator's input. */
  readonly selector: (value: IN) => unknown;
  /** Each record's key group, when the sender computed it to route the record; otherwise undefined. */
  readonly groups: Uint16Array | undefined;
}

/**
 * Which record of a batch an operator is processing: `processBatch` stores the index before each record,
 * so that an exception names the record that failed (position and preview).
 */
export interface BatchCursor {
  i: number;
}

/**
 * Sets the current key to the key of `value`, record `i` of a batch keyed by `keys`: the key group the
 * sender computed when there is one, else by hashing. An undefined key is a user error.
 */
export function setBatchKey<IN>(backend: KeyedStateBackend, keys: BatchKeys<IN>, value: IN, i: number): void {
  const k = keys.selector(value);
  if (k === undefined) throw new EddyError('the key selector returned undefined', { domain: 'user' });
  const g = keys.groups;
  if (g !== undefined) backend.setCurrentKeyInGroup(k, g[i]!);
  else backend.setCurrentKey(k);
}

export interface OperatorMetrics {
  counter(name: string): { inc(n?: number): void; readonly count: number };
}

/** The state an operator hands to a checkpoint. */
export interface OperatorSnapshot {
  keyed?: KeyedStateSnapshot;
  operator?: OperatorStateSnapshot;
  /** Timers are written by the runtime from the timer service. */
  timers?: unknown;
  /**
   * Anything else the operator keeps (structured-clone-able): what `snapshotState` returned. On
   * restore, the list of custom states assigned to this subtask (its own when the parallelism is
   * unchanged; after rescaling, those of old subtasks j with j % newParallelism === this subtask).
   */
  custom?: unknown;
}

export interface StreamOperator<IN, OUT> {
  setup(context: OperatorContext, output: Output<OUT>): void;
  initializeState(restored: OperatorSnapshot | undefined): void;
  open(): void;
  processElement(value: IN, timestamp: number): void;
  /**
   * Optional: records `0..n-1` of one input batch in one loop, with the same effect as calling
   * `processElement(values[i], timestamps[i])` for each with its key set. `keys`: present on a keyed input;
   * the operator sets each record's key ({@link setBatchKey}) before processing it. Before each record it
   * stores the record's index in `cursor.i`. The runtime calls it only on the chain's head, for one input.
   */
  processBatch?(values: readonly IN[], timestamps: Float64Array, n: number, keys: BatchKeys<IN> | undefined, cursor: BatchCursor): void;
  processWatermark(watermark: number): void;
  /** A timer fired; the current key is set. Only for keyed operators that register timers. */
  onEventTime?(key: unknown, namespace: string | number, timestamp: number): void;
  onProcessingTime?(key: unknown, namespace: string | number, timestamp: number): void;
  /** A wake-up requested with `requestProcessingTimeWakeup` is due (any operator, keyed or not). */
  onWakeup?(now: number): void;
  snapshotState?(checkpointId: number): unknown;
  /** Before the checkpoint's state is captured: user functions move data into their operator state. */
  snapshotFunctionState?(checkpointId: number): void;
  notifyCheckpointComplete?(checkpointId: number): void;
  notifyCheckpointAborted?(checkpointId: number): void;
  /**
   * A checkpoint taken after this operator finished: what it must keep beyond its end (a sink's
   * committables not yet committed), restored into `custom` like `snapshotState`'s. Nothing else of a
   * finished operator is checkpointed (Flink's checkpoints after tasks finished, FLIP-147).
   */
  snapshotFinishedState?(checkpointId: number): unknown;
  /**
   * Mail the operator asked for with `ctx.requestMail()` (asynchronous completions): called from the task
   * loop, where the operator may emit and throw as in `processElement`.
   */
  processMail?(): void;
  /**
   * Whether the operator takes no more input for now (async I/O at capacity). The task checks it between
   * input batches (a batch already taken is delivered whole) and sleeps until mail comes.
   */
  isBackpressured?(): boolean;
  /**
   * Asynchronous work whose results are still to be emitted (requests in flight). After `finish()` the task
   * keeps processing mail until this is false, and only then finishes the operators chained after it.
   */
  hasPendingWork?(): boolean;
  /** End of input: flush. Called once, after the final watermark. */
  finish(): void;
  /** Asynchronous work still running after finish() (e.g. commits); the task waits for it before it ends. */
  drain?(): Promise<void>;
  close(): void;
}

export interface TwoInputStreamOperator<IN1, IN2, OUT> extends Omit<StreamOperator<IN1, OUT>, 'processElement' | 'processWatermark'> {
  processElement1(value: IN1, timestamp: number): void;
  processElement2(value: IN2, timestamp: number): void;
  /** The combined watermark (min of both inputs) advanced. */
  processWatermark(watermark: number): void;
}
