/**
 * {@link LocalWindowAggregateOperator}: the local phase of a two-phase window aggregation (Flink SQL's
 * local-global aggregation), chained before the keyBy exchange of
 * `keyBy(k).window(TumblingEventTimeWindows | SlidingEventTimeWindows).aggregate/reduce(...)`.
 *
 * Per key and *pane* (the time unit every window is made of: the window size for tumbling windows, the
 * greatest common divisor of size and slide for sliding ones, aligned to the assigner's offset, so that
 * every timestamp of a pane belongs to the same windows) it folds records into a partial accumulator with
 * `createAccumulator`/`add`. It ships partials `[key, accumulator]` stamped `paneEnd - 1` instead of
 * records; the window operator after the exchange (keyed by the partial's key, so partials go to the key
 * group their records would have gone to) merges them into its windows with `merge`. The stamp lies in the
 * same pane, so the window operator assigns the same windows and judges lateness as it would have for
 * each record.
 *
 * Flushes (emits every partial and forgets it):
 * - before forwarding a watermark, so a window never fires before the partials of its records arrived;
 * - before a checkpoint barrier (in `snapshotFunctionState`, which runs before the barrier is sent), so the
 *   operator holds nothing a snapshot would need: it has no state, and savepoints taken with and without
 *   the local phase restore into each other;
 * - at end of input, and when more than `maxKeys` (key, pane) partials are held (memory bound).
 *
 * A record whose pane has ended by the local watermark (`paneEnd - 1 <= watermark`) may belong to a window
 * that has already fired downstream (a late firing, or a drop counted in `numLateRecordsDropped`): it is
 * shipped at once as a partial of its own, so the window operator sees it exactly as it would have seen the
 * record. Any other record is in no window that can have fired downstream: the watermark downstream is at
 * most the one this operator forwarded last, and the record's windows all end after it.
 *
 * Per record: the key selector, a pane computation, one map lookup (two when the last pane changed) and
 * `add`; allocation only for a (key, pane) not yet held.
 */
import { EddyError } from '../../core/index.ts';
import { AbstractStreamOperator } from './abstract-operator.ts';

/** The partial a {@link LocalWindowAggregateOperator} ships: the key and its pane's accumulator. */
export type WindowPartial<K, ACC> = [key: K, accumulator: ACC];

/** The local half of an aggregate: start and fold. */
export interface LocalAggregate<IN, ACC> {
  createAccumulator(): ACC;
  add(value: IN, acc: ACC): ACC;
}

export interface LocalWindowAggregateOptions<IN, ACC, K> {
  keySelector: (value: IN) => K;
  aggregate: LocalAggregate<IN, ACC>;
  /** Pane length in ms (> 0) and its alignment offset. */
  paneSize: number;
  paneOffset: number;
  /** Flush when this many (key, pane) partials are held. */
  maxKeys: number;
  /** Names the window assigner in errors. */
  assignerName: string;
}

/** Default bound on the (key, pane) partials held between flushes. */
export const DEFAULT_LOCAL_AGGREGATION_MAX_KEYS = 50_000;

export class LocalWindowAggregateOperator<IN, ACC, K> extends AbstractStreamOperator<IN, WindowPartial<K, ACC>> {
  /**
   * pane end → key → the partial to ship, its accumulator updated in place (a record costs one Map lookup,
   * not a get and a set; the flush ships the partials themselves).
   */
  private readonly panes = new Map<number, Map<K, WindowPartial<K, ACC>>>();
  /** The pane map used last (most records fall into the newest pane). */
  private lastEnd = NaN;
  private lastPane: Map<K, WindowPartial<K, ACC>> | undefined;
  /** (key, pane) partials held. */
  private held = 0;
  private watermark = -Infinity;
  private readonly keyOf: (value: IN) => K;
  private readonly agg: LocalAggregate<IN, ACC>;
  private readonly paneSize: number;
  private readonly paneOffset: number;
  private readonly maxKeys: number;

