/**
 * {@link WindowedStream}: what `keyedStream.window(assigner)` returns. Configure `trigger`, `evictor`,
 * `allowedLateness` and `sideOutputLateData`, then finish with `reduce`, `aggregate`, `process` or `apply`,
 * which add a keyed {@link WindowOperator} (or {@link EvictingWindowOperator} when an evictor is set).
 */
import { ConfigurationError } from '../../core/index.ts';
import type { DataStream } from '../datastream.ts';
import type { KeyedStream } from '../keyed-stream.ts';
import type { OutputTag } from '../output-tag.ts';
import type { ReduceLike } from '../functions.ts';
import { toReducer } from '../functions.ts';
import type { AggregateFunction, AnyStateDescriptor } from '../../state/index.ts';
import { AggregatingStateDescriptor, ListStateDescriptor, ReducingStateDescriptor } from '../../state/index.ts';
import type { WindowAssigner } from './window-assigner.ts';
import type { Trigger } from './trigger.ts';
import type { Evictor } from './evictors.ts';
import type { ProcessWindowFunctionLike, WindowFunctionLike } from './window-functions.ts';
import { toProcessWindowFunction } from './window-functions.ts';
import { SlicingWindowOperator, reduceAsAggregate, type MergeableAggregate } from './slicing-window-operator.ts';
import { SlidingEventTimeWindows } from './time-window-assigners.ts';
import { TimeWindow } from './windows.ts';
import { WindowOperator } from './window-operator.ts';
import { EvictingWindowOperator } from './evicting-window-operator.ts';
import type { Window } from './windows.ts';

const CONTENTS = 'window-contents';

/** A keyed stream cut into windows. */
export class WindowedStream<T, K, W extends Window> {
  private windowTrigger: Trigger<T, W>;
  /** No trigger() call: the assigner's default trigger (the sliced operator implements it). */
  private defaultTrigger = true;
  private windowEvictor: Evictor<T, W> | undefined;
  private lateness = 0;
  private lateTag: OutputTag<T> | undefined;

  constructor(
    readonly input: KeyedStream<T, K>,
    readonly assigner: WindowAssigner<T, W>,
  ) {
    if (!(assigner && typeof assigner.assignWindows === 'function' && typeof assigner.getDefaultTrigger === 'function'))
      throw new ConfigurationError('window(): expected a WindowAssigner such as TumblingEventTimeWindows.of(ms)');
    this.windowTrigger = assigner.getDefaultTrigger();
  }

  /** Replaces the assigner's default trigger. */
  trigger(trigger: Trigger<T, W>): this {
    if (!trigger || typeof trigger.onElement !== 'function' || typeof trigger.clear !== 'function')
      throw new ConfigurationError(`trigger() on ${String(this.assigner)}: expected a Trigger (onElement, onEventTime, onProcessingTime, clear)`);
    if (this.assigner.isMerging() && !(trigger.canMerge?.() ?? false))
      throw new ConfigurationError(`trigger(): ${String(this.assigner)} merges windows, so the trigger must support merging (canMerge() and onMerge()); ${String(trigger)} does not`);
    this.windowTrigger = trigger;
    this.defaultTrigger = false;
    return this;
  }

  /** Buffers every element and evicts with `evictor` before/after the window function. */
  evictor(evictor: Evictor<T, W>): this {
    if (!evictor || typeof evictor.evictBefore !== 'function' || typeof evictor.evictAfter !== 'function')
      throw new ConfigurationError(`evictor() on ${String(this.assigner)}: expected an Evictor (evictBefore, evictAfter)`);
    this.windowEvictor = evictor;
    return this;
  }

