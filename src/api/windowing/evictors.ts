/**
 * Evictors remove elements from a window's buffer before and/or after the window function runs (Flink's
 * `Evictor`). A window with an evictor buffers every element (no incremental aggregation). Built-ins:
 * {@link CountEvictor} (keep the last n), {@link TimeEvictor} (keep the last `ms` of event time) and
 * {@link DeltaEvictor} (keep elements within a delta of the last one).
 */
import { ConfigurationError } from '../../core/index.ts';
import type { Window } from './windows.ts';

/** An element in a window buffer with its event timestamp (`NO_TIMESTAMP` when it has none). */
export interface TimestampedValue<T> {
  value: T;
  timestamp: number;
}

/** What an evictor may read. */
export interface EvictorContext {
  getCurrentProcessingTime(): number;
  getCurrentWatermark(): number;
}

/**
 * Removes elements from a window buffer. `elements` is in insertion order; remove entries in place
 * (e.g. with `splice`). What is left is what the window function sees (before) and what stays buffered (after).
 */
export interface Evictor<T = unknown, W extends Window = Window> {
  evictBefore(elements: TimestampedValue<T>[], size: number, window: W, ctx: EvictorContext): void;
  evictAfter(elements: TimestampedValue<T>[], size: number, window: W, ctx: EvictorContext): void;
}

const NO_TS = -Number.MAX_VALUE;

/** Keeps at most `maxCount` elements: the most recent ones. */
export class CountEvictor implements Evictor<unknown, Window> {
  private constructor(readonly maxCount: number, readonly doEvictAfter: boolean) {}
  /** Evicts before the window function unless `doEvictAfter`. */
  static of(maxCount: number, doEvictAfter = false): CountEvictor {
    if (!Number.isInteger(maxCount) || maxCount < 0) throw new ConfigurationError(`CountEvictor.of(${maxCount}): the count must be an integer ≥ 0`);
    return new CountEvictor(maxCount, doEvictAfter);
  }
  evictBefore(elements: TimestampedValue<unknown>[], size: number): void {
    if (!this.doEvictAfter) this.evict(elements, size);
  }
  evictAfter(elements: TimestampedValue<unknown>[], size: number): void {
    if (this.doEvictAfter) this.evict(elements, size);
  }
  private evict(elements: TimestampedValue<unknown>[], size: number): void {
    if (size <= this.maxCount) return;
    elements.splice(0, size - this.maxCount);
  }
}

/** Keeps the elements whose timestamp is within `windowSize` ms of the newest element's. */
export class TimeEvictor implements Evictor<unknown, Window> {
  private constructor(readonly windowSize: number, readonly doEvictAfter: boolean) {}
  static of(windowSize: number, doEvictAfter = false): TimeEvictor {
    if (typeof windowSize !== 'number' || !Number.isFinite(windowSize) || windowSize < 0)
      throw new ConfigurationError(`TimeEvictor.of(${windowSize}): the window size must be a number of milliseconds ≥ 0`);
    return new TimeEvictor(windowSize, doEvictAfter);
  }
  evictBefore(elements: TimestampedValue<unknown>[]): void {
    if (!this.doEvictAfter) this.evict(elements);
  }
  evictAfter(elements: TimestampedValue<unknown>[]): void {
    if (this.doEvictAfter) this.evict(elements);
  }
  private evict(elements: TimestampedValue<unknown>[]): void {
    if (!elements.some((e) => e.timestamp !== NO_TS)) return;
    let max = -Infinity;
    for (const e of elements) if (e.timestamp > max) max = e.timestamp;
    const cutoff = max - this.windowSize;
    for (let i = elements.length - 1; i >= 0; i--) if (elements[i]!.timestamp <= cutoff) elements.splice(i, 1);
  }
}

/** Distance between two elements, for {@link DeltaEvictor}. */
export type DeltaFunction<T> = ((a: T, b: T) => number) | { getDelta(a: T, b: T): number };

/** Evicts the elements whose delta to the last element is ≥ `threshold`. */
export class DeltaEvictor<T> implements Evictor<T, Window> {
  private readonly delta: (a: T, b: T) => number;
  private constructor(readonly threshold: number, fn: DeltaFunction<T>, readonly doEvictAfter: boolean) {
    this.delta = typeof fn === 'function' ? fn : (a, b) => fn.getDelta(a, b);
  }
  static of<T>(threshold: number, deltaFunction: DeltaFunction<T>, doEvictAfter = false): DeltaEvictor<T> {
    if (typeof threshold !== 'number' || Number.isNaN(threshold)) throw new ConfigurationError(`DeltaEvictor.of: threshold must be a number, got ${threshold}`);
    if (typeof deltaFunction !== 'function' && typeof (deltaFunction as { getDelta?: unknown })?.getDelta !== 'function')
      throw new ConfigurationError('DeltaEvictor.of: expected a delta function or an object with getDelta()');
    return new DeltaEvictor(threshold, deltaFunction, doEvictAfter);
  }
  evictBefore(elements: TimestampedValue<T>[]): void {
    if (!this.doEvictAfter) this.evict(elements);
  }
  evictAfter(elements: TimestampedValue<T>[]): void {
    if (this.doEvictAfter) this.evict(elements);
  }
  private evict(elements: TimestampedValue<T>[]): void {
    const last = elements[elements.length - 1];
    if (last === undefined) return;
    for (let i = elements.length - 1; i >= 0; i--) if (this.delta(elements[i]!.value, last.value) >= this.threshold) elements.splice(i, 1);
  }
}
