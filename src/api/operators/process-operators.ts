/**
 * Operators that call process functions: `ProcessOperator` (non-keyed), `KeyedProcessOperator`
 * (keyed state and timers), and the rolling `KeyedReduceOperator` behind `reduce/sum/min/max/minBy/maxBy`.
 */
import { EddyError, NO_TIMESTAMP } from '../../core/index.ts';
import type { OutputTag } from '../output-tag.ts';
import { setBatchKey, type BatchCursor, type BatchKeys, type OperatorContext, type Output } from '../operator.ts';
import type {
  KeyedProcessContext,
  KeyedProcessFunctionLike,
  OnTimerContext,
  ProcessContext,
  ProcessFunctionLike,
  TimerService,
} from '../functions.ts';
import type { KeyedStateBackend, ValueStateImpl } from '../../state/index.ts';
import { ValueStateDescriptor, VOID_NAMESPACE } from '../../state/index.ts';
import { AbstractStreamOperator } from './abstract-operator.ts';
import { TimestampedCollector } from './simple-operators.ts';

/** The per-record context handed to process functions; reused for every record. */
export class ProcessContextImpl<K> implements OnTimerContext<K> {
  ts = NO_TIMESTAMP;
  domain: 'event-time' | 'processing-time' = 'event-time';
  constructor(
    private readonly ctx: OperatorContext,
    private readonly out: Output<any>,
    private readonly timers: TimerService,
  ) {}
  timestamp(): number | undefined {
    return this.ts === NO_TIMESTAMP ? undefined : this.ts;
  }
  timerService(): TimerService {
    return this.timers;
  }
  output<X>(tag: OutputTag<X>, value: X): void {
    this.out.collectSide(tag, value, this.ts);
  }
  getCurrentKey(): K {
    return this.ctx.keyedState!.getCurrentKey() as K;
  }
  timeDomain(): 'event-time' | 'processing-time' {
    return this.domain;
  }
}

/**
 * The `TimerService` process functions see: timers of the current key in the VOID namespace (processing-time
 * timers also ask the runtime for a wake-up). On a non-keyed stream every timer call fails with a message
 * saying so; `watermark` is then the operator's own view of the watermark.
 */
export function userTimerService(ctx: OperatorContext, watermark: () => number): TimerService {
  const internal = ctx.timerService;
  if (internal === undefined) {
    const fail = (): never => {
      throw new EddyError(`timers are only supported on keyed streams (operator '${ctx.operatorName}'): call keyBy() first`, { domain: 'user' });
    };
    return {
      currentProcessingTime: () => ctx.clock.now(),
      currentWatermark: watermark,
      registerEventTimeTimer: fail,
      registerProcessingTimeTimer: fail,
      deleteEventTimeTimer: fail,
      deleteProcessingTimeTimer: fail,
    };
  }
  return {
    currentProcessingTime: () => ctx.clock.now(),
    currentWatermark: () => internal.currentWatermark(),
    registerEventTimeTimer: (t) => internal.registerEventTimeTimer(VOID_NAMESPACE, t),
    registerProcessingTimeTimer: (t) => {
      internal.registerProcessingTimeTimer(VOID_NAMESPACE, t);
      ctx.requestProcessingTimeWakeup(t);
    },
    deleteEventTimeTimer: (t) => internal.deleteEventTimeTimer(VOID_NAMESPACE, t),
    deleteProcessingTimeTimer: (t) => internal.deleteProcessingTimeTimer(VOID_NAMESPACE, t),
  };
}

export class ProcessOperator<I, O> extends AbstractStreamOperator<I, O> {
  private pctx!: ProcessContextImpl<never>;
  private out!: TimestampedCollector<O>;
  watermark = -Infinity;
  constructor(private readonly fn: ProcessFunctionLike<I, O>) {
    super();
    this.functions.push(fn);
  }
  override open(): void {
    this.out = new TimestampedCollector<O>(this.output);
    this.pctx = new ProcessContextImpl<never>(this.ctx, this.output, userTimerService(this.ctx, () => this.watermark));
    super.open();
  }
  processElement(value: I, timestamp: number): void {
    this.pctx.ts = timestamp;
    this.out.timestamp = timestamp;
    this.fn.processElement(value, this.pctx, this.out);
  }
  override processWatermark(watermark: number): void {
    this.watermark = watermark;
    super.processWatermark(watermark);
  }
}

