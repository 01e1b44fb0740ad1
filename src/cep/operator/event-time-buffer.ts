/**
 * The event-time buffer of the CEP operator: events wait here until the watermark passes their
 * timestamp, then leave in timestamp order, ties broken by a user comparator and then by arrival.
 *
 * This is what lets the NFA see an out-of-order stream in order (Flink's CEP operator does the same with a
 * `MapState<timestamp, List<event>>` and an event-time timer). An event whose timestamp is not after the
 * last released watermark is late: {@link EventTimeBuffer.add} refuses it so the operator can drop and count
 * it or send it to a side output. Pure: no timers, no clock. A binary heap: `add` and each released event
 * cost O(log n).
 */

/** A buffered event. */
export interface TimestampedEvent<T> {
  readonly timestamp: number;
  readonly event: T;
}

/** Snapshot of a buffer: the watermark released so far and `[timestamp, seq, event]` entries. */
export interface EventTimeBufferSnapshot<T> {
  readonly format: 1;
  readonly watermark: number | null;
  readonly seq: number;
  readonly entries: Array<[timestamp: number, seq: number, event: T]>;
}

interface Entry<T> {
  ts: number;
  seq: number;
  event: T;
}

/**
 * Orders events by timestamp for release at the watermark.
 *
 * @example
 * ```ts
 * const buf = new EventTimeBuffer<Tx>((a, b) => a.id - b.id);
 * buf.add(tx, tx.ts);                                  // false if late
 * buf.release(watermark, (e, ts) => nfa.process(e, ts));
 * ```
 */
export class EventTimeBuffer<T> {
  private heap: Entry<T>[] = [];
  private seq = 0;
  private released = -Infinity;

  /** @param comparator orders events with equal timestamps (arrival order when absent or equal) */
  constructor(private readonly comparator?: (a: T, b: T) => number) {}

  /** Number of buffered events. */
  get size(): number {
    return this.heap.length;
  }
  /** The last watermark events were released up to (`-Infinity` before any). */
  get watermark(): number {
    return this.released;
  }
  /** Timestamp of the earliest buffered event (what an event-time timer should be set for). */
  peekTimestamp(): number | undefined {
    return this.heap[0]?.ts;
  }

  /** Whether `timestamp` is late: not after the last released watermark. */
  isLate(timestamp: number): boolean {
    return timestamp <= this.released;
  }

  /** Buffers an event; returns false (and keeps nothing) if it is late. */
  add(event: T, timestamp: number): boolean {
    if (timestamp <= this.released) return false;
    const h = this.heap;
    h.push({ ts: timestamp, seq: this.seq++, event });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.less(h[p]!, h[i]!)) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
    return true;
  }

  /**
   * Releases, in order, every event with timestamp ≤ `watermark` to `emit` and remembers the watermark.
   * Returns the number released. A watermark lower than the last one releases nothing.
   */
  release(watermark: number, emit: (event: T, timestamp: number) => void): number {
    let n = 0;
    const h = this.heap;
    while (h.length > 0 && h[0]!.ts <= watermark) {
      const top = this.pop();
      emit(top.event, top.ts);
      n++;
    }
    if (watermark > this.released) this.released = watermark;
    return n;
  }

  /** Like {@link release}, returning the events as an array. */
  drain(watermark: number): TimestampedEvent<T>[] {
    const out: TimestampedEvent<T>[] = [];
    this.release(watermark, (event, timestamp) => out.push({ event, timestamp }));
    return out;
  }

  /** A plain copy of the buffer (entries in heap order; restore rebuilds the order). */
  snapshot(): EventTimeBufferSnapshot<T> {
    return {
      format: 1,
      watermark: this.released === -Infinity ? null : this.released,
      seq: this.seq,
      entries: this.heap.map((e) => [e.ts, e.seq, e.event]),
    };
  }

  /** Rebuilds a buffer from {@link EventTimeBuffer.snapshot}. */
  static restore<T>(snapshot: EventTimeBufferSnapshot<T>, comparator?: (a: T, b: T) => number): EventTimeBuffer<T> {
    const b = new EventTimeBuffer<T>(comparator);
    b.released = snapshot.watermark ?? -Infinity;
    b.heap = snapshot.entries.map(([ts, seq, event]) => ({ ts, seq, event }));
    b.heap.sort((x, y) => (b.less(x, y) ? -1 : b.less(y, x) ? 1 : 0));
    b.seq = snapshot.seq;
    return b;
  }

  private less(a: Entry<T>, b: Entry<T>): boolean {
    if (a.ts !== b.ts) return a.ts < b.ts;
    if (this.comparator !== undefined) {
      const c = this.comparator(a.event, b.event);
      if (c !== 0) return c < 0;
    }
    return a.seq < b.seq;
  }

  private pop(): Entry<T> {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }
}
