/**
 * {@link WindowOperator}: keyed windows with Flink's `WindowOperator` semantics. Per record: assign windows,
 * merge them for session assigners (a {@link MergingWindowSet} per key, kept in state), add the record to
 * the window's contents (reducing, aggregating or list state in the keyed backend, namespaced by the
 * window), ask the trigger, fire/purge, and register a cleanup timer at `maxTimestamp + allowedLateness`
 * (event time) or `maxTimestamp` (processing time). Records later than that are dropped and counted in
 * `numLateRecordsDropped`, or sent to the late-data side output. Results carry `window.maxTimestamp()`.
 */
import { EddyError } from '../../core/index.ts';
import type { OutputTag } from '../output-tag.ts';
import type { AnyStateDescriptor, InternalKvState, InternalMergingState, KeyedStateBackend, Namespace } from '../../state/index.ts';
import { ValueStateDescriptor, VOID_NAMESPACE } from '../../state/index.ts';
import { AbstractStreamOperator } from '../operators/abstract-operator.ts';
import { TimestampedCollector } from '../operators/simple-operators.ts';
import type { MergingWindowAssigner, WindowAssigner, WindowAssignerContext } from './window-assigner.ts';
import type { OnMergeContext, Trigger } from './trigger.ts';
import { isFire, isPurge } from './trigger.ts';
import { EventTimeTrigger } from './triggers.ts';
import { MergingWindowSet } from './merging-window-set.ts';
import type { ProcessWindowContext, ProcessWindowFunctionLike } from './window-functions.ts';
import type { RuntimeContext } from '../functions.ts';
import { namespacedStateStore } from './keyed-state-store.ts';
import type { LocalWindowAggregateOperator } from '../operators/pre-aggregate-operator.ts';
import { GLOBAL_WINDOW_MAX_TIMESTAMP, namespaceToWindow, windowToNamespace, type Window } from './windows.ts';

/** How a {@link WindowOperator} is configured (built by `WindowedStream`). */
export interface WindowOperatorOptions<IN, ACC_OUT, OUT, K, W extends Window> {
  assigner: WindowAssigner<IN, W>;
  trigger: Trigger<IN, W>;
  /** The window contents: reducing, aggregating or list state (named `window-contents`). */
  stateDescriptor: AnyStateDescriptor;
  /** Called with the contents when the window fires. */
  windowFunction: ProcessWindowFunctionLike<ACC_OUT, OUT, K, W>;
  allowedLateness: number;
  lateDataOutputTag?: OutputTag<IN>;
  /** User functions opened and closed with the operator. */
  userFunctions?: unknown[];
}

const MERGING_SET = new ValueStateDescriptor<[string, string][]>('window-merging-set');

/** The keyed window operator (see file comment). */
export class WindowOperator<IN, ACC_OUT, OUT, K, W extends Window> extends AbstractStreamOperator<IN, OUT> {
  protected readonly assigner: WindowAssigner<IN, W>;
  protected readonly trigger: Trigger<IN, W>;
  protected readonly allowedLateness: number;
  protected backend!: KeyedStateBackend;
  protected windowState!: InternalKvState;
  protected collector!: TimestampedCollector<OUT>;
  private readonly lateTag: OutputTag<IN> | undefined;
  private readonly fn: ProcessWindowFunctionLike<ACC_OUT, OUT, K, W>;
  private readonly eventTime: boolean;
  private readonly cleanupIsTriggerTimer: boolean;
  private lateDropped!: { inc(n?: number): void };
  /** The window the trigger/process context currently refers to, and (during onMerge) the merged windows. */
  private curWindow!: W;
  private curNs = '';
  private mergedWindows: W[] = [];
  private readonly assignerCtx: WindowAssignerContext = { getCurrentProcessingTime: () => this.ctx.clock.now() };
  private readonly triggerCtx: OnMergeContext;
  private readonly processCtx: ProcessWindowContext<W>;

