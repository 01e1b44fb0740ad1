/**
 * The trigger SPI: a {@link Trigger} decides when a window's contents are evaluated (FIRE) and when they
 * are dropped (PURGE). It sees each element, event-time and processing-time timers it registered through
 * its {@link TriggerContext}, and may keep state of its own, partitioned by key and window
 * (`ctx.getPartitionedState(desc)`), which the window operator merges for session windows and clears when
 * the window is cleaned up.
 */
import type { AnyStateDescriptor, InternalKvState } from '../../state/index.ts';
import type { Window } from './windows.ts';

/** What a trigger returns: whether to evaluate the window now and whether to drop its contents. */
export const TriggerResult = {
  /** Do nothing. */
  CONTINUE: 'CONTINUE',
  /** Evaluate the window function and emit; keep the contents. */
  FIRE: 'FIRE',
  /** Drop the contents without emitting. */
  PURGE: 'PURGE',
  /** Evaluate and emit, then drop the contents. */
  FIRE_AND_PURGE: 'FIRE_AND_PURGE',
} as const;
export type TriggerResult = (typeof TriggerResult)[keyof typeof TriggerResult];

/** Whether `r` asks to evaluate the window. */
export function isFire(r: TriggerResult): boolean {
  return r === 'FIRE' || r === 'FIRE_AND_PURGE';
}
/** Whether `r` asks to drop the window contents. */
export function isPurge(r: TriggerResult): boolean {
  return r === 'PURGE' || r === 'FIRE_AND_PURGE';
}

/** What a trigger may do: read time, register timers and use state scoped to the current key and window. */
export interface TriggerContext {
  getCurrentProcessingTime(): number;
  getCurrentWatermark(): number;
  registerProcessingTimeTimer(time: number): void;
  registerEventTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
  /** A state handle scoped to the current key and window. Call it each time (the namespace is set per call). */
  getPartitionedState<S = InternalKvState>(descriptor: AnyStateDescriptor): S;
}

/** The context of {@link Trigger.onMerge}: the window is the merge result. */
export interface OnMergeContext extends TriggerContext {
  /** Merges the trigger state under `descriptor` of the merged windows into the result window (list, reducing, aggregating). */
  mergePartitionedState(descriptor: AnyStateDescriptor): void;
}

/**
 * Decides when a window fires. Implementations must be deterministic and keep everything they remember in
 * partitioned state (so it is checkpointed); timers they register are deleted in `clear`.
 *
 * @example
 * const everyTen: Trigger<unknown, Window> = {
 *   onElement: (_v, _ts, _w, ctx) => { ... return TriggerResult.CONTINUE; },
 *   onEventTime: () => TriggerResult.CONTINUE,
 *   onProcessingTime: () => TriggerResult.CONTINUE,
 *   clear: () => {},
 * };
 */
export interface Trigger<T = unknown, W extends Window = Window> {
  onElement(element: T, timestamp: number, window: W, ctx: TriggerContext): TriggerResult;
  onProcessingTime(time: number, window: W, ctx: TriggerContext): TriggerResult;
  onEventTime(time: number, window: W, ctx: TriggerContext): TriggerResult;
  /** Whether the trigger supports merging windows (sessions). Default false. */
  canMerge?(): boolean;
  /** Called when windows merged into `window`: re-register timers, merge state. */
  onMerge?(window: W, ctx: OnMergeContext): void;
  /** The window is purged or cleaned up: delete timers and state of this trigger. */
  clear(window: W, ctx: TriggerContext): void;
  toString?(): string;
}
