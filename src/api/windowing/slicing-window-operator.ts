/**
 * Sliced aggregation for sliding event-time windows (Flink SQL's slicing window operator): with
 * `size` a multiple of `slide`, every window is the union of `size / slide` consecutive *slices* of
 * `slide` ms. Each record updates one slice accumulator and registers at most one timer, instead of
 * updating `size / slide` windows; when a window ends, its slices' accumulators are merged into a fresh
 * accumulator and the result emitted. Same results as {@link WindowOperator} (a window exists iff one of
 * its slices has data; results carry `end - 1`; records whose last window has passed the watermark are
 * late), about 5× less state work for Nexmark q5's 10 s / 2 s windows. A watermark visits each due key
 * once and fires all of its windows that end by then, buffering the results, which go out window end by
 * window end (as timers fire). A watermark that passes several window ends at once (catching up on a
 * backlog) so costs one state access per key, not one per window end.
 *
 * Used by `WindowedStream.aggregate/reduce` when eligible: sliding event-time windows, the default
 * trigger, no evictor, no allowed lateness, a mergeable aggregate (reduce, or `AggregateFunction.merge`),
 * and a window function without per-window state.
 */
import { EddyError } from '../../core/index.ts';
import type { KeyedStateBackend, ValueStateImpl } from '../../state/index.ts';
import { ValueStateDescriptor, VOID_NAMESPACE, deepCopy } from '../../state/index.ts';
import type { OutputTag } from '../output-tag.ts';
import { AbstractStreamOperator } from '../operators/abstract-operator.ts';
import { TimestampedCollector } from '../operators/simple-operators.ts';
import { TimeWindow, checkEventTimestamp } from './windows.ts';
import type { ProcessWindowContext, ProcessWindowFunctionLike } from './window-functions.ts';
import { namespacedStateStore } from './keyed-state-store.ts';

export interface MergeableAggregate<IN, ACC, V> {
  createAccumulator(): ACC;
  add(value: IN, acc: ACC): ACC;
  merge(a: ACC, b: ACC): ACC;
  getResult(acc: ACC): V;
}

export interface SlicingWindowOptions<IN, ACC, V, OUT, K> {
  size: number;
  slide: number;
  offset: number;
  aggregate: MergeableAggregate<IN, ACC, V>;
  windowFunction: ProcessWindowFunctionLike<V, OUT, K, TimeWindow>;
  lateDataOutputTag?: OutputTag<IN>;
  userFunctions?: unknown[];
  name: string;
}

const RING = 'window-slice-ring';

/**
 * Keys with their key groups (so that revisiting a key skips hashing) and, for fired windows, results:
 * keys due at one window end, or the results of one window end. Appended to; emptied without giving up
 * its arrays (reused, it does not grow again: growing arrays are garbage that often outlives a young GC),
 * whose entries the reader clears as it goes (no key or result is kept alive).
 */
class KeyList<V> {
  keys: unknown[] = [];
  groups: number[] = [];
  results: V[] = [];
  n = 0;
  add(key: unknown, group: number, result: V): void {
    const i = this.n++;
    if (i < this.keys.length) {
      this.keys[i] = key;
      this.groups[i] = group;
      this.results[i] = result;
    } else {
      this.keys.push(key);
      this.groups.push(group);
      this.results.push(result);
    }
  }
}

