/**
 * Windows: {@link TimeWindow} (`[start, end)`, event or processing time) and {@link GlobalWindow} (one
 * window holding everything). A window is also a state namespace: {@link windowToNamespace} encodes it
 * compactly (`"start:end"`, `"G"`) so window contents, trigger state and timers live in the keyed backend
 * under the window, and {@link namespaceToWindow} decodes it when a timer fires.
 */
import { EddyError } from '../../core/index.ts';
import type { Namespace } from '../../state/index.ts';

/** A finite (or global) bucket of elements. `maxTimestamp()` is the largest timestamp that belongs to it. */
export interface Window {
  maxTimestamp(): number;
}

/** The timestamp a global window's results carry, and its (never reached) end: Flink's Long.MAX_VALUE. */
export const GLOBAL_WINDOW_MAX_TIMESTAMP = Number.MAX_VALUE;

/**
 * A half-open time interval `[start, end)`.
 * @example new TimeWindow(0, 5000).maxTimestamp() // 4999
 */
export class TimeWindow implements Window {
  #ns: string | undefined;
  constructor(
    readonly start: number,
    readonly end: number,
  ) {}

  /** The state namespace `"start:end"`, computed once per window object. */
  namespace(): string {
    return (this.#ns ??= `${this.start}:${this.end}`);
  }

  /** `end - 1`: the last timestamp inside the window; results carry it. */
  maxTimestamp(): number {
    return this.end - 1;
  }
  /** Whether the windows overlap or touch (Flink's `intersects`, used for session merging). */
  intersects(other: TimeWindow): boolean {
    return this.start <= other.end && this.end >= other.start;
  }
  /** The smallest window containing both. */
  cover(other: TimeWindow): TimeWindow {
    return new TimeWindow(Math.min(this.start, other.start), Math.max(this.end, other.end));
  }
  equals(other: unknown): boolean {
    return other instanceof TimeWindow && other.start === this.start && other.end === this.end;
  }
  toString(): string {
    return `TimeWindow{start=${this.start}, end=${this.end}}`;
  }

  /**
   * The start of the window of size `windowSize` (aligned to `offset`) that contains `timestamp`.
   * Correct for negative timestamps and offsets: the start is never after `timestamp`.
   */
  static getWindowStartWithOffset(timestamp: number, offset: number, windowSize: number): number {
    const remainder = (timestamp - offset) % windowSize;
    return remainder < 0 ? timestamp - (remainder + windowSize) : timestamp - remainder;
  }
}

/** The single window of {@link GlobalWindows}. */
export class GlobalWindow implements Window {
  private static readonly INSTANCE = new GlobalWindow();
  private constructor() {}
  /** The one global window. */
  static get(): GlobalWindow {
    return GlobalWindow.INSTANCE;
  }
  maxTimestamp(): number {
    return GLOBAL_WINDOW_MAX_TIMESTAMP;
  }
  equals(other: unknown): boolean {
    return other instanceof GlobalWindow;
  }
  toString(): string {
    return 'GlobalWindow';
  }
}

const GLOBAL_NS = 'G';

/** The state namespace of a window: `"start:end"` for time windows, `"G"` for the global window. */
export function windowToNamespace(w: Window): string {
  if (w instanceof TimeWindow) return w.namespace();
  if (w instanceof GlobalWindow) return GLOBAL_NS;
  throw new EddyError(`unsupported window type ${String(w)}: windows must be TimeWindow or GlobalWindow`, { domain: 'user' });
}

/** Inverse of {@link windowToNamespace}. */
export function namespaceToWindow(ns: Namespace): Window {
  if (ns === GLOBAL_NS) return GlobalWindow.get();
  const s = String(ns);
  const i = s.indexOf(':', 1);
  if (i < 0) throw new EddyError(`not a window namespace: '${s}'`);
  return new TimeWindow(Number(s.slice(0, i)), Number(s.slice(i + 1)));
}

/** Throws a clear error when a record has no usable event timestamp for an event-time assigner. */
export function checkEventTimestamp(assigner: string, timestamp: number): void {
  if (Number.isNaN(timestamp)) throw new EddyError(`${assigner}: record timestamp is NaN`, { domain: 'user' });
  if (timestamp === -Number.MAX_VALUE || !Number.isFinite(timestamp)) {
    throw new EddyError(
      `${assigner}: record has no timestamp (${timestamp}); event-time windows need timestamps: did you forget assignTimestampsAndWatermarks(...)?`,
      { domain: 'user' },
    );
  }
}
