/**
 * {@link WindowedStream}: what `keyedStream.window(assigner)` returns. Configure `trigger`, `evictor`,
 * `allowedLateness` and `sideOutputLateData`, then finish with `reduce`, `aggregate`, `process` or `apply`,
 * which add a keyed {@link WindowOperator} (or {@link EvictingWindowOperator} when an evictor is set).
 *
 * `reduce`/`aggregate` on event-time tumbling or sliding windows also add a local pre-aggregation before
 * the keyBy exchange ({@link LocalWindowAggregateOperator}) when the result cannot tell: see
 * {@link WindowedStream.localAggregationPlan}.
 */
import { ConfigurationError } from '../../core/index.ts';
import type { EnvironmentConfig } from '../config.ts';
import type { OneInputTransformation, PartitionTransformation, Transformation } from '../transformation.ts';
import { inputsOf } from '../transformation.ts';
import {
  DEFAULT_LOCAL_AGGREGATION_MAX_KEYS,
  LocalWindowAggregateOperator,
  type LocalAggregate,
  type WindowPartial,
} from '../operators/pre-aggregate-operator.ts';
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
import { SlidingEventTimeWindows, TumblingEventTimeWindows } from './time-window-assigners.ts';
import { TimeWindow } from './windows.ts';
import { PartialMergingWindowOperator, WindowOperator } from './window-operator.ts';
import { EvictingWindowOperator } from './evicting-window-operator.ts';
import type { Window } from './windows.ts';

const CONTENTS = 'window-contents';

/** Options of `WindowedStream.reduce` / `aggregate`. */
export interface WindowAggregationOptions {
  /**
   * Local pre-aggregation before the keyBy exchange (Flink SQL's local-global aggregation): partial
   * accumulators per key and pane cross the exchange instead of records. Default: on wherever it cannot
   * change results (event-time tumbling/sliding windows, the default trigger, no evictor, no late-data
   * side output, a mergeable aggregate or a reduce). `false` turns it off; `true` demands it and fails the
   * job's construction naming what prevents it.
   */
  localAggregation?: boolean;
  /** Partials (key × pane) held before the local phase flushes early. Default 50 000. */
  localAggregationMaxKeys?: number;
}

/** What the local phase needs: the pane grid and the fold. */
interface LocalPlan {
  paneSize: number;
  paneOffset: number;
  maxKeys: number;
}

const partialKey = (p: WindowPartial<unknown, unknown>): unknown => p[0];

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Whether `v` crosses a thread boundary as it is (plain data: no class instances, functions or symbols). */
function isPlainData(v: unknown, depth = 0): boolean {
  const t = typeof v;
  if (t === 'function' || t === 'symbol') return false;
  if (t !== 'object' || v === null || depth > 8) return true;
  if (ArrayBuffer.isView(v)) return true;
  const proto = Object.getPrototypeOf(v);
  if (proto === Map.prototype) {
    for (const [k, x] of v as Map<unknown, unknown>) if (!isPlainData(k, depth + 1) || !isPlainData(x, depth + 1)) return false;
    return true;
  }
  if (proto === Set.prototype) {
    for (const x of v as Set<unknown>) if (!isPlainData(x, depth + 1)) return false;
    return true;
  }
  if (proto === Date.prototype) return true;
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) return false;
  for (const k in v as object) if (!isPlainData((v as Record<string, unknown>)[k], depth + 1)) return false;
  return true;
}

/**
 * The parallelism a node fed directly by `t` runs at when it chains to it (so the local phase runs at the
 * upstream's parallelism); undefined where the environment's default applies.
 */
function upstreamParallelism(t: Transformation, config: EnvironmentConfig): number | undefined {
  switch (t.kind) {
    case 'source': {
      const p = t.parallelism ?? config.parallelism;
      const cap = t.source.maxSourceParallelism;
      return cap !== undefined ? Math.min(p, cap) : p;
    }
    case 'one-input':
    case 'two-input':
      return t.parallelism;
    case 'side-output':
      return upstreamParallelism(t.input, config);
    default:
      return undefined;
  }
}
function upstreamMaxParallelism(t: Transformation): number | undefined {
  switch (t.kind) {
    case 'source':
    case 'one-input':
    case 'two-input':
      return t.maxParallelism;
    case 'side-output':
      return upstreamMaxParallelism(t.input);
    default:
      return undefined;
  }
}

