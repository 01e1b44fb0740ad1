/**
 * Session windows (merging): each element opens `[ts, ts + gap)` and overlapping windows of a key merge, so
 * a session closes after `gap` ms without elements. The gap is fixed (`withGap`) or computed per element
 * (`withDynamicGap`). Also {@link GlobalWindows}: one window per key, fired only by a custom trigger.
 */
import { ConfigurationError, EddyError } from '../../core/index.ts';
import { MergingWindowAssigner, WindowAssigner, type MergeCallback, type WindowAssignerContext } from './window-assigner.ts';
import type { Trigger } from './trigger.ts';
import { EventTimeTrigger, NeverTrigger, ProcessingTimeTrigger } from './triggers.ts';
import { GlobalWindow, TimeWindow, checkEventTimestamp } from './windows.ts';

/** Computes a session gap (ms, > 0) from an element. */
export type SessionWindowTimeGapExtractor<T> = ((element: T) => number) | { extract(element: T): number };

function checkGap(where: string, gap: number): void {
  if (typeof gap !== 'number' || !Number.isFinite(gap) || gap <= 0) throw new ConfigurationError(`${where}: the session gap must be a positive number of milliseconds, got ${gap}`);
}

/** Merges overlapping time windows (Flink's `TimeWindow.mergeWindows`). */
export function mergeTimeWindows(windows: TimeWindow[], callback: MergeCallback<TimeWindow>): void {
  const sorted = [...windows].sort((a, b) => a.start - b.start || a.end - b.end);
  let cur: TimeWindow | undefined;
  let group: TimeWindow[] = [];
  const flush = () => {
    if (cur && group.length > 1) callback(group, cur);
  };
  for (const w of sorted) {
    if (cur === undefined) {
      cur = w;
      group = [w];
    } else if (cur.intersects(w)) {
      cur = cur.cover(w);
      group.push(w);
    } else {
      flush();
      cur = w;
      group = [w];
    }
  }
  flush();
}

abstract class SessionWindows<T> extends MergingWindowAssigner<T, TimeWindow> {
  private readonly gapOf: ((e: T) => number) | undefined;
  protected constructor(
    private readonly name: string,
    private readonly gap: number,
    extractor: SessionWindowTimeGapExtractor<T> | undefined,
  ) {
    super();
    this.gapOf = extractor === undefined ? undefined : typeof extractor === 'function' ? extractor : (e: T) => extractor.extract(e);
  }
  protected window(element: T, start: number): TimeWindow[] {
    let gap = this.gap;
    if (this.gapOf !== undefined) {
      gap = this.gapOf(element);
      if (typeof gap !== 'number' || !(gap > 0) || !Number.isFinite(gap))
        throw new EddyError(`${this.name}: the dynamic gap extractor returned ${gap} for an element; gaps must be positive numbers of milliseconds`, { domain: 'user' });
    }
    return [new TimeWindow(start, start + gap)];
  }
  mergeWindows(windows: TimeWindow[], callback: MergeCallback<TimeWindow>): void {
    mergeTimeWindows(windows, callback);
  }
  toString(): string {
    return this.gapOf ? `${this.name}(dynamic gap)` : `${this.name}(${this.gap})`;
  }
}

/**
 * Event-time session windows.
 * @example stream.keyBy(e => e.user).window(EventTimeSessionWindows.withGap(30_000))
 */
export class EventTimeSessionWindows<T = unknown> extends SessionWindows<T> {
  static withGap(gap: number): EventTimeSessionWindows<unknown> {
    checkGap('EventTimeSessionWindows.withGap', gap);
    return new EventTimeSessionWindows<unknown>('EventTimeSessionWindows', gap, undefined);
  }
  static withDynamicGap<T>(extractor: SessionWindowTimeGapExtractor<T>): EventTimeSessionWindows<T> {
    if (typeof extractor !== 'function' && typeof (extractor as { extract?: unknown })?.extract !== 'function')
      throw new ConfigurationError('EventTimeSessionWindows.withDynamicGap: expected a function or an object with extract()');
    return new EventTimeSessionWindows<T>('EventTimeSessionWindows', 0, extractor);
  }
  assignWindows(element: T, timestamp: number): TimeWindow[] {
    checkEventTimestamp('EventTimeSessionWindows', timestamp);
    return this.window(element, timestamp);
  }
  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return EventTimeTrigger.create();
  }
  isEventTime(): boolean {
    return true;
  }
}

/** Processing-time session windows: sessions by arrival time on the operator's clock. */
export class ProcessingTimeSessionWindows<T = unknown> extends SessionWindows<T> {
  static withGap(gap: number): ProcessingTimeSessionWindows<unknown> {
    checkGap('ProcessingTimeSessionWindows.withGap', gap);
    return new ProcessingTimeSessionWindows<unknown>('ProcessingTimeSessionWindows', gap, undefined);
  }
  static withDynamicGap<T>(extractor: SessionWindowTimeGapExtractor<T>): ProcessingTimeSessionWindows<T> {
    if (typeof extractor !== 'function' && typeof (extractor as { extract?: unknown })?.extract !== 'function')
      throw new ConfigurationError('ProcessingTimeSessionWindows.withDynamicGap: expected a function or an object with extract()');
    return new ProcessingTimeSessionWindows<T>('ProcessingTimeSessionWindows', 0, extractor);
  }
  assignWindows(element: T, _ts: number, ctx: WindowAssignerContext): TimeWindow[] {
    return this.window(element, ctx.getCurrentProcessingTime());
  }
  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }
  isEventTime(): boolean {
    return false;
  }
}

/**
 * One window per key that never ends. The default trigger never fires: set one.
 * @example stream.keyBy(k).window(GlobalWindows.create()).trigger(PurgingTrigger.of(CountTrigger.of(100)))
 */
export class GlobalWindows extends WindowAssigner<unknown, GlobalWindow> {
  private constructor() {
    super();
  }
  static create(): GlobalWindows {
    return new GlobalWindows();
  }
  assignWindows(): GlobalWindow[] {
    return [GlobalWindow.get()];
  }
  getDefaultTrigger(): Trigger<unknown, GlobalWindow> {
    return NeverTrigger.create();
  }
  isEventTime(): boolean {
    return false;
  }
  toString(): string {
    return 'GlobalWindows()';
  }
}