export class KeyedProcessOperator<K, I, O> extends AbstractStreamOperator<I, O> {
  private pctx!: ProcessContextImpl<K>;
  private out!: TimestampedCollector<O>;
  constructor(private readonly fn: KeyedProcessFunctionLike<K, I, O>) {
    super();
    this.functions.push(fn);
  }
  override open(): void {
    if (!this.ctx.timerService) throw new EddyError(`KeyedProcessFunction needs a keyed stream (operator '${this.ctx.operatorName}')`, { domain: 'user' });
    this.out = new TimestampedCollector<O>(this.output);
    this.pctx = new ProcessContextImpl<K>(this.ctx, this.output, userTimerService(this.ctx, () => -Infinity));
    super.open();
  }
  processElement(value: I, timestamp: number): void {
    this.pctx.ts = timestamp;
    this.out.timestamp = timestamp;
    this.fn.processElement(value, this.pctx, this.out);
  }
  processBatch(values: readonly I[], timestamps: Float64Array, n: number, keys: BatchKeys<I> | undefined, cursor: BatchCursor): void {
    const pctx = this.pctx;
    const out = this.out;
    const fn = this.fn;
    const backend = this.ctx.keyedState!;
    for (let i = 0; i < n; i++) {
      cursor.i = i;
      const v = values[i]!;
      if (keys !== undefined) setBatchKey(backend, keys, v, i);
      const ts = timestamps[i]!;
      pctx.ts = ts;
      out.timestamp = ts;
      fn.processElement(v, pctx, out);
    }
  }
  override onEventTime(_key: unknown, _ns: string | number, timestamp: number): void {
    if (!this.fn.onTimer) return;
    this.pctx.ts = timestamp;
    this.pctx.domain = 'event-time';
    this.out.timestamp = timestamp;
    this.fn.onTimer(timestamp, this.pctx, this.out);
  }
  override onProcessingTime(_key: unknown, _ns: string | number, timestamp: number): void {
    if (!this.fn.onTimer) return;
    this.pctx.ts = NO_TIMESTAMP;
    this.pctx.domain = 'processing-time';
    this.out.timestamp = NO_TIMESTAMP;
    this.fn.onTimer(timestamp, this.pctx, this.out);
  }
}

/**
 * Rolling reduce per key: emits the running result after every record. Each record is one
 * read-modify-write of the key's value (`updateWith`: one Map lookup on the heap backend); a batch is one
 * loop (`processBatch`).
 */
export class KeyedReduceOperator<T> extends AbstractStreamOperator<T, T> {
  private state!: ValueStateImpl<T>;
  private backend!: KeyedStateBackend;
  /** The fold step, created once: the first value of a key is kept as it is. */
  private readonly step = (cur: T | undefined, value: T): T => (cur === undefined ? value : this.reduce(cur, value));
  constructor(private readonly reduce: (a: T, b: T) => T, private readonly stateName = '_reduce') {
    super();
    this.functions.push(reduce);
  }
  override open(): void {
    this.backend = this.keyedState();
    this.state = this.backend.getState(new ValueStateDescriptor<T>(this.stateName)) as ValueStateImpl<T>;
    super.open();
  }
  processElement(value: T, timestamp: number): void {
    this.output.collect(this.state.updateWith(this.step, value) as T, timestamp);
  }
  processBatch(values: readonly T[], timestamps: Float64Array, n: number, keys: BatchKeys<T> | undefined, cursor: BatchCursor): void {
    const state = this.state;
    const step = this.step;
    const out = this.output;
    const backend = this.backend;
    for (let i = 0; i < n; i++) {
      cursor.i = i;
      const v = values[i]!;
      if (keys !== undefined) setBatchKey(backend, keys, v, i);
      out.collect(state.updateWith(step, v) as T, timestamps[i]!);
    }
  }
}