  /** Keeps window state `ms` past the window end (event time): late elements cause late firings. */
  allowedLateness(ms: number): this {
    if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0)
      throw new ConfigurationError(`allowedLateness(${ms}) on ${String(this.assigner)}: must be a number of milliseconds ≥ 0`);
    this.lateness = ms;
    return this;
  }

  /** Sends elements that arrive after their windows' cleanup to `tag` instead of dropping them. */
  sideOutputLateData(tag: OutputTag<T>): this {
    if (!tag || typeof (tag as { id?: unknown }).id !== 'string') throw new ConfigurationError('sideOutputLateData: expected an OutputTag');
    this.lateTag = tag;
    return this;
  }

  /** Incremental reduce per window; `windowFn` (optional) gets the single reduced value. */
  reduce<R = T>(fn: ReduceLike<T>, windowFn?: WindowFunctionLike<T, R, K, W>): DataStream<R> {
    if (typeof fn !== 'function' && typeof (fn as { reduce?: unknown })?.reduce !== 'function')
      throw new ConfigurationError(`reduce() on ${String(this.assigner)}: expected a function or an object with reduce()`);
    const r = toReducer(fn);
    const wf = toProcessWindowFunction<T, R, K, W>(`reduce() on ${String(this.assigner)}`, windowFn);
    const pre = (values: T[]): T[] => (values.length === 0 ? [] : [values.reduce((a, b) => r(a, b))]);
    const sliced = this.sliced<T | undefined, T, R>('Reduce', reduceAsAggregate(r), wf, [fn, windowFn]);
    if (sliced) return sliced;
    return this.build<T, R>('Reduce', new ReducingStateDescriptor<T>(CONTENTS, r), wf, pre, [fn, windowFn]);
  }

  /** Incremental aggregation per window; `windowFn` (optional) gets the single result. */
  aggregate<ACC, V, R = V>(agg: AggregateFunction<T, ACC, V>, windowFn?: WindowFunctionLike<V, R, K, W>): DataStream<R> {
    if (!agg || typeof agg.createAccumulator !== 'function' || typeof agg.add !== 'function' || typeof agg.getResult !== 'function')
      throw new ConfigurationError(`aggregate() on ${String(this.assigner)}: expected an AggregateFunction (createAccumulator, add, getResult)`);
    if (this.assigner.isMerging() && !this.windowEvictor && typeof agg.merge !== 'function')
      throw new ConfigurationError(`aggregate() on ${String(this.assigner)}: merging windows need AggregateFunction.merge(a, b)`);
    const wf = toProcessWindowFunction<V, R, K, W>(`aggregate() on ${String(this.assigner)}`, windowFn);
    const pre = (values: T[]): V[] => {
      let acc = agg.createAccumulator();
      for (const v of values) acc = agg.add(v, acc);
      return [agg.getResult(acc)];
    };
    if (typeof agg.merge === 'function') {
      const sliced = this.sliced<ACC, V, R>('Aggregate', agg as MergeableAggregate<T, ACC, V>, wf, [agg, windowFn]);
      if (sliced) return sliced;
    }
    return this.build<V, R>('Aggregate', new AggregatingStateDescriptor<T, ACC, V>(CONTENTS, agg), wf, pre, [agg, windowFn]);
  }

  /** Buffers the window's elements and calls `fn.process(key, ctx, elements, out)` when it fires. */
  process<R>(fn: ProcessWindowFunctionLike<T, R, K, W>): DataStream<R> {
    if (!fn || typeof fn.process !== 'function') throw new ConfigurationError(`process() on ${String(this.assigner)}: expected a ProcessWindowFunction (an object with process())`);
    return this.build<T, R>('Process', new ListStateDescriptor<T>(CONTENTS), fn, undefined, [fn]);
  }

  /** Buffers the window's elements and calls a WindowFunction (`apply(key, window, input, out)` or a lambda). */
  apply<R>(fn: WindowFunctionLike<T, R, K, W>): DataStream<R> {
    const wf = toProcessWindowFunction<T, R, K, W>(`apply() on ${String(this.assigner)}`, fn);
    return this.build<T, R>('Apply', new ListStateDescriptor<T>(CONTENTS), wf, undefined, [fn]);
  }

  /**
   * The sliced operator for sliding event-time windows when nothing needs per-window machinery
   * (default trigger, no evictor, no lateness, a window function without per-window state); else undefined.
   */
  private sliced<ACC, V, R>(what: string, agg: MergeableAggregate<T, ACC, V>, wf: ProcessWindowFunctionLike<V, R, K, W>, userFunctions: unknown[]): DataStream<R> | undefined {
    const a = this.assigner as unknown;
    if (!(a instanceof SlidingEventTimeWindows) || a.size % a.slide !== 0 || a.size === a.slide) return undefined;
    if (!this.defaultTrigger || this.windowEvictor || this.lateness !== 0 || typeof wf.clear === 'function') return undefined;
    const name = `Window(${String(this.assigner)}, sliced, ${what})`;
    const o = {
      size: a.size,
      slide: a.slide,
      offset: a.offset,
      aggregate: agg,
      windowFunction: wf as unknown as ProcessWindowFunctionLike<V, R, K, TimeWindow>,
      lateDataOutputTag: this.lateTag,
      userFunctions: userFunctions.filter((f) => f !== null && typeof f === 'object'),
      name,
    };
    return this.input.transformKeyed<R>(name, () => new SlicingWindowOperator<T, ACC, V, R, K>(o));
  }

  private build<ACC_OUT, R>(
    what: string,
    desc: AnyStateDescriptor,
    windowFunction: ProcessWindowFunctionLike<ACC_OUT, R, K, W>,
    preAggregate: ((values: T[]) => ACC_OUT[]) | undefined,
    userFunctions: unknown[],
  ): DataStream<R> {
    const base = {
      assigner: this.assigner,
      trigger: this.windowTrigger,
      windowFunction,
      allowedLateness: this.lateness,
      lateDataOutputTag: this.lateTag,
      userFunctions: userFunctions.filter((f) => f !== null && typeof f === 'object'),
    };
    const evictor = this.windowEvictor;
    const name = `Window(${String(this.assigner)}, ${String(this.windowTrigger)}${evictor ? ', evictor' : ''}, ${what})`;
    const factory = evictor
      ? () => new EvictingWindowOperator<T, ACC_OUT, R, K, W>({ ...base, evictor, preAggregate })
      : () => new WindowOperator<T, ACC_OUT, R, K, W>({ ...base, stateDescriptor: desc });
    return this.input.transformKeyed<R>(name, factory);
  }
}
