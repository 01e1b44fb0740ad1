/**
 * `DynamicCepOperator`: patterns written as data and replaced while the job runs. Input 1 is the keyed
 * event stream, input 2 a broadcast stream of `PatternUpdate`s (the broadcast state pattern).
 *
 * Every subtask keeps the same `PatternRegistry`, persisted in broadcast state (spec and registration
 * order per id), and each key a `DynamicPatternSet` in keyed state (through `AbstractCepOperator`). An
 * update is validated completely before it is applied; a rejected one goes to the rejected-updates side
 * output with the reason (from subtask 0 only, so it is reported once) and never fails the job. A
 * removed pattern's partial matches are dropped, a replaced one starts clean. In event time an update with
 * a timestamp takes effect when the watermark reaches it (events with timestamps ≥ it see the new
 * patterns, deterministically, also after a restart); without a timestamp, or in processing time, at once.
 */
import { NO_TIMESTAMP } from '../../core/index.ts';
import type { OperatorSnapshot, OutputTag } from '../../api/index.ts';
import type { MapState } from '../../state/index.ts';
import { MapStateDescriptor } from '../../state/index.ts';
import { DynamicPatternSet, type DynamicPatternSetSnapshot, type TaggedMatch, type TaggedTimedOutMatch } from '../dynamic/dynamic-pattern-set.ts';
import { PatternRegistry, type PatternRegistryOptions, type PatternUpdate } from '../dynamic/pattern-registry.ts';
import type { PatternSpec } from '../dynamic/pattern-spec.ts';
import { AbstractCepOperator, type CepCoreOptions } from './abstract-cep-operator.ts';

/** An update the operator refused, and why. */
export interface RejectedPatternUpdate {
  readonly update: unknown;
  readonly reason: string;
}

/** An update on its way to one subtask (input 2 of the operator carries one copy per subtask). */
export interface RoutedPatternUpdate {
  readonly key: string;
  readonly update: PatternUpdate;
}

/** Options of the dynamic CEP operator. */
export interface DynamicCepOperatorOptions<T> extends CepCoreOptions<T> {
  registry: PatternRegistryOptions;
  /** Patterns registered when the job starts without restored state. */
  initialPatterns?: PatternSpec[] | undefined;
  timedOutTag?: OutputTag<TaggedTimedOutMatch<T>> | undefined;
  rejectedUpdatesTag?: OutputTag<RejectedPatternUpdate> | undefined;
}

/** Broadcast state: pattern id → registration order and definition. */
export const DYNAMIC_PATTERNS_STATE = new MapStateDescriptor<string, { order: number; spec: PatternSpec }>('cep-dynamic-patterns');
/** Broadcast state: updates waiting for the watermark (event time), by arrival number. */
export const PENDING_UPDATES_STATE = new MapStateDescriptor<number, { ts: number; update: PatternUpdate }>('cep-pending-updates');

type Runner<T> = DynamicPatternSet<T>;

/** The two-input operator behind `CEP.dynamicPatterns`. */
export class DynamicCepOperator<T> extends AbstractCepOperator<T, TaggedMatch<T>, Runner<T>, TaggedMatch<T>, TaggedTimedOutMatch<T>, DynamicPatternSetSnapshot<T>> {
  private registry!: PatternRegistry<T>;
  private patterns!: MapState<string, { order: number; spec: PatternSpec }>;
  private pending!: MapState<number, { ts: number; update: PatternUpdate }>;
  private restored = false;
  private nextOrder = 0;
  private nextPending = 0;
  private rejected!: { inc(n?: number): void };
  private readonly fire = (k: unknown, ns: string | number, t: number): void => this.onEventTime(k, ns, t);

  constructor(private readonly options: DynamicCepOperatorOptions<T>) {
    super(options);
  }

  override initializeState(restored: OperatorSnapshot | undefined): void {
    this.restored = restored !== undefined;
  }

