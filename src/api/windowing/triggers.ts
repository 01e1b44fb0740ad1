/**
 * The built-in triggers, with Flink's semantics: {@link EventTimeTrigger} and {@link ProcessingTimeTrigger}
 * (fire once at the window end), {@link CountTrigger} (every n elements), {@link PurgingTrigger} (turns FIRE
 * into FIRE_AND_PURGE), {@link ContinuousEventTimeTrigger} / {@link ContinuousProcessingTimeTrigger}
 * (early firings every interval), and {@link NeverTrigger} (the global window's default).
 */
import { ConfigurationError } from '../../core/index.ts';
import { ReducingStateDescriptor, type ReducingState } from '../../state/index.ts';
import type { OnMergeContext, Trigger, TriggerContext } from './trigger.ts';
import { TriggerResult, isFire, isPurge } from './trigger.ts';
import type { Window } from './windows.ts';

function positive(what: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ConfigurationError(`${what} must be a positive number of milliseconds/elements, got ${v}`);
}

/** Fires once the watermark passes the window's end; fires at once for elements of a window already due (late firings). */
export class EventTimeTrigger implements Trigger<unknown, Window> {
  private constructor() {}
  static create(): EventTimeTrigger {
    return new EventTimeTrigger();
  }
  onElement(_e: unknown, _ts: number, window: Window, ctx: TriggerContext): TriggerResult {
    if (window.maxTimestamp() <= ctx.getCurrentWatermark()) return TriggerResult.FIRE;
    ctx.registerEventTimeTimer(window.maxTimestamp());
    return TriggerResult.CONTINUE;
  }
  onEventTime(time: number, window: Window): TriggerResult {
    return time === window.maxTimestamp() ? TriggerResult.FIRE : TriggerResult.CONTINUE;
  }
  onProcessingTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  canMerge(): boolean {
    return true;
  }
  onMerge(window: Window, ctx: OnMergeContext): void {
    const max = window.maxTimestamp();
    if (max > ctx.getCurrentWatermark()) ctx.registerEventTimeTimer(max);
  }
  clear(window: Window, ctx: TriggerContext): void {
    ctx.deleteEventTimeTimer(window.maxTimestamp());
  }
  toString(): string {
    return 'EventTimeTrigger()';
  }
}

/** Fires when processing time reaches the window's end. */
export class ProcessingTimeTrigger implements Trigger<unknown, Window> {
  private constructor() {}
  static create(): ProcessingTimeTrigger {
    return new ProcessingTimeTrigger();
  }
  onElement(_e: unknown, _ts: number, window: Window, ctx: TriggerContext): TriggerResult {
    ctx.registerProcessingTimeTimer(window.maxTimestamp());
    return TriggerResult.CONTINUE;
  }
  onEventTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  onProcessingTime(): TriggerResult {
    return TriggerResult.FIRE;
  }
  canMerge(): boolean {
    return true;
  }
  onMerge(window: Window, ctx: OnMergeContext): void {
    const max = window.maxTimestamp();
    if (max > ctx.getCurrentProcessingTime()) ctx.registerProcessingTimeTimer(max);
  }
  clear(window: Window, ctx: TriggerContext): void {
    ctx.deleteProcessingTimeTimer(window.maxTimestamp());
  }
  toString(): string {
    return 'ProcessingTimeTrigger()';
  }
}

const sum = (a: number, b: number): number => a + b;
const min = (a: number, b: number): number => Math.min(a, b);

/** Fires every `maxCount` elements of a window (the count restarts after each firing). */
export class CountTrigger implements Trigger<unknown, Window> {
  private readonly desc = new ReducingStateDescriptor<number>('trigger-count', sum);
  private constructor(readonly maxCount: number) {}
  static of(maxCount: number): CountTrigger {
    if (!Number.isInteger(maxCount) || maxCount <= 0) throw new ConfigurationError(`CountTrigger.of(${maxCount}): the count must be a positive integer`);
    return new CountTrigger(maxCount);
  }
  onElement(_e: unknown, _ts: number, _w: Window, ctx: TriggerContext): TriggerResult {
    const count = ctx.getPartitionedState<ReducingState<number>>(this.desc);
    count.add(1);
    if ((count.get() ?? 0) >= this.maxCount) {
      count.clear();
      return TriggerResult.FIRE;
    }
    return TriggerResult.CONTINUE;
  }
  onEventTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  onProcessingTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  canMerge(): boolean {
    return true;
  }
  onMerge(_w: Window, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.desc);
  }
  clear(_w: Window, ctx: TriggerContext): void {
    ctx.getPartitionedState<ReducingState<number>>(this.desc).clear();
  }
  toString(): string {
    return `CountTrigger(${this.maxCount})`;
  }
}

/** Wraps a trigger so that every FIRE also purges the window contents. */
export class PurgingTrigger<T, W extends Window> implements Trigger<T, W> {
  private constructor(readonly nested: Trigger<T, W>) {}
  static of<T, W extends Window>(nested: Trigger<T, W>): PurgingTrigger<T, W> {
    if (!nested || typeof nested.onElement !== 'function') throw new ConfigurationError('PurgingTrigger.of: expected a trigger');
    return new PurgingTrigger(nested);
  }
  private static purge(r: TriggerResult): TriggerResult {
    return isFire(r) ? TriggerResult.FIRE_AND_PURGE : isPurge(r) ? TriggerResult.PURGE : TriggerResult.CONTINUE;
  }
  onElement(e: T, ts: number, w: W, ctx: TriggerContext): TriggerResult {
    return PurgingTrigger.purge(this.nested.onElement(e, ts, w, ctx));
  }
  onEventTime(time: number, w: W, ctx: TriggerContext): TriggerResult {
    return PurgingTrigger.purge(this.nested.onEventTime(time, w, ctx));
  }
  onProcessingTime(time: number, w: W, ctx: TriggerContext): TriggerResult {
    return PurgingTrigger.purge(this.nested.onProcessingTime(time, w, ctx));
  }
  canMerge(): boolean {
    return this.nested.canMerge?.() ?? false;
  }
  onMerge(w: W, ctx: OnMergeContext): void {
    this.nested.onMerge?.(w, ctx);
  }
  clear(w: W, ctx: TriggerContext): void {
    this.nested.clear(w, ctx);
  }
  toString(): string {
    return `PurgingTrigger(${String(this.nested)})`;
  }
}