export class SlicingWindowOperator<IN, ACC, V, OUT, K> extends AbstractStreamOperator<IN, OUT> {
  private backend!: KeyedStateBackend;
  /**
   * Per key, its slices in one value: `[fireAt, sliceEnd0, acc0, sliceEnd1, acc1, …]`, slices ascending.
   * `fireAt` is the `end - 1` of the next window of this key that will fire.
   */
  private ring!: ValueStateImpl<unknown[]>;
  private collector!: TimestampedCollector<OUT>;
  private lateDropped!: { inc(n?: number): void };
  private curWindow = new TimeWindow(0, 0);
  private readonly processCtx: ProcessWindowContext<TimeWindow>;
  private readonly one: V[] = [];
  private watermark = -Infinity;
  /**
   * The operator's own event-time "timers": keys by the window end - 1 at which they fire. Windows are
   * aligned, so there are only a few distinct times (≤ size / slide + 1), each shared by many keys; a key
   * is due at exactly one time (its ring's `fireAt`, entries whose ring moved on are skipped). Not
   * snapshotted: `open()` rebuilds it from the rings, which are keyed state (and so rescale with it).
   */
  private readonly due = new Map<number, KeyList<undefined>>();
  /** The times in {@link due}, ascending. */
  private readonly dueTimes: number[] = [];
  /** Emptied due lists, reused. */
  private readonly freeDue: KeyList<undefined>[] = [];
  /** Results fired by the current watermark and not yet emitted, by window end - 1, ascending (see {@link fireDue}). */
  private readonly firedTimes: number[] = [];
  private readonly firedLists: KeyList<V>[] = [];
  private readonly freeFired: KeyList<V>[] = [];
  private lastFiredTs = NaN;
  private lastFired: KeyList<V> | undefined;
  /** Arguments of {@link fireKey} (a function created once, so passed through fields). */
  private fireTs = 0;
  private fireWm = 0;
  /** Argument of {@link addToRing}: the end of the record's slice. */
  private sliceEnd = 0;
  /** Start of the slice of the last record (most records fall into the same one). */
  private lastSliceStart = NaN;

  constructor(private readonly o: SlicingWindowOptions<IN, ACC, V, OUT, K>) {
    super();
    for (const f of o.userFunctions ?? []) this.functions.push(f);
    const global = namespacedStateStore(() => this.backend, () => VOID_NAMESPACE);
    this.processCtx = {
      window: () => this.curWindow,
      currentProcessingTime: () => this.ctx.clock.now(),
      currentWatermark: () => this.watermark,
      windowState: () => {
        throw new EddyError(`${o.name}: per-window state is not available with sliced sliding windows; use process() instead of aggregate/reduce`, { domain: 'user' });
      },
      globalState: () => global,
      output: (tag, value) => this.output.collectSide(tag, value, this.curWindow.maxTimestamp()),
    };
  }

  override open(): void {
    const ks = this.ctx.keyedState;
    if (!ks || !this.ctx.timerService) throw new EddyError(`window operator '${this.ctx.operatorName}' needs a keyed stream: call keyBy() before window()`, { domain: 'user' });
    this.backend = ks;
    const d = new ValueStateDescriptor<unknown[]>(RING);
    this.ring = ks.getState(d) as ValueStateImpl<unknown[]>;
    this.collector = new TimestampedCollector<OUT>(this.output);
    this.lateDropped = this.ctx.metrics.counter('numLateRecordsDropped');
    // Restored rings: each key is due at its ring's fireAt.
    ks.applyToAllKeys(VOID_NAMESPACE, d, (key) => this.schedule(key, this.ring.value()![0] as number));
    super.open();
  }

  private schedule(key: unknown, at: number): void {
    let d = this.due.get(at);
    if (d === undefined) {
      this.due.set(at, (d = this.freeDue.pop() ?? new KeyList<undefined>()));
      const times = this.dueTimes;
      let i = times.length;
      while (i > 0 && times[i - 1]! > at) i--;
      times.splice(i, 0, at);
    }
    d.add(key, this.backend.getCurrentKeyGroup(), undefined);
  }

  processElement(value: IN, timestamp: number): void {
    checkEventTimestamp('SlidingEventTimeWindows', timestamp);
    const { size, slide, offset } = this.o;
    let sliceStart = this.lastSliceStart;
    // most records fall into the slice of the one before: no remainder of a large double
    if (!(timestamp >= sliceStart && timestamp < sliceStart + slide)) this.lastSliceStart = sliceStart = TimeWindow.getWindowStartWithOffset(timestamp, offset, slide);
    if (sliceStart + size - 1 <= this.watermark) {
      // every window containing this record has fired: late
      if (this.o.lateDataOutputTag !== undefined) this.output.collectSide(this.o.lateDataOutputTag, value, timestamp);
      else this.lateDropped.inc();
      return;
    }
    this.sliceEnd = sliceStart + slide;
    this.ring.updateWith(this.addToRing, value);
  }

