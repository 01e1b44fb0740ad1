/**
 * Window functions: what runs when a window fires. {@link ProcessWindowFunction} sees the key, every
 * element (or the pre-aggregated result) and a context with the window, time, per-window and global keyed
 * state and side outputs; {@link WindowFunction} is the simpler `apply(key, window, input, out)`. The
 * `*AllWindowFunction` variants serve `windowAll` (no key). {@link toProcessWindowFunction} normalises
 * every form into the one the window operator calls.
 */
import { ConfigurationError } from '../../core/index.ts';
import type { Collector, RichFunctionLifecycle } from '../functions.ts';
import { AbstractRichFunction } from '../functions.ts';
import type { OutputTag } from '../output-tag.ts';
import type {
  AggregatingState,
  AggregatingStateDescriptor,
  ListState,
  ListStateDescriptor,
  MapState,
  MapStateDescriptor,
  ReducingState,
  ReducingStateDescriptor,
  ValueState,
  ValueStateDescriptor,
} from '../../state/index.ts';
import type { Window } from './windows.ts';

/** Keyed state scoped to the current key and a namespace (the window, or none for global state). */
export interface KeyedStateStore {
  getState<T>(d: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(d: ListStateDescriptor<T>): ListState<T>;
  getMapState<K, V>(d: MapStateDescriptor<K, V>): MapState<K, V>;
  getReducingState<T>(d: ReducingStateDescriptor<T>): ReducingState<T>;
  getAggregatingState<IN, ACC, OUT>(d: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
}

/** The context of a firing window. */
export interface ProcessWindowContext<W extends Window> {
  window(): W;
  currentProcessingTime(): number;
  currentWatermark(): number;
  /** State of this key and window; cleared by you in `clear()`. Not available for merging windows. */
  windowState(): KeyedStateStore;
  /** State of this key across windows. Use other descriptor names than for `windowState()`. */
  globalState(): KeyedStateStore;
  /** Emits to a side output, with the window's max timestamp. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** A process window function as a plain object or class instance. */
export interface ProcessWindowFunctionLike<IN, OUT, K, W extends Window> extends RichFunctionLifecycle {
  process(key: K, context: ProcessWindowContext<W>, elements: readonly IN[], out: Collector<OUT>): void;
  /** The window is being cleaned up: clear what you kept in `windowState()`. */
  clear?(context: ProcessWindowContext<W>): void;
}

/**
 * Base class for process window functions (rich: `open`, `close`, `getRuntimeContext`).
 * @example
 * class Count extends ProcessWindowFunction<Bid, [number, number], number, TimeWindow> {
 *   process(key, ctx, elements, out) { out.collect([key, elements.length]); }
 * }
 */
export abstract class ProcessWindowFunction<IN, OUT, K, W extends Window>
  extends AbstractRichFunction
  implements ProcessWindowFunctionLike<IN, OUT, K, W>
{
  abstract process(key: K, context: ProcessWindowContext<W>, elements: readonly IN[], out: Collector<OUT>): void;
  clear(_context: ProcessWindowContext<W>): void {}
}

/** Flink's `WindowFunction`: `apply(key, window, input, out)`. */
export interface WindowFunction<IN, OUT, K, W extends Window> extends RichFunctionLifecycle {
  apply(key: K, window: W, input: readonly IN[], out: Collector<OUT>): void;
}
export type WindowFunctionLike<IN, OUT, K, W extends Window> =
  | ((key: K, window: W, input: readonly IN[], out: Collector<OUT>) => void)
  | WindowFunction<IN, OUT, K, W>
  | ProcessWindowFunctionLike<IN, OUT, K, W>;

/** The context of a firing window in `windowAll`. */
export type ProcessAllWindowContext<W extends Window> = ProcessWindowContext<W>;

/** A process function over all elements of a non-keyed window. */
export interface ProcessAllWindowFunctionLike<IN, OUT, W extends Window> extends RichFunctionLifecycle {
  process(context: ProcessAllWindowContext<W>, elements: readonly IN[], out: Collector<OUT>): void;
  clear?(context: ProcessAllWindowContext<W>): void;
}
export abstract class ProcessAllWindowFunction<IN, OUT, W extends Window>
  extends AbstractRichFunction
  implements ProcessAllWindowFunctionLike<IN, OUT, W>
{
  abstract process(context: ProcessAllWindowContext<W>, elements: readonly IN[], out: Collector<OUT>): void;
  clear(_context: ProcessAllWindowContext<W>): void {}
}
/** Flink's `AllWindowFunction`: `apply(window, input, out)`. */
export interface AllWindowFunction<IN, OUT, W extends Window> extends RichFunctionLifecycle {
  apply(window: W, input: readonly IN[], out: Collector<OUT>): void;
}
export type AllWindowFunctionLike<IN, OUT, W extends Window> =
  | ((window: W, input: readonly IN[], out: Collector<OUT>) => void)
  | AllWindowFunction<IN, OUT, W>
  | ProcessAllWindowFunctionLike<IN, OUT, W>;

/** Emits the (pre-aggregated) window contents as they are. */
export function passThroughWindowFunction<T>(): ProcessWindowFunctionLike<T, T, unknown, Window> {
  return {
    process(_k, _c, elements, out) {
      for (const e of elements) out.collect(e);
    },
  };
}

/** Normalises a lambda / WindowFunction / ProcessWindowFunction (or none) into a ProcessWindowFunctionLike. */
export function toProcessWindowFunction<IN, OUT, K, W extends Window>(
  where: string,
  fn: WindowFunctionLike<IN, OUT, K, W> | undefined,
): ProcessWindowFunctionLike<IN, OUT, K, W> {
  if (fn === undefined) return passThroughWindowFunction<IN>() as unknown as ProcessWindowFunctionLike<IN, OUT, K, W>;
  if (typeof fn === 'function') return { process: (k, c, els, out) => fn(k, c.window(), els, out) };
  if (fn !== null && typeof fn === 'object') {
    if (typeof (fn as ProcessWindowFunctionLike<IN, OUT, K, W>).process === 'function') return fn as ProcessWindowFunctionLike<IN, OUT, K, W>;
    if (typeof (fn as WindowFunction<IN, OUT, K, W>).apply === 'function') {
      const wf = fn as WindowFunction<IN, OUT, K, W>;
      return { process: (k, c, els, out) => wf.apply(k, c.window(), els, out) };
    }
  }
  throw new ConfigurationError(`${where}: expected a window function (a function, an object with apply(), or a ProcessWindowFunction with process())`);
}

/** Normalises an all-window function into a keyed one that ignores the (constant) key. */
export function allToProcessWindowFunction<IN, OUT, W extends Window>(
  where: string,
  fn: AllWindowFunctionLike<IN, OUT, W> | undefined,
): ProcessWindowFunctionLike<IN, OUT, unknown, W> | undefined {
  if (fn === undefined) return undefined;
  if (typeof fn === 'function') return { process: (_k, c, els, out) => fn(c.window(), els, out) };
  if (fn !== null && typeof fn === 'object') {
    const p = fn as ProcessAllWindowFunctionLike<IN, OUT, W>;
    if (typeof p.process === 'function') return { process: (_k, c, els, out) => p.process(c, els, out), clear: p.clear ? (c) => p.clear!(c) : undefined };
    const a = fn as AllWindowFunction<IN, OUT, W>;
    if (typeof a.apply === 'function') return { process: (_k, c, els, out) => a.apply(c.window(), els, out) };
  }
  throw new ConfigurationError(`${where}: expected an all-window function (a function, an object with apply(), or a ProcessAllWindowFunction with process())`);
}