  override open(): void {
    this.patterns = this.ctx.operatorState.getBroadcastState(DYNAMIC_PATTERNS_STATE);
    this.pending = this.ctx.operatorState.getBroadcastState(PENDING_UPDATES_STATE);
    this.rejected = this.ctx.metrics.counter('numRejectedPatternUpdates');
    this.registry = new PatternRegistry<T>(this.options.registry);
    const saved = [...this.patterns.entries()].sort((a, b) => a[1].order - b[1].order);
    for (const [, { order, spec }] of saved) {
      this.registry.upsert(spec);
      this.nextOrder = Math.max(this.nextOrder, order + 1);
    }
    for (const k of this.pending.keys()) this.nextPending = Math.max(this.nextPending, k + 1);
    if (!this.restored) for (const spec of this.options.initialPatterns ?? []) this.applyUpdate({ op: 'upsert', spec }, NO_TIMESTAMP);
    super.open();
  }

  /** The registry of this subtask (tests, metrics). */
  get patternRegistry(): PatternRegistry<T> {
    return this.registry;
  }

  processElement(value: T, timestamp: number): void {
    this.onElement(value, timestamp);
  }
  processElement1(value: T, timestamp: number): void {
    this.onElement(value, timestamp);
  }
  processElement2(routed: RoutedPatternUpdate, timestamp: number): void {
    const update = routed.update;
    const deferred = this.options.timeDomain === 'event-time' && timestamp !== NO_TIMESTAMP && timestamp > this.currentWatermark();
    if (!deferred) {
      this.applyUpdate(update, timestamp);
      return;
    }
    // validate now (a bad update is reported on arrival), apply when the watermark reaches it
    try {
      new PatternRegistry<T>(this.options.registry).apply(update);
    } catch (e) {
      this.reject(update, e, timestamp);
      return;
    }
    this.pending.put(this.nextPending++, { ts: timestamp, update: structuredClone(update) });
  }

  override processWatermark(watermark: number): void {
    if (!this.pending.isEmpty()) {
      const due = [...this.pending.entries()].filter(([, p]) => p.ts <= watermark).sort((a, b) => a[1].ts - b[1].ts || a[0] - b[0]);
      for (const [seq, p] of due) {
        // events before the update's time are matched by the old patterns, the rest by the new ones
        this.timers.advanceWatermark(p.ts - 1, this.fire);
        this.pending.remove(seq);
        this.applyUpdate(p.update, p.ts);
      }
    }
    super.processWatermark(watermark);
  }

  protected canStart(event: T, timestamp: number): boolean {
    return DynamicPatternSet.canStart(this.registry, event, timestamp);
  }
  protected createRunner(): Runner<T> {
    return new DynamicPatternSet<T>(this.registry);
  }
  protected restoreRunner(snapshot: DynamicPatternSetSnapshot<T>): Runner<T> {
    return DynamicPatternSet.restore(this.registry, snapshot);
  }
  protected droppedCount(runner: Runner<T>): number {
    return runner.droppedPartialMatches;
  }
  protected partialCount(runner: Runner<T>): number {
    return runner.partialMatchCount;
  }
  protected onMatch(match: TaggedMatch<T>, timestamp: number): void {
    this.output.collect(match, timestamp);
  }
  protected onTimeout(t: TaggedTimedOutMatch<T>): void {
    const tag = this.options.timedOutTag;
    if (tag !== undefined) this.output.collectSide(tag, t, t.timestamp);
  }

  private applyUpdate(update: PatternUpdate, timestamp: number): void {
    let result;
    try {
      result = this.registry.apply(update);
    } catch (e) {
      this.reject(update, e, timestamp);
      return;
    }
    if (result === 'added' || result === 'replaced') {
      const spec = (update as { spec: PatternSpec }).spec;
      const order = this.patterns.get(spec.id)?.order ?? this.nextOrder++;
      this.patterns.put(spec.id, { order, spec: structuredClone(spec) });
    } else if (result === 'removed') {
      this.patterns.remove((update as { id: string }).id);
    }
  }

  private reject(update: unknown, e: unknown, timestamp: number): void {
    this.rejected.inc();
    const tag = this.options.rejectedUpdatesTag;
    if (tag === undefined || this.ctx.subtaskIndex !== 0) return;
    const reason = e instanceof Error ? e.message : String(e);
    let copy: unknown;
    try {
      copy = structuredClone(update);
    } catch {
      copy = String(update);
    }
    this.output.collectSide(tag, { update: copy, reason }, timestamp);
  }
}