  constructor(protected readonly opts: WindowOperatorOptions<IN, ACC_OUT, OUT, K, W>) {
    super();
    this.assigner = opts.assigner;
    this.trigger = opts.trigger;
    this.allowedLateness = opts.allowedLateness;
    this.lateTag = opts.lateDataOutputTag;
    this.fn = opts.windowFunction;
    this.eventTime = opts.assigner.isEventTime();
    // With the default event-time trigger and no allowed lateness, the cleanup timer is the trigger's own
    // timer (window.maxTimestamp(), registered by onElement whenever the window is not late): registering
    // it again would only be deduplicated, at the price of an index lookup per record.
    this.cleanupIsTriggerTimer = this.eventTime && opts.allowedLateness === 0 && opts.trigger instanceof EventTimeTrigger;
    for (const f of opts.userFunctions ?? []) this.functions.push(f);
    this.triggerCtx = this.makeTriggerContext();
    this.processCtx = this.makeProcessContext();
  }

  override open(): void {
    const ks = this.ctx.keyedState;
    if (!ks || !this.ctx.timerService)
      throw new EddyError(`window operator '${this.ctx.operatorName}' needs a keyed stream: call keyBy() before window()`, { domain: 'user' });
    this.backend = ks;
    this.windowState = ks.getPartitionedState(this.opts.stateDescriptor);
    this.collector = new TimestampedCollector<OUT>(this.output);
    this.lateDropped = this.ctx.metrics.counter('numLateRecordsDropped');
    super.open();
  }

  processElement(value: IN, timestamp: number): void {
    const windows = this.assigner.assignWindows(value, timestamp, this.assignerCtx);
    let skipped = true;
    if (this.assigner.isMerging()) {
      const set = this.mergingSet();
      for (const w of windows) {
        const actual = set.addWindow(w, (result, merged, stateResult, mergedState) => this.onMergeWindows(result, merged, stateResult, mergedState));
        if (this.isWindowLate(actual)) {
          set.retireWindow(actual);
          continue;
        }
        skipped = false;
        const stateWindow = set.getStateWindow(actual);
        if (stateWindow === undefined) throw new EddyError(`window ${String(actual)} is not in the in-flight window set (operator '${this.ctx.operatorName}')`);
        this.onWindowElement(actual, stateWindow, value, timestamp);
      }
      set.persist();
    } else {
      for (const w of windows) {
        if (this.isWindowLate(w)) continue;
        skipped = false;
        this.onWindowElement(w, windowToNamespace(w), value, timestamp);
      }
    }
    if (skipped && this.isElementLate(timestamp)) {
      if (this.lateTag !== undefined) this.output.collectSide(this.lateTag, value, timestamp);
      else this.lateDropped.inc();
    }
  }

  private onWindowElement(window: W, stateNs: string, value: IN, timestamp: number): void {
    this.windowState.setCurrentNamespace(stateNs);
    this.addToState(value, timestamp);
    this.setWindow(window);
    const r = this.trigger.onElement(value, timestamp, window, this.triggerCtx);
    if (isFire(r)) this.fire(window, stateNs);
    if (isPurge(r)) {
      this.windowState.setCurrentNamespace(stateNs);
      this.windowState.clear();
    }
    if (!this.cleanupIsTriggerTimer) this.registerCleanupTimer(window);
  }

  private onMergeWindows(result: W, merged: W[], stateResult: string, mergedState: string[]): void {
    if (this.eventTime && result.maxTimestamp() + this.allowedLateness <= this.currentWatermark())
      throw new EddyError(`operator '${this.ctx.operatorName}': the end timestamp of an event-time window cannot become earlier than the current watermark by merging (${String(result)})`);
    if (!this.eventTime && result.maxTimestamp() <= this.ctx.clock.now())
      throw new EddyError(`operator '${this.ctx.operatorName}': the end timestamp of a processing-time window cannot become earlier than the current processing time by merging (${String(result)})`);
    this.setWindow(result);
    this.mergedWindows = merged;
    this.trigger.onMerge?.(result, this.triggerCtx);
    this.mergedWindows = [];
    for (const m of merged) {
      this.setWindow(m);
      this.trigger.clear(m, this.triggerCtx);
      this.deleteCleanupTimer(m);
    }
    if (mergedState.length > 0) (this.windowState as unknown as InternalMergingState).mergeNamespaces(stateResult, mergedState);
  }

  override onEventTime(_key: unknown, ns: Namespace, timestamp: number): void {
    this.onTimer(ns, timestamp, true);
  }
  override onProcessingTime(_key: unknown, ns: Namespace, timestamp: number): void {
    this.onTimer(ns, timestamp, false);
  }