  /** Adds `value` to the current key's slice ending at {@link sliceEnd}; one state access per record. */
  private readonly addToRing = (r: unknown[] | undefined, value: IN): unknown[] => {
    const { slide, aggregate } = this.o;
    const sliceEnd = this.sliceEnd;
    const wm = this.watermark;
    if (r === undefined) {
      let end = sliceEnd;
      while (end - 1 <= wm) end += slide; // windows ending at or before the watermark already fired
      this.schedule(this.backend.getCurrentKey(), end - 1);
      return [end - 1, sliceEnd, aggregate.add(value, aggregate.createAccumulator())];
    }
    // Most records go to the newest slice: search from the back.
    let i = r.length - 2;
    while (i > 0 && (r[i] as number) > sliceEnd) i -= 2;
    if (i > 0 && r[i] === sliceEnd) r[i + 1] = aggregate.add(value, r[i + 1] as ACC);
    else {
      const acc = aggregate.add(value, aggregate.createAccumulator());
      if (i + 2 === r.length) r.push(sliceEnd, acc); // a new newest slice (splice would allocate)
      else r.splice(i + 2, 0, sliceEnd, acc);
      // An older slice (out-of-order data) may belong to a window before the key's next firing.
      let end = sliceEnd;
      while (end - 1 <= wm) end += slide;
      if (end - 1 < (r[0] as number)) {
        r[0] = end - 1;
        this.schedule(this.backend.getCurrentKey(), end - 1);
      }
    }
    return r;
  };

  override processWatermark(watermark: number): void {
    if (watermark > this.watermark) this.watermark = watermark;
    const times = this.dueTimes;
    if (times.length > 0 && times[0]! <= watermark) this.fireDue(watermark);
    super.processWatermark(watermark);
  }

  /**
   * Fires every window that ends by `wm`, one visit per due key: a key fires all its windows up to `wm`
   * at once (its ring read and written once), and the results are buffered per window end. When the
   * watermark passes several window ends at once (catching up on a backlog) a key's state is touched once
   * instead of once per window end.
   *
   * Results go out window end by window end, ascending (as event-time timers fire), each window end as
   * soon as it is complete: a key with a window ending at `e` is due at `e` or earlier, so once the keys
   * due before `at` have fired, every window ending before `at` has all its results.
   */
  private fireDue(wm: number): void {
    const times = this.dueTimes;
    const b = this.backend;
    const st = this.ring;
    while (times.length > 0 && times[0]! <= wm) {
      const at = times.shift()!;
      const d = this.due.get(at)!;
      this.due.delete(at);
      this.emitFired(at);
      const { keys, groups, n } = d;
      this.fireTs = at;
      this.fireWm = wm;
      for (let i = 0; i < n; i++) {
        b.setCurrentKeyInGroup(keys[i], groups[i]!);
        keys[i] = undefined;
        st.updateWith(this.fireKey, undefined);
      }
      d.n = 0;
      this.freeDue.push(d);
    }
    this.emitFired(Infinity);
  }