  constructor(private readonly o: LocalWindowAggregateOptions<IN, ACC, K>) {
    super();
    if (!(o.paneSize > 0) || !Number.isFinite(o.paneSize)) throw new EddyError(`local aggregation for ${o.assignerName}: pane size must be a positive number of ms, got ${o.paneSize}`);
    if (!Number.isInteger(o.maxKeys) || o.maxKeys < 1) throw new EddyError(`local aggregation for ${o.assignerName}: maxKeys must be an integer ≥ 1, got ${o.maxKeys}`);
    this.keyOf = o.keySelector;
    this.agg = o.aggregate;
    this.paneSize = o.paneSize;
    this.paneOffset = o.paneOffset;
    this.maxKeys = o.maxKeys;
  }

  processElement(value: IN, timestamp: number): void {
    if (timestamp !== timestamp || timestamp === -Number.MAX_VALUE || !Number.isFinite(timestamp)) this.badTimestamp(timestamp);
    let end = this.lastEnd;
    // most records fall into the pane of the one before: no remainder of a large double
    if (!(timestamp < end && timestamp >= end - this.paneSize)) {
      const size = this.paneSize;
      const rem = (timestamp - this.paneOffset) % size;
      end = (rem < 0 ? timestamp - (rem + size) : timestamp - rem) + size;
    }
    const key = this.keyOf(value);
    if (key === undefined) this.undefinedKey(value);
    const agg = this.agg;
    if (end - 1 <= this.watermark) {
      // possibly late downstream: shipped as its own partial, as the record would have been
      this.output.collect([key, agg.add(value, agg.createAccumulator())], end - 1);
      return;
    }
    let pane = this.lastPane;
    if (end !== this.lastEnd || pane === undefined) {
      pane = this.panes.get(end);
      if (pane === undefined) this.panes.set(end, (pane = new Map()));
      this.lastEnd = end;
      this.lastPane = pane;
    }
    const p = pane.get(key);
    if (p !== undefined) p[1] = agg.add(value, p[1]);
    else {
      pane.set(key, [key, agg.add(value, agg.createAccumulator())]);
      if (++this.held >= this.maxKeys) this.flush();
    }
  }

  private badTimestamp(timestamp: number): never {
    const a = this.o.assignerName;
    if (timestamp !== timestamp) throw new EddyError(`${a}: record timestamp is NaN`, { domain: 'user' });
    throw new EddyError(`${a}: record has no timestamp (${timestamp}); event-time windows need timestamps: did you forget assignTimestampsAndWatermarks(...)?`, { domain: 'user' });
  }

  private undefinedKey(value: IN): never {
    let shown: string;
    try {
      shown = JSON.stringify(value) ?? String(value);
    } catch {
      shown = String(value);
    }
    if (shown.length > 80) shown = shown.slice(0, 77) + '...';
    throw new EddyError(`operator '${this.ctx.operatorName}': the key selector returned undefined for record ${shown}`, { domain: 'user' });
  }

  /** Emits every partial held, oldest pane first, each stamped with its pane's end - 1. */
  flush(): void {
    if (this.held === 0) return;
    const ends = [...this.panes.keys()].sort((a, b) => a - b);
    const out = this.output;
    for (const end of ends) {
      const ts = end - 1;
      // the partials themselves go out (the maps are dropped below); no [key, value] entry per key
      this.panes.get(end)!.forEach((p) => out.collect(p, ts));
    }
    this.panes.clear();
    this.lastPane = undefined;
    this.lastEnd = NaN;
    this.held = 0;
  }

  override processWatermark(watermark: number): void {
    this.flush();
    if (watermark > this.watermark) this.watermark = watermark;
    super.processWatermark(watermark);
  }

  /** Runs before the checkpoint barrier is sent: the partials go out ahead of it, so no state remains. */
  override snapshotFunctionState(checkpointId: number): void {
    this.flush();
    super.snapshotFunctionState(checkpointId);
  }

  override finish(): void {
    this.flush();
    super.finish();
  }
}
