/**
 * Stream elements: what travels through channels, in order, in one tagged union.
 *
 * Records travel in batches (`values` with parallel `timestamps`); control elements (watermark,
 * checkpoint barrier, end of input, watermark status) travel in-band between batches.
 * A record without a timestamp carries {@link NO_TIMESTAMP}.
 */

/** Timestamp of a record that has none (Flink's Long.MIN_VALUE). */
export const NO_TIMESTAMP = -Number.MAX_VALUE;
/** The watermark before any event time has passed. */
export const MIN_WATERMARK = -Infinity;
/** The watermark that ends event time: emitted at end of input, fires every timer. */
export const MAX_WATERMARK = Infinity;

export enum ElementKind {
  Records = 0,
  Watermark = 1,
  Barrier = 2,
  EndOfInput = 3,
  Idle = 4,
  Active = 5,
}

export interface RecordBatch {
  k: ElementKind.Records;
  /** Record values. */
  v: unknown[];
  /** Timestamps, one per value. */
  t: Float64Array;
  /** Number of valid entries (the arrays may be longer when reused). */
  n: number;
  /**
   * On hash-partitioned edges: each record's key group, computed by the sender to route it, so the
   * receiving task sets the key without hashing it again. Absent elsewhere (and in replayed data).
   */
  g?: Uint16Array;
}
export interface WatermarkElement {
  k: ElementKind.Watermark;
  ts: number;
}
export interface BarrierElement {
  k: ElementKind.Barrier;
  id: number;
  savepoint?: boolean;
  /** The barrier overtakes data: the checkpoint is unaligned from here on (exactly-once only). */
  unaligned?: boolean;
  /**
   * Epoch ms (the trigger time plus `alignedTimeoutMs`) after which a task still aligning this checkpoint
   * switches it to unaligned. Absent: align without a time limit.
   */
  alignedUntil?: number;
}
export interface EndOfInputElement {
  k: ElementKind.EndOfInput;
}
export interface IdleElement {
  k: ElementKind.Idle;
}
export interface ActiveElement {
  k: ElementKind.Active;
}
export type StreamElement = RecordBatch | WatermarkElement | BarrierElement | EndOfInputElement | IdleElement | ActiveElement;

export function assertNever(x: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(x)}`);
}