  private onTimer(ns: Namespace, timestamp: number, eventTimeTimer: boolean): void {
    const window = namespaceToWindow(ns) as W;
    let set: MergingWindowSet<W> | undefined;
    let stateNs = String(ns);
    if (this.assigner.isMerging()) {
      set = this.mergingSet();
      const sw = set.getStateWindow(window);
      if (sw === undefined) return; // a timer of a window that was merged away or already cleaned up
      stateNs = sw;
    }
    this.setWindow(window);
    const r = eventTimeTimer ? this.trigger.onEventTime(timestamp, window, this.triggerCtx) : this.trigger.onProcessingTime(timestamp, window, this.triggerCtx);
    if (isFire(r)) this.fire(window, stateNs);
    if (isPurge(r)) {
      this.windowState.setCurrentNamespace(stateNs);
      this.windowState.clear();
    }
    if (eventTimeTimer === this.eventTime && this.isCleanupTime(window, timestamp)) this.clearAllState(window, stateNs, set);
    set?.persist();
  }

  private clearAllState(window: W, stateNs: string, set: MergingWindowSet<W> | undefined): void {
    this.windowState.setCurrentNamespace(stateNs);
    this.windowState.clear();
    this.setWindow(window);
    this.trigger.clear(window, this.triggerCtx);
    this.fn.clear?.(this.processCtx);
    set?.retireWindow(window);
  }

  private fire(window: W, stateNs: string): void {
    this.windowState.setCurrentNamespace(stateNs);
    const contents = this.readContents(window);
    if (contents === undefined) return;
    this.setWindow(window);
    this.collector.timestamp = window.maxTimestamp();
    this.fn.process(this.backend.getCurrentKey() as K, this.processCtx, contents, this.collector);
    this.afterFire(window);
  }

  /** After the window function ran (namespace still set): the evicting operator evicts and writes back. */
  protected afterFire(_window: W): void {}
  /** The evictor's view of time. */
  protected timeContext(): { getCurrentProcessingTime(): number; getCurrentWatermark(): number } {
    return this.triggerCtx;
  }

  /** Adds a record to the window state (namespace already set). */
  protected addToState(value: IN, _timestamp: number): void {
    (this.windowState as unknown as { add(v: IN): void }).add(value);
  }
  /** What the window function gets (namespace already set); undefined when the window is empty. */
  protected readContents(_window: W): ACC_OUT[] | undefined {
    const v = (this.windowState as unknown as { get(): unknown }).get();
    if (v === undefined || v === null) return undefined;
    if (this.opts.stateDescriptor.kind === 'list') return (v as ACC_OUT[]).length === 0 ? undefined : (v as ACC_OUT[]);
    return [v as ACC_OUT];
  }

  private mergingSet(): MergingWindowSet<W> {
    const st = this.backend.getState(MERGING_SET);
    st.setCurrentNamespace(VOID_NAMESPACE);
    return new MergingWindowSet<W>(this.assigner as unknown as MergingWindowAssigner<unknown, W>, st);
  }

  private setWindow(w: W): void {
    this.curWindow = w;
    this.curNs = windowToNamespace(w);
  }
  protected currentWatermark(): number {
    return this.ctx.timerService!.currentWatermark();
  }
  private cleanupTime(w: W): number {
    const max = w.maxTimestamp();
    if (max >= GLOBAL_WINDOW_MAX_TIMESTAMP) return GLOBAL_WINDOW_MAX_TIMESTAMP;
    if (!this.eventTime) return max;
    const t = max + this.allowedLateness;
    return t >= max ? t : GLOBAL_WINDOW_MAX_TIMESTAMP;
  }
  private isCleanupTime(w: W, time: number): boolean {
    const t = this.cleanupTime(w);
    return t !== GLOBAL_WINDOW_MAX_TIMESTAMP && time === t;
  }
  private isWindowLate(w: W): boolean {
    return this.eventTime && this.cleanupTime(w) <= this.currentWatermark();
  }
  private isElementLate(timestamp: number): boolean {
    return this.eventTime && timestamp + this.allowedLateness <= this.currentWatermark();
  }
  private registerCleanupTimer(w: W): void {
    const t = this.cleanupTime(w);
    if (t === GLOBAL_WINDOW_MAX_TIMESTAMP) return;
    const ns = windowToNamespace(w);
    if (this.eventTime) this.ctx.timerService!.registerEventTimeTimer(ns, t);
    else this.registerProcessingTimer(ns, t);
  }
  private deleteCleanupTimer(w: W): void {
    const t = this.cleanupTime(w);
    if (t === GLOBAL_WINDOW_MAX_TIMESTAMP) return;
    if (this.eventTime) this.ctx.timerService!.deleteEventTimeTimer(windowToNamespace(w), t);
    else this.ctx.timerService!.deleteProcessingTimeTimer(windowToNamespace(w), t);
  }
  private registerProcessingTimer(ns: string, t: number): void {
    this.ctx.timerService!.registerProcessingTimeTimer(ns, t);
    this.ctx.requestProcessingTimeWakeup(t);
  }