/**
 * Whether a watermark strategy with idleness feeds `t`. An idle input's status goes downstream past the
 * operators of its task, so a local phase holding partials would not flush before the window operator
 * stops waiting for that input.
 */
function idlenessUpstream(t: Transformation, seen = new Set<Transformation>()): boolean {
  if (seen.has(t)) return false;
  seen.add(t);
  if (t.kind === 'source' && t.watermarkStrategy?.idleTimeoutMs !== undefined) return true;
  if (t.kind === 'one-input') {
    const s = (t.factory as { watermarkStrategy?: { idleTimeoutMs?: number } }).watermarkStrategy;
    if (s?.idleTimeoutMs !== undefined) return true;
  }
  for (const i of inputsOf(t)) if (idlenessUpstream(i, seen)) return true;
  return false;
}

function checkAggregationOptions(what: string, o: unknown): WindowAggregationOptions {
  if (o === undefined) return {};
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new ConfigurationError(`${what}: options must be an object such as { localAggregation: false }, got ${o === null ? 'null' : typeof o}`);
  for (const k of Object.keys(o))
    if (k !== 'localAggregation' && k !== 'localAggregationMaxKeys') throw new ConfigurationError(`${what}: unknown option '${k}' (known: localAggregation, localAggregationMaxKeys)`);
  const { localAggregation, localAggregationMaxKeys } = o as WindowAggregationOptions;
  if (localAggregation !== undefined && typeof localAggregation !== 'boolean')
    throw new ConfigurationError(`${what}: localAggregation must be true or false, got ${typeof localAggregation}`);
  if (localAggregationMaxKeys !== undefined && !(Number.isInteger(localAggregationMaxKeys) && localAggregationMaxKeys >= 1))
    throw new ConfigurationError(`${what}: localAggregationMaxKeys must be an integer ≥ 1, got ${String(localAggregationMaxKeys)}`);
  return o as WindowAggregationOptions;
}

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

  /**
   * Incremental reduce per window; `windowFn` (optional) gets the single reduced value. `options`:
   * {@link WindowAggregationOptions} (local pre-aggregation).
   */
  reduce<R = T>(fn: ReduceLike<T>, windowFn?: WindowFunctionLike<T, R, K, W>, options?: WindowAggregationOptions): DataStream<R> {
    const what = `reduce() on ${String(this.assigner)}`;
    if (typeof fn !== 'function' && typeof (fn as { reduce?: unknown })?.reduce !== 'function')
      throw new ConfigurationError(`${what}: expected a function or an object with reduce()`);
    const opts = checkAggregationOptions(what, options);
    const r = toReducer(fn);
    const wf = toProcessWindowFunction<T, R, K, W>(what, windowFn);
    const local = this.localAggregationPlan(what, opts, fn, undefined);
    const asAggregate = reduceAsAggregate(r);
    const pre = (values: T[]): T[] => (values.length === 0 ? [] : [values.reduce((a, b) => r(a, b))]);
    const out =
      this.sliced<T | undefined, T, R>('Reduce', local ? mergingPartials(asAggregate) : asAggregate, wf, [fn, windowFn]) ??
      this.build<T, R>('Reduce', new ReducingStateDescriptor<T>(CONTENTS, r), wf, pre, [fn, windowFn], local !== undefined);
    if (local) this.addLocalPhase(out, local, asAggregate);
    return out;
  }

  /**
   * Incremental aggregation per window; `windowFn` (optional) gets the single result. `options`:
   * {@link WindowAggregationOptions} (local pre-aggregation).
   */
  aggregate<ACC, V, R = V>(agg: AggregateFunction<T, ACC, V>, windowFn?: WindowFunctionLike<V, R, K, W>, options?: WindowAggregationOptions): DataStream<R> {
    const what = `aggregate() on ${String(this.assigner)}`;
    if (!agg || typeof agg.createAccumulator !== 'function' || typeof agg.add !== 'function' || typeof agg.getResult !== 'function')
      throw new ConfigurationError(`${what}: expected an AggregateFunction (createAccumulator, add, getResult)`);
    if (this.assigner.isMerging() && !this.windowEvictor && typeof agg.merge !== 'function')
      throw new ConfigurationError(`${what}: merging windows need AggregateFunction.merge(a, b)`);
    const opts = checkAggregationOptions(what, options);
    const wf = toProcessWindowFunction<V, R, K, W>(what, windowFn);
    const pre = (values: T[]): V[] => {
      let acc = agg.createAccumulator();
      for (const v of values) acc = agg.add(v, acc);
      return [agg.getResult(acc)];
    };
    if (typeof agg.merge !== 'function') {
      this.localAggregationPlan(what, opts, agg, undefined); // throws when localAggregation: true was asked for
      return this.build<V, R>('Aggregate', new AggregatingStateDescriptor<T, ACC, V>(CONTENTS, agg), wf, pre, [agg, windowFn], false);
    }
    const m = agg as MergeableAggregate<T, ACC, V>;
    const local = this.localAggregationPlan(what, opts, agg, () => agg.createAccumulator());
    let out = this.sliced<ACC, V, R>('Aggregate', local ? mergingPartials(m) : m, wf, [agg, windowFn]);
    if (out === undefined) {
      // After the local phase the window contents fold accumulators: `add` is the aggregate's merge.
      const contents: AggregateFunction<T, ACC, V> = local
        ? {
            createAccumulator: () => m.createAccumulator(),
            add: (partialAcc, acc) => m.merge(acc, partialAcc as unknown as ACC),
            getResult: (acc) => m.getResult(acc),
            merge: (a, b) => m.merge(a, b),
          }
        : agg;
      out = this.build<V, R>('Aggregate', new AggregatingStateDescriptor<T, ACC, V>(CONTENTS, contents), wf, pre, [agg, windowFn], local !== undefined);
    }
    if (local) this.addLocalPhase(out, local, m);
    return out;
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

  /**
   * Whether `reduce`/`aggregate` get a local pre-aggregation phase, and its pane grid. It is used when
   * nothing downstream needs the records themselves: event-time tumbling or sliding windows (processing-time
   * windows fire on the wall clock, so partials held upstream could miss their window), the default trigger
   * (a custom trigger sees every element), no evictor (it needs the records), no late-data side output (it
   * emits the records), session windows never (panes need fixed window boundaries), a mergeable aggregate or
   * a reduce, an aggregate without `open()` (a rich function is opened by the window operator only), and an
   * accumulator that is plain data (partials cross threads). Off with `localAggregation: false`; with
   * `localAggregation: true` an obstacle is a ConfigurationError naming it.
   */
  private localAggregationPlan(what: string, opts: WindowAggregationOptions, fn: unknown, probeAccumulator: (() => unknown) | undefined): LocalPlan | undefined {
    if (opts.localAggregation === false) return undefined;
    const a = this.assigner as unknown;
    let paneSize = 0;
    let paneOffset = 0;
    let obstacle: string | undefined;
    if (a instanceof TumblingEventTimeWindows) [paneSize, paneOffset] = [a.size, a.offset];
    else if (a instanceof SlidingEventTimeWindows) [paneSize, paneOffset] = [gcd(a.size, a.slide), a.offset];
    else obstacle = 'it needs event-time tumbling or sliding windows';
    if (obstacle === undefined) obstacle = this.localAggregationObstacle(fn, probeAccumulator);
    if (obstacle !== undefined) {
      if (opts.localAggregation === true) throw new ConfigurationError(`${what}: localAggregation: true is not possible: ${obstacle}`);
      return undefined;
    }
    return { paneSize, paneOffset, maxKeys: opts.localAggregationMaxKeys ?? DEFAULT_LOCAL_AGGREGATION_MAX_KEYS };
  }

  private localAggregationObstacle(fn: unknown, probeAccumulator: (() => unknown) | undefined): string | undefined {
    const f = fn as { merge?: unknown; open?: unknown; setRuntimeContext?: unknown; reduce?: unknown } | null;
    const isObject = typeof fn === 'object' && f !== null;
    if (!this.defaultTrigger) return 'a custom trigger sees every record';
    if (this.windowEvictor) return 'an evictor needs the records';
    if (this.lateTag) return 'the late-data side output needs the records';
    if (isObject && typeof f.reduce !== 'function' && typeof f.merge !== 'function') return 'the AggregateFunction has no merge(a, b)';
    if (isObject && (typeof f.open === 'function' || typeof f.setRuntimeContext === 'function'))
      return 'a rich function (open(), runtime context) runs in the window operator only';
    const t = this.input.transformation;
    if (!(t.kind === 'partition' && t.partitioner === 'hash')) return 'the keyed stream does not come from keyBy()';
    if (idlenessUpstream(t)) return 'an input upstream may go idle (withIdleness), and partials held for it would miss their windows';
    if (probeAccumulator !== undefined && !isPlainData(probeAccumulator())) return 'the accumulator (createAccumulator()) is not plain data and cannot cross threads';
    return undefined;
  }

  /**
   * Rewires `upstream → keyBy → window` (what `out` was built as) into
   * `upstream → local aggregate → keyBy(partial's key) → window`. The local operator runs at the upstream's
   * parallelism, so it chains to it; it is stateless.
   */
  private addLocalPhase<ACC>(out: { readonly transformation: Transformation }, plan: LocalPlan, agg: LocalAggregate<T, ACC>): void {
    const keyed = this.input.transformation as PartitionTransformation;
    const win = out.transformation as OneInputTransformation;
    const upstream = keyed.input;
    const env = this.input.env;
    const keySelector = this.input.keySelector;
    const assignerName = this.assigner instanceof TumblingEventTimeWindows ? 'TumblingEventTimeWindows' : 'SlidingEventTimeWindows';
    const { paneSize, paneOffset, maxKeys } = plan;
    const local: OneInputTransformation = {
      kind: 'one-input',
      // Between the ids of its neighbours and outside the integer sequence: every other transformation
      // keeps the id it has without the local phase, and so every operator id derived from one, so
      // savepoints taken with and without the local phase restore into each other.
      id: win.id - 0.5,
      get name() {
        return `local aggregate: ${win.name}`;
      },
      input: upstream,
      factory: () => new LocalWindowAggregateOperator<T, ACC, K>({ keySelector, aggregate: agg, paneSize, paneOffset, maxKeys, assignerName }),
      get parallelism() {
        return upstreamParallelism(upstream, env.config);
      },
      get maxParallelism() {
        return upstreamMaxParallelism(upstream);
      },
    };
    const exchange: PartitionTransformation = { kind: 'partition', id: win.id - 0.25, name: keyed.name, input: local, partitioner: 'hash', keySelector: partialKey };
    win.input = exchange;
    win.keySelector = partialKey;
  }

  private build<ACC_OUT, R>(
    what: string,
    desc: AnyStateDescriptor,
    windowFunction: ProcessWindowFunctionLike<ACC_OUT, R, K, W>,
    preAggregate: ((values: T[]) => ACC_OUT[]) | undefined,
    userFunctions: unknown[],
    partials = false,
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
      : partials
        ? () => new PartialMergingWindowOperator<T, ACC_OUT, R, K, W>({ ...base, stateDescriptor: desc })
        : () => new WindowOperator<T, ACC_OUT, R, K, W>({ ...base, stateDescriptor: desc });
    return this.input.transformKeyed<R>(name, factory);
  }
}

/** The sliced operator's aggregate over partials `[key, acc]`: a partial is merged into its slice. */
function mergingPartials<T, ACC, V>(m: MergeableAggregate<T, ACC, V>): MergeableAggregate<T, ACC, V> {
  return {
    createAccumulator: () => m.createAccumulator(),
    add: (partial, acc) => m.merge(acc, (partial as unknown as WindowPartial<unknown, ACC>)[1]),
    merge: (a, b) => m.merge(a, b),
    getResult: (acc) => m.getResult(acc),
  };
}
