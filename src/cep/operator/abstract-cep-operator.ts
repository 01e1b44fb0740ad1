/**
 * The keyed core of the CEP operators (`CepOperator` for one pattern, `DynamicCepOperator` for a registry
 * of patterns): per key, a runner (NFA or DynamicPatternSet) in keyed state, an event-time buffer, timers.
 *
 * Event time (Flink's CepOperator): an element with `timestamp > watermark` is buffered for its key and
 * timestamp and an event-time timer is registered at its timestamp (the timer service deduplicates).
 * Timers fire in timestamp order as the watermark passes; the timer at `t` releases the events buffered at
 * `t` (ties ordered by the comparator, then by arrival), feeds them to the runner, advances the runner's
 * time to `t`, and registers a timer at the runner's next `within` expiry. Elements with
 * `timestamp ≤ watermark` are late: sent to the late-data side output if one is set, otherwise dropped and
 * counted (`numLateRecordsDropped`).
 *
 * Metrics: `numPartialMatches`, a gauge of the open partial matches over all keys of the subtask. The
 * operator keeps the total as it saves runners (the change of the key's count), so reading the gauge costs
 * nothing; at open it counts the restored runners once.
 *
 * The buffer, in state, is the key's `MapState<timestamp, T[]>` (`cep-event-buffer`), as in Flink. Between
 * checkpoints, arrivals wait in memory instead ({@link PendingEvents}: timestamp → key → events, a small
 * hot map, where the MapState cost two lookups of the key in a large table per event), and
 * `snapshotFunctionState` — called before keyed state is captured — moves them into the MapState. So a
 * checkpoint holds exactly the state it always held; a timer at `t` takes the MapState's events at `t`
 * (while `t` ≤ the newest timestamp moved there or restored) and then the in-memory ones, which arrived
 * later. Cost: O(1) per buffered event on the common path; a checkpoint writes the buffered events once.
 *
 * Processing time: events go to the runner on arrival with the clock's time; expiries are
 * processing-time timers. A key without state gets a runner only if a fresh one would take the event.
 */
import { EddyError, NO_TIMESTAMP, keyIdentity } from '../../core/index.ts';
import { AbstractStreamOperator, type OutputTag } from '../../api/index.ts';
import type { InternalKvState, InternalTimerService, ListState, MapState, ValueState } from '../../state/index.ts';
import { ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor, VOID_NAMESPACE } from '../../state/index.ts';
import { KeyedRunnerState, type CepRunner } from './keyed-runner-state.ts';
import { PendingEvents } from './pending-events.ts';

/** Time domain of a CEP operator. */
export type CepTimeDomain = 'event-time' | 'processing-time';

/** What the keyed core needs to know of a runner. */
export interface TimedRunner<T, M, X extends { readonly timestamp: number }, S> extends CepRunner<S> {
  process(event: T, timestamp: number): readonly M[];
  advanceTime(timestamp: number): { matches: readonly M[]; timedOut: readonly X[] };
  nextTimeout(): number | undefined;
  /** Optional: true when `advanceTime(timestamp)` would do nothing (the operator then skips it). */
  isIdleAt?(timestamp: number): boolean;
}

/** Options shared by the CEP operators. */
export interface CepCoreOptions<T> {
  timeDomain: CepTimeDomain;
  /** Orders events with equal timestamps (event time). */
  comparator?: ((a: T, b: T) => number) | undefined;
  /** Where late events go (event time); dropped and counted when absent. */
  lateDataOutputTag?: OutputTag<T> | undefined;
  /** Keep live runners next to their snapshots on the heap backend (default true). */
  stateCache?: boolean | undefined;
}

/** The keyed CEP machinery; subclasses say how runners are made and where matches go. */
export abstract class AbstractCepOperator<T, OUT, R extends TimedRunner<T, M, X, S>, M, X extends { readonly timestamp: number }, S> extends AbstractStreamOperator<T, OUT> {
  protected store!: KeyedRunnerState<R, S>;
  private buffer: MapState<number, T[]> | undefined;
  private bufferDescriptor: MapStateDescriptor<number, T[]> | undefined;
  /** Buffered events since the last checkpoint (event time); moved into `buffer` before each capture. */
  private readonly arrivals = new PendingEvents<T>();
  /** Highest timestamp that `buffer` (the MapState) may still hold events for; -Infinity: it holds none. */
  private bufferedUpTo = -Infinity;
  protected timers!: InternalTimerService;
  private lateDropped!: { inc(n?: number): void };
  private droppedPartials!: { inc(n?: number): void };
  /** Open partial matches over all keys (the `numPartialMatches` gauge). */
  private partials = 0;
  /** The watermark, in union operator state: after a restore, what was late stays late. */
  private watermarkState: ListState<number> | undefined;
  private restoredWatermark = -Infinity;

