/**
 * Aligned time windows: tumbling (fixed size, no overlap) and sliding (fixed size, every `slide` ms), in
 * event time or processing time, with an optional offset (e.g. to align daily windows to a time zone).
 * Window starts are `offset + k * size` (or `* slide`), also for negative timestamps.
 */
import { ConfigurationError } from '../../core/index.ts';
import { WindowAssigner, type WindowAssignerContext } from './window-assigner.ts';
import type { Trigger } from './trigger.ts';
import { EventTimeTrigger, ProcessingTimeTrigger } from './triggers.ts';
import { TimeWindow, checkEventTimestamp } from './windows.ts';

function checkMs(where: string, what: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ConfigurationError(`${where}: ${what} must be a positive number of milliseconds, got ${v}`);
}
function checkOffset(where: string, offset: number, bound: number, boundName: string): void {
  if (typeof offset !== 'number' || !Number.isFinite(offset) || Math.abs(offset) >= bound)
    throw new ConfigurationError(`${where}: offset must satisfy |offset| < ${boundName} (${bound}), got ${offset}`);
}

/**
 * The last windows handed out, per assigner instance (one per worker thread): consecutive records
 * mostly fall into the same windows, so the same TimeWindow objects — and their cached namespace
 * strings — are reused instead of allocated per record. Callers only iterate the returned array.
 */
interface WindowCache {
  key: number;
  windows: TimeWindow[];
  /** Sliding: every timestamp of the slide starting at `key` has these windows (size a multiple of slide). */
  reusable: boolean;
}

// Most records fall into the window (or slide) of the record before: a range check then skips the
// remainder of a large double, which V8 compiles as the x87 `fprem` loop (a per-record cost).
function tumble(cache: WindowCache, ts: number, size: number, offset: number): TimeWindow[] {
  if (ts >= cache.key && ts < cache.key + size) return cache.windows;
  const start = TimeWindow.getWindowStartWithOffset(ts, offset, size);
  cache.key = start;
  return (cache.windows = [new TimeWindow(start, start + size)]);
}
function slideWindows(cache: WindowCache, ts: number, size: number, slide: number, offset: number): TimeWindow[] {
  if (cache.reusable && ts >= cache.key && ts < cache.key + slide) return cache.windows;
  const last = TimeWindow.getWindowStartWithOffset(ts, offset, slide);
  const out: TimeWindow[] = [];
  for (let start = last; start > ts - size; start -= slide) out.push(new TimeWindow(start, start + size));
  cache.key = last;
  cache.windows = out;
  // The set of windows depends only on `last` (windows start at last, last - slide, … > ts - size):
  // for a given `last`, `ts - size` ranges over (last - size, last + slide - size], so the set is
  // fixed when size is a multiple of slide; otherwise it is computed for each record.
  cache.reusable = size % slide === 0;
  return out;
}

/**
 * Tumbling event-time windows of `size` ms.
 * @example stream.keyBy(b => b.auction).window(TumblingEventTimeWindows.of(10_000))
 */
export class TumblingEventTimeWindows extends WindowAssigner<unknown, TimeWindow> {
  private readonly cache: WindowCache = { key: NaN, windows: [], reusable: false };
  private constructor(readonly size: number, readonly offset: number) {
    super();
  }
  static of(size: number, offset = 0): TumblingEventTimeWindows {
    checkMs('TumblingEventTimeWindows.of', 'size', size);
    checkOffset('TumblingEventTimeWindows.of', offset, size, 'size');
    return new TumblingEventTimeWindows(size, offset);
  }
  assignWindows(_e: unknown, timestamp: number): TimeWindow[] {
    checkEventTimestamp('TumblingEventTimeWindows', timestamp);
    return tumble(this.cache, timestamp, this.size, this.offset);
  }
  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return EventTimeTrigger.create();
  }
  isEventTime(): boolean {
    return true;
  }
  toString(): string {
    return `TumblingEventTimeWindows(${this.size}${this.offset ? `, ${this.offset}` : ''})`;
  }
}

/** Tumbling processing-time windows of `size` ms, by the operator's clock when the element arrives. */
export class TumblingProcessingTimeWindows extends WindowAssigner<unknown, TimeWindow> {
  private readonly cache: WindowCache = { key: NaN, windows: [], reusable: false };
  private constructor(readonly size: number, readonly offset: number) {
    super();
  }
  static of(size: number, offset = 0): TumblingProcessingTimeWindows {
    checkMs('TumblingProcessingTimeWindows.of', 'size', size);
    checkOffset('TumblingProcessingTimeWindows.of', offset, size, 'size');
    return new TumblingProcessingTimeWindows(size, offset);
  }
  assignWindows(_e: unknown, _ts: number, ctx: WindowAssignerContext): TimeWindow[] {
    return tumble(this.cache, ctx.getCurrentProcessingTime(), this.size, this.offset);
  }
  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }
  isEventTime(): boolean {
    return false;
  }
  toString(): string {
    return `TumblingProcessingTimeWindows(${this.size}${this.offset ? `, ${this.offset}` : ''})`;
  }
}

function checkSliding(where: string, size: number, slide: number, offset: number): void {
  checkMs(where, 'size', size);
  checkMs(where, 'slide', slide);
  if (slide > size) throw new ConfigurationError(`${where}: slide (${slide}) must not exceed size (${size})`);
  checkOffset(where, offset, slide, 'slide');
}

/**
 * Sliding event-time windows of `size` ms starting every `slide` ms; each element is in `size / slide` windows.
 * @example SlidingEventTimeWindows.of(10_000, 2_000) // Nexmark q5's HOP
 */
export class SlidingEventTimeWindows extends WindowAssigner<unknown, TimeWindow> {
  private readonly cache: WindowCache = { key: NaN, windows: [], reusable: false };
  private constructor(readonly size: number, readonly slide: number, readonly offset: number) {
    super();
  }
  static of(size: number, slide: number, offset = 0): SlidingEventTimeWindows {
    checkSliding('SlidingEventTimeWindows.of', size, slide, offset);
    return new SlidingEventTimeWindows(size, slide, offset);
  }
  assignWindows(_e: unknown, timestamp: number): TimeWindow[] {
    checkEventTimestamp('SlidingEventTimeWindows', timestamp);
    return slideWindows(this.cache, timestamp, this.size, this.slide, this.offset);
  }
  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return EventTimeTrigger.create();
  }
  isEventTime(): boolean {
    return true;
  }
  toString(): string {
    return `SlidingEventTimeWindows(${this.size}, ${this.slide}${this.offset ? `, ${this.offset}` : ''})`;
  }
}

/** Sliding processing-time windows of `size` ms starting every `slide` ms. */
export class SlidingProcessingTimeWindows extends WindowAssigner<unknown, TimeWindow> {
  private readonly cache: WindowCache = { key: NaN, windows: [], reusable: false };
  private constructor(readonly size: number, readonly slide: number, readonly offset: number) {
    super();
  }
  static of(size: number, slide: number, offset = 0): SlidingProcessingTimeWindows {
    checkSliding('SlidingProcessingTimeWindows.of', size, slide, offset);
    return new SlidingProcessingTimeWindows(size, slide, offset);
  }
  assignWindows(_e: unknown, _ts: number, ctx: WindowAssignerContext): TimeWindow[] {
    return slideWindows(this.cache, ctx.getCurrentProcessingTime(), this.size, this.slide, this.offset);
  }
  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }
  isEventTime(): boolean {
    return false;
  }
  toString(): string {
    return `SlidingProcessingTimeWindows(${this.size}, ${this.slide}${this.offset ? `, ${this.offset}` : ''})`;
  }
}
