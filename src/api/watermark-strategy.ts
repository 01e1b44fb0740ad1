/**
 * Watermark strategies (Flink's `WatermarkStrategy`): a timestamp assigner plus a watermark generator.
 * Generators see every event (`onEvent`) and are asked periodically (`onPeriodicEmit`, every
 * `autoWatermarkInterval` ms of processing time, default 50) to emit a watermark. Punctuated
 * generators emit from `onEvent`. `withIdleness(ms)` marks the input idle when no event arrived for
 * that long, so it does not hold back the minimum watermark downstream.
 */
import { ConfigurationError } from '../core/index.ts';

export interface WatermarkOutput {
  emitWatermark(watermark: number): void;
  /** No more events for a while: downstream ignores this input's watermark until it is active again. */
  markIdle(): void;
  markActive(): void;
}

export interface WatermarkGenerator<T> {
  onEvent(event: T, timestamp: number, output: WatermarkOutput): void;
  onPeriodicEmit(output: WatermarkOutput): void;
}

export type TimestampAssigner<T> = (event: T, recordTimestamp: number | undefined) => number;

export interface WatermarkGeneratorContext {
  currentProcessingTime(): number;
}

export class WatermarkStrategy<T> {
  private constructor(
    readonly createWatermarkGenerator: (ctx: WatermarkGeneratorContext) => WatermarkGenerator<T>,
    readonly timestampAssigner: TimestampAssigner<T> | undefined,
    readonly idleTimeoutMs: number | undefined,
  ) {}

  /** Timestamps only ever increase: the watermark is the latest timestamp − 1. */
  static forMonotonousTimestamps<T>(): WatermarkStrategy<T> {
    return WatermarkStrategy.forBoundedOutOfOrderness<T>(0);
  }

  /** Events may arrive up to `maxOutOfOrdernessMs` late: watermark = max timestamp − bound − 1. */
  static forBoundedOutOfOrderness<T>(maxOutOfOrdernessMs: number): WatermarkStrategy<T> {
    if (!(typeof maxOutOfOrdernessMs === 'number' && maxOutOfOrdernessMs >= 0 && Number.isFinite(maxOutOfOrdernessMs)))
      throw new ConfigurationError(`forBoundedOutOfOrderness: bound must be a finite number ≥ 0, got ${String(maxOutOfOrdernessMs)}`);
    return new WatermarkStrategy<T>(() => new BoundedOutOfOrdernessGenerator<T>(maxOutOfOrdernessMs), undefined, undefined);
  }

  /** No watermarks: event-time timers never fire before end of input. */
  static noWatermarks<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(() => ({ onEvent() {}, onPeriodicEmit() {} }), undefined, undefined);
  }

  /** A custom generator (periodic, punctuated or both). */
  static forGenerator<T>(factory: (ctx: WatermarkGeneratorContext) => WatermarkGenerator<T>): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(factory, undefined, undefined);
  }

  withTimestampAssigner(assigner: TimestampAssigner<T> | { extractTimestamp: TimestampAssigner<T> }): WatermarkStrategy<T> {
    const fn: TimestampAssigner<T> =
      typeof assigner === 'function' ? assigner : (e, ts) => assigner.extractTimestamp(e, ts);
    return new WatermarkStrategy<T>(this.createWatermarkGenerator, fn, this.idleTimeoutMs);
  }

  withIdleness(idleTimeoutMs: number): WatermarkStrategy<T> {
    if (!(idleTimeoutMs > 0)) throw new ConfigurationError(`withIdleness: timeout must be > 0 ms, got ${idleTimeoutMs}`);
    return new WatermarkStrategy<T>(this.createWatermarkGenerator, this.timestampAssigner, idleTimeoutMs);
  }
}

export class BoundedOutOfOrdernessGenerator<T> implements WatermarkGenerator<T> {
  private maxTimestamp: number;
  constructor(private readonly bound: number) {
    this.maxTimestamp = -Number.MAX_SAFE_INTEGER + bound + 1;
  }
  onEvent(_event: T, timestamp: number): void {
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
  }
  onPeriodicEmit(output: WatermarkOutput): void {
    output.emitWatermark(this.maxTimestamp - this.bound - 1);
  }
}

/** Checks a timestamp an assigner returned; throws a message naming the problem. */
export function checkTimestamp(ts: unknown): string | undefined {
  if (typeof ts !== 'number') return `timestamp must be a number, got ${ts === null ? 'null' : typeof ts}`;
  if (Number.isNaN(ts)) return 'timestamp is NaN';
  if (!Number.isFinite(ts)) return `timestamp is ${ts}`;
  return undefined;
}