  constructor(protected readonly core: CepCoreOptions<T>) {
    super();
  }

  /** Whether a fresh runner would take `event` (no state is created for the key otherwise). */
  protected abstract canStart(event: T, timestamp: number): boolean;
  protected abstract createRunner(): R;
  protected abstract restoreRunner(snapshot: S): R;
  /** Partial matches the runner dropped under `maxPartialMatches` so far (a running total). */
  protected abstract droppedCount(runner: R): number;
  /** The runner's open partial matches now. */
  protected abstract partialCount(runner: R): number;
  /** A match, emitted with `timestamp` (`NO_TIMESTAMP` when none). */
  protected abstract onMatch(match: M, timestamp: number): void;
  /** A timed-out partial match. */
  protected abstract onTimeout(timedOut: X): void;

  override open(): void {
    const ks = this.ctx.keyedState;
    const timers = this.ctx.timerService;
    if (ks === undefined || timers === undefined)
      throw new EddyError(`CEP operator '${this.ctx.operatorName}' needs a keyed stream (CEP.pattern keys non-keyed streams itself)`, { domain: 'user' });
    this.timers = timers;
    this.store = new KeyedRunnerState<R, S>(ks, KeyedRunnerState.STATE_NAME, (s) => this.restoreRunner(s), this.core.stateCache !== false);
    if (this.core.timeDomain === 'event-time') {
      this.bufferDescriptor = new MapStateDescriptor<number, T[]>('cep-event-buffer');
      this.buffer = ks.getMapState(this.bufferDescriptor);
      // restored events wait in the MapState (their timers were restored with the timer service)
      ks.applyToAllKeys(VOID_NAMESPACE, this.bufferDescriptor, (_k, s: MapState<number, T[]> & InternalKvState) => {
        for (const ts of s.keys()) if (ts > this.bufferedUpTo) this.bufferedUpTo = ts;
      });
      this.watermarkState = this.ctx.operatorState.getUnionListState(new ListStateDescriptor<number>('cep-watermark'));
      const saved = this.watermarkState.get();
      // the lowest watermark of the old subtasks (after rescaling, keys may come from any of them)
      if (saved.length > 0) this.restoredWatermark = Math.min(...saved);
    }
    this.lateDropped = this.ctx.metrics.counter('numLateRecordsDropped');
    this.droppedPartials = this.ctx.metrics.counter('numDroppedPartialMatches');
    this.partials = 0;
    ks.applyToAllKeys(VOID_NAMESPACE, new ValueStateDescriptor<{ s: S }>(KeyedRunnerState.STATE_NAME), (_k, s: ValueState<{ s: S }> & InternalKvState) => {
      const v = s.value();
      if (v !== undefined && v !== null) this.partials += this.partialCount(this.restoreRunner(v.s));
    });
    this.ctx.metricGroup?.gauge('numPartialMatches', () => this.partials);
    super.open();
  }

  /** The current watermark of this operator (at least the one restored from a checkpoint). */
  protected currentWatermark(): number {
    const w = this.timers.currentWatermark();
    return w > this.restoredWatermark ? w : this.restoredWatermark;
  }

  override processWatermark(watermark: number): void {
    const ws = this.watermarkState;
    if (ws !== undefined && watermark > this.currentWatermark()) ws.update([watermark]);
    super.processWatermark(watermark);
  }

  /** An element of the pattern input (the current key is set). */
  protected onElement(value: T, timestamp: number): void {
    if (this.core.timeDomain === 'processing-time') {
      this.processingTimeElement(value, timestamp);
      return;
    }
    if (timestamp === NO_TIMESTAMP)
      throw new EddyError(
        `CEP operator '${this.ctx.operatorName}' runs in event time but a record has no timestamp: assign timestamps and watermarks upstream, or use timeDomain 'processing-time'`,
        { domain: 'user' },
      );
    if (timestamp <= this.currentWatermark()) {
      const tag = this.core.lateDataOutputTag;
      if (tag !== undefined) this.output.collectSide(tag, value, timestamp);
      else this.lateDropped.inc();
      return;
    }
    const key = this.ctx.keyedState!.getCurrentKey();
    // a new (timestamp, key) entry needs a timer (the timer service deduplicates one that exists)
    if (this.arrivals.add(timestamp, key, keyIdentity(key), value)) this.timers.registerEventTimeTimer(VOID_NAMESPACE, timestamp);
  }

  /** Before a checkpoint captures keyed state: buffered events move into the key's MapState. */
  override snapshotFunctionState(checkpointId: number): void {
    this.flushPending();
    super.snapshotFunctionState(checkpointId);
  }

