/**
 * The window assigner SPI: a {@link WindowAssigner} puts each element into zero or more windows and names
 * the trigger used when none is set; a {@link MergingWindowAssigner} (sessions) also merges overlapping
 * windows. Assigners are stateless and shared by every key.
 */
import type { Trigger } from './trigger.ts';
import type { Window } from './windows.ts';

/** What an assigner may read while assigning. */
export interface WindowAssignerContext {
  /** The operator's current processing time (the injected clock). */
  getCurrentProcessingTime(): number;
}

/** Assigns elements to windows. */
export abstract class WindowAssigner<T = unknown, W extends Window = Window> {
  /** The windows `element` (with event timestamp `timestamp`) belongs to. */
  abstract assignWindows(element: T, timestamp: number, ctx: WindowAssignerContext): W[];
  /** The trigger used when `WindowedStream.trigger(...)` is not called. */
  abstract getDefaultTrigger(): Trigger<T, W>;
  /** Whether windows are defined in event time (late data and cleanup follow the watermark). */
  abstract isEventTime(): boolean;
  /** Whether this assigner merges windows (sessions). */
  isMerging(): this is MergingWindowAssigner<T, W> {
    return false;
  }
  abstract toString(): string;
}

/** Callback of {@link MergingWindowAssigner.mergeWindows}: `toBeMerged` become `mergeResult`. */
export type MergeCallback<W> = (toBeMerged: W[], mergeResult: W) => void;

/** An assigner whose windows merge (sessions): the operator keeps a merging window set per key. */
export abstract class MergingWindowAssigner<T = unknown, W extends Window = Window> extends WindowAssigner<T, W> {
  /** Reports each group of two or more of `windows` that merges, with the merged window. */
  abstract mergeWindows(windows: W[], callback: MergeCallback<W>): void;
  override isMerging(): this is MergingWindowAssigner<T, W> {
    return true;
  }
}