/** Fires every `interval` ms of event time (aligned to multiples of it) and at the window end. */
export class ContinuousEventTimeTrigger implements Trigger<unknown, Window> {
  private readonly desc = new ReducingStateDescriptor<number>('trigger-fire-time', min);
  private constructor(readonly interval: number) {}
  static of(interval: number): ContinuousEventTimeTrigger {
    positive('ContinuousEventTimeTrigger.of: interval', interval);
    return new ContinuousEventTimeTrigger(interval);
  }
  private state(ctx: TriggerContext): ReducingState<number> {
    return ctx.getPartitionedState<ReducingState<number>>(this.desc);
  }
  onElement(_e: unknown, timestamp: number, window: Window, ctx: TriggerContext): TriggerResult {
    if (window.maxTimestamp() <= ctx.getCurrentWatermark()) return TriggerResult.FIRE;
    ctx.registerEventTimeTimer(window.maxTimestamp());
    const fire = this.state(ctx);
    if (fire.get() === undefined) {
      const r = timestamp % this.interval;
      const start = timestamp - (r < 0 ? r + this.interval : r);
      this.registerNext(start + this.interval, window, ctx, fire);
    }
    return TriggerResult.CONTINUE;
  }
  private registerNext(time: number, window: Window, ctx: TriggerContext, fire: ReducingState<number>): void {
    const next = Math.min(time, window.maxTimestamp());
    fire.add(next);
    ctx.registerEventTimeTimer(next);
  }
  onEventTime(time: number, window: Window, ctx: TriggerContext): TriggerResult {
    if (time === window.maxTimestamp()) return TriggerResult.FIRE;
    const fire = this.state(ctx);
    if (fire.get() === time) {
      fire.clear();
      this.registerNext(time + this.interval, window, ctx, fire);
      return TriggerResult.FIRE;
    }
    return TriggerResult.CONTINUE;
  }
  onProcessingTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  canMerge(): boolean {
    return true;
  }
  onMerge(_w: Window, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.desc);
    const next = this.state(ctx).get();
    if (next !== undefined) ctx.registerEventTimeTimer(next);
  }
  clear(_w: Window, ctx: TriggerContext): void {
    const fire = this.state(ctx);
    const t = fire.get();
    if (t !== undefined) {
      ctx.deleteEventTimeTimer(t);
      fire.clear();
    }
  }
  toString(): string {
    return `ContinuousEventTimeTrigger(${this.interval})`;
  }
}

/** Fires every `interval` ms of processing time (aligned to multiples of it), until the window's end. */
export class ContinuousProcessingTimeTrigger implements Trigger<unknown, Window> {
  private readonly desc = new ReducingStateDescriptor<number>('trigger-fire-time', min);
  private constructor(readonly interval: number) {}
  static of(interval: number): ContinuousProcessingTimeTrigger {
    positive('ContinuousProcessingTimeTrigger.of: interval', interval);
    return new ContinuousProcessingTimeTrigger(interval);
  }
  private state(ctx: TriggerContext): ReducingState<number> {
    return ctx.getPartitionedState<ReducingState<number>>(this.desc);
  }
  private registerNext(time: number, window: Window, ctx: TriggerContext, fire: ReducingState<number>): void {
    const next = Math.min(time + this.interval, window.maxTimestamp());
    fire.add(next);
    ctx.registerProcessingTimeTimer(next);
  }
  onElement(_e: unknown, _ts: number, window: Window, ctx: TriggerContext): TriggerResult {
    const now = ctx.getCurrentProcessingTime();
    const fire = this.state(ctx);
    if (fire.get() === undefined) this.registerNext(now - (now % this.interval), window, ctx, fire);
    return TriggerResult.CONTINUE;
  }
  onEventTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  onProcessingTime(time: number, window: Window, ctx: TriggerContext): TriggerResult {
    const fire = this.state(ctx);
    if (fire.get() === time) {
      fire.clear();
      this.registerNext(time, window, ctx, fire);
      return TriggerResult.FIRE;
    }
    return TriggerResult.CONTINUE;
  }
  canMerge(): boolean {
    return true;
  }
  onMerge(_w: Window, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.desc);
    const next = this.state(ctx).get();
    if (next !== undefined) ctx.registerProcessingTimeTimer(next);
  }
  clear(_w: Window, ctx: TriggerContext): void {
    const fire = this.state(ctx);
    const t = fire.get();
    if (t !== undefined) {
      ctx.deleteProcessingTimeTimer(t);
      fire.clear();
    }
  }
  toString(): string {
    return `ContinuousProcessingTimeTrigger(${this.interval})`;
  }
}

/** Never fires: the default of {@link GlobalWindows}, which needs a custom trigger to emit anything. */
export class NeverTrigger implements Trigger<unknown, Window> {
  static create(): NeverTrigger {
    return new NeverTrigger();
  }
  onElement(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  onEventTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  onProcessingTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  canMerge(): boolean {
    return true;
  }
  onMerge(): void {}
  clear(): void {}
  toString(): string {
    return 'NeverTrigger()';
  }
}