  /** Moves the in-memory buffer into the keyed MapState (what a checkpoint captures). */
  private flushPending(): void {
    const buffer = this.buffer;
    if (buffer === undefined || this.arrivals.size === 0) return;
    const ks = this.ctx.keyedState!;
    const saved = ks.getCurrentKey();
    ks.batch(() => {
      this.arrivals.drain((ts, key, events) => {
        ks.setCurrentKey(key);
        const old = ts <= this.bufferedUpTo ? buffer.get(ts) : undefined;
        buffer.put(ts, old === undefined ? events : old.concat(events));
        if (ts > this.bufferedUpTo) this.bufferedUpTo = ts;
      });
    });
    if (saved === undefined) ks.clearCurrentKey();
    else ks.setCurrentKey(saved);
  }

  override onEventTime(key: unknown, _ns: string | number, t: number): void {
    const buffer = this.buffer;
    if (buffer === undefined) return;
    let list = this.arrivals.size === 0 ? undefined : this.arrivals.take(t, keyIdentity(key));
    if (t <= this.bufferedUpTo) {
      // events buffered before a checkpoint (or restored) come first: they arrived earlier
      const old = buffer.get(t);
      if (old !== undefined) {
        buffer.remove(t);
        list = list === undefined ? old : old.concat(list);
      }
    }
    let runner = this.store.load();
    const before = runner === undefined ? undefined : runner.nextTimeout();
    const dropped0 = runner === undefined ? 0 : this.droppedCount(runner);
    const partials0 = runner === undefined ? 0 : this.partialCount(runner);
    if (list !== undefined) {
      const cmp = this.core.comparator;
      if (cmp !== undefined && list.length > 1) list.sort(cmp);
      for (const e of list) {
        if (runner === undefined) {
          if (!this.canStart(e, t)) continue;
          runner = this.createRunner();
        }
        const ms = runner.process(e, t);
        for (let i = 0; i < ms.length; i++) this.onMatch(ms[i]!, t);
      }
    }
    if (runner === undefined) return;
    this.advance(runner, t, t);
    this.commit(runner, before, dropped0, partials0, false);
  }

  override onProcessingTime(_key: unknown, _ns: string | number, t: number): void {
    if (this.core.timeDomain !== 'processing-time') return;
    const runner = this.store.load();
    if (runner === undefined) return;
    const before = runner.nextTimeout();
    const dropped0 = this.droppedCount(runner);
    const partials0 = this.partialCount(runner);
    this.advance(runner, t, NO_TIMESTAMP);
    this.commit(runner, before, dropped0, partials0, true);
  }

  private processingTimeElement(value: T, timestamp: number): void {
    const now = this.ctx.clock.now();
    let runner = this.store.load();
    let before: number | undefined;
    let dropped0 = 0;
    let partials0 = 0;
    if (runner === undefined) {
      if (!this.canStart(value, now)) return;
      runner = this.createRunner();
    } else {
      before = runner.nextTimeout();
      dropped0 = this.droppedCount(runner);
      partials0 = this.partialCount(runner);
      this.advance(runner, now, timestamp);
    }
    const ms = runner.process(value, now);
    for (let i = 0; i < ms.length; i++) this.onMatch(ms[i]!, timestamp);
    this.advance(runner, now, timestamp); // timeouts found while processing
    this.commit(runner, before, dropped0, partials0, true);
  }

  /** Advances the runner's time; matches get `matchTs`, timeouts their expiry (event time) or none. */
  private advance(runner: R, t: number, matchTs: number): void {
    if (runner.isIdleAt !== undefined && runner.isIdleAt(t)) return;
    const { matches, timedOut } = runner.advanceTime(t);
    for (let i = 0; i < matches.length; i++) this.onMatch(matches[i]!, matchTs);
    for (let i = 0; i < timedOut.length; i++) this.onTimeout(timedOut[i]!);
  }

  /** Saves the runner and registers a timer at its next expiry if that changed. */
  private commit(runner: R, before: number | undefined, dropped0: number, partials0: number, processingTime: boolean): void {
    const dropped = this.droppedCount(runner) - dropped0;
    if (dropped > 0) this.droppedPartials.inc(dropped);
    this.partials += (runner.isEmpty ? 0 : this.partialCount(runner)) - partials0;
    const next = runner.isEmpty ? undefined : runner.nextTimeout();
    this.store.save(runner);
    if (next === undefined || next === before) return;
    if (processingTime) {
      this.timers.registerProcessingTimeTimer(VOID_NAMESPACE, next);
      this.ctx.requestProcessingTimeWakeup(next);
    } else {
      this.timers.registerEventTimeTimer(VOID_NAMESPACE, next);
    }
  }
}