  /**
   * Fires the current key's windows from its ring's fireAt ({@link fireTs}) up to {@link fireWm},
   * buffering the results, and returns what is left of the ring (one state access per key and watermark).
   */
  private readonly fireKey = (r: unknown[] | undefined): unknown[] | undefined => {
    // a key is due at its ring's fireAt only; other entries are stale (moved earlier, or fired)
    if (r === undefined || r[0] !== this.fireTs) return r;
    const { size, slide } = this.o;
    const agg = this.o.aggregate;
    const b = this.backend;
    const wm = this.fireWm;
    let ts = r[0] as number;
    for (;;) {
      const end = ts + 1;
      const start = end - size;
      let acc: ACC | undefined;
      let drop = 0; // slices whose last window is this one
      for (let i = 1; i < r.length; i += 2) {
        const e = r[i] as number;
        if (e > end) break;
        if (e <= start + slide) drop = i + 1;
        if (e > start) {
          // merge may reuse either argument (as Flink's AggregateFunction.merge may): a slice that later
          // windows also hold is merged as a copy, one whose last window this is as itself
          const part = r[i + 1] as ACC;
          acc = agg.merge(acc === undefined ? agg.createAccumulator() : acc, e <= start + slide || typeof part !== 'object' || part === null ? part : deepCopy(part));
        }
      }
      if (acc !== undefined) this.firedAt(ts).add(b.getCurrentKey(), b.getCurrentKeyGroup(), agg.getResult(acc));
      if (drop > 0) {
        // drop r[1 .. drop] in place (no splice: it allocates the removed elements)
        const n = r.length - drop;
        for (let i = 1; i < n; i++) r[i] = r[i + drop];
        r.length = n;
      }
      if (r.length === 1) return undefined; // no slice left: the key's state goes
      // The next window with data: the following one, or the first window of the oldest slice left.
      const oldest = r[1] as number;
      ts = (oldest > end + slide ? oldest : end + slide) - 1;
      r[0] = ts;
      if (ts > wm) break;
    }
    this.schedule(b.getCurrentKey(), ts);
    return r;
  };

  /** The buffer of results for the window ending at `ts + 1`. */
  private firedAt(ts: number): KeyList<V> {
    if (ts === this.lastFiredTs) return this.lastFired!;
    const times = this.firedTimes;
    let i = times.length;
    while (i > 0 && times[i - 1]! > ts) i--;
    let f: KeyList<V>;
    if (i > 0 && times[i - 1] === ts) f = this.firedLists[i - 1]!;
    else {
      f = this.freeFired.pop() ?? new KeyList<V>();
      times.splice(i, 0, ts);
      this.firedLists.splice(i, 0, f);
    }
    this.lastFiredTs = ts;
    this.lastFired = f;
    return f;
  }

  /**
   * Calls the window function for every buffered result of a window end - 1 below `limit`, window end
   * ascending, each with its key current (for `globalState()`).
   */
  private emitFired(limit: number): void {
    const times = this.firedTimes;
    if (times.length === 0 || times[0]! >= limit) return;
    const lists = this.firedLists;
    const b = this.backend;
    const wf = this.o.windowFunction;
    const ctx = this.processCtx;
    const out = this.collector;
    const one = this.one;
    this.lastFiredTs = NaN;
    this.lastFired = undefined;
    while (times.length > 0 && times[0]! < limit) {
      const ts = times.shift()!;
      const f = lists.shift()!;
      const end = ts + 1;
      const start = end - this.o.size;
      if (this.curWindow.start !== start || this.curWindow.end !== end) this.curWindow = new TimeWindow(start, end);
      out.timestamp = ts;
      const { keys, groups, results, n } = f;
      for (let i = 0; i < n; i++) {
        const key = keys[i];
        b.setCurrentKeyInGroup(key, groups[i]!);
        one[0] = results[i]!;
        keys[i] = undefined;
        results[i] = undefined as V;
        wf.process(key as K, ctx, one, out);
      }
      f.n = 0;
      this.freeFired.push(f);
    }
    one.length = 0;
  }
}

/** A reduce function as a mergeable aggregate (the accumulator is the reduced value; `undefined` = empty). */
export function reduceAsAggregate<T>(r: (a: T, b: T) => T): MergeableAggregate<T, T | undefined, T> {
  return {
    createAccumulator: () => undefined,
    add: (v, acc) => (acc === undefined ? v : r(acc, v)),
    merge: (a, b) => (a === undefined ? b : b === undefined ? a : r(a, b)),
    getResult: (acc) => acc as T,
  };
}