  private partitioned<S>(d: AnyStateDescriptor, ns: Namespace): S {
    const h = this.backend.getPartitionedState(d);
    h.setCurrentNamespace(ns);
    return h as unknown as S;
  }

  private makeTriggerContext(): OnMergeContext {
    return {
      getCurrentProcessingTime: () => this.ctx.clock.now(),
      getCurrentWatermark: () => this.currentWatermark(),
      registerEventTimeTimer: (t) => this.ctx.timerService!.registerEventTimeTimer(this.curNs, t),
      registerProcessingTimeTimer: (t) => this.registerProcessingTimer(this.curNs, t),
      deleteEventTimeTimer: (t) => this.ctx.timerService!.deleteEventTimeTimer(this.curNs, t),
      deleteProcessingTimeTimer: (t) => this.ctx.timerService!.deleteProcessingTimeTimer(this.curNs, t),
      getPartitionedState: <S>(d: AnyStateDescriptor): S => this.partitioned<S>(d, this.curNs),
      mergePartitionedState: (d: AnyStateDescriptor) => {
        if (this.mergedWindows.length === 0) return;
        const h = this.backend.getPartitionedState(d) as Partial<InternalMergingState>;
        if (typeof h.mergeNamespaces !== 'function')
          throw new EddyError(`trigger state '${d.name}' (${d.kind}) cannot be merged: use list, reducing or aggregating state`, { domain: 'user' });
        h.mergeNamespaces(this.curNs, this.mergedWindows.map(windowToNamespace));
      },
    };
  }

  /** Rich functions' runtime-context state is the key's state outside any window (VOID namespace). */
  protected override runtimeContext(): RuntimeContext {
    const store = namespacedStateStore(() => this.keyedState(), () => VOID_NAMESPACE);
    return { ...super.runtimeContext(), ...store };
  }

  private makeProcessContext(): ProcessWindowContext<W> {
    const backend = () => this.backend;
    const perWindow = namespacedStateStore(backend, () => {
      if (this.assigner.isMerging())
        throw new EddyError(`operator '${this.ctx.operatorName}': per-window state is not available with merging windows (${String(this.assigner)})`, { domain: 'user' });
      return this.curNs;
    });
    const global = namespacedStateStore(backend, () => VOID_NAMESPACE);
    return {
      window: () => this.curWindow,
      currentProcessingTime: () => this.ctx.clock.now(),
      currentWatermark: () => this.currentWatermark(),
      windowState: () => perWindow,
      globalState: () => global,
      output: (tag, value) => this.output.collectSide(tag, value, this.curWindow.maxTimestamp()),
    };
  }
}

/**
 * The window operator after a local pre-aggregation phase ({@link LocalWindowAggregateOperator}): its
 * elements are partials `[key, accumulator]`, and the window contents take the accumulator (a reducing
 * state reduces it in, an aggregating state built by `WindowedStream` merges it). Everything else — windows,
 * trigger, lateness, state names and format — is the plain operator's, so its state is the same.
 */
export class PartialMergingWindowOperator<IN, ACC_OUT, OUT, K, W extends Window> extends WindowOperator<IN, ACC_OUT, OUT, K, W> {
  protected override addToState(value: IN, timestamp: number): void {
    super.addToState((value as unknown as readonly [unknown, IN])[1], timestamp);
  }
}
