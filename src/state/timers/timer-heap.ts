/**
 * {@link TimerHeap}: a 4-ary min-heap of timers ordered by (timestamp, registration sequence), with each
 * timer's position tracked so that deletion is O(log n) instead of a lazy tombstone. The fallback of
 * {@link TimerQueue} (`timer-queue.ts`) for timers registered out of order.
 */

/** One registered timer. */
export interface Timer {
  ts: number;
  key: unknown;
  ns: string | number;
  keyGroup: number;
  /** Registration order, the tie-breaker among equal timestamps. */
  seq: number;
  /** The key's identity in the deduplication index. */
  id: unknown;
  /** Position in the heap array (≥ 0), or where `TimerQueue` keeps it (< 0). */
  pos: number;
}

/** Timer order: timestamp, then registration sequence. */
export function lessTimer(a: Timer, b: Timer): boolean {
  return a.ts < b.ts || (a.ts === b.ts && a.seq < b.seq);
}
const less = lessTimer;

/**
 * An indexed 4-ary min-heap of timers: half the depth of a binary heap, and the four children of a node
 * sit next to each other, which matters with a million pending timers (CEP buffers one per event).
 */
export class TimerHeap {
  private readonly a: Timer[] = [];

  get size(): number {
    return this.a.length;
  }
  peek(): Timer | undefined {
    return this.a[0];
  }
  push(t: Timer): void {
    t.pos = this.a.length;
    this.a.push(t);
    this.up(t.pos);
  }
  pop(): Timer | undefined {
    const top = this.a[0];
    if (top !== undefined) this.removeAt(0);
    return top;
  }
  remove(t: Timer): void {
    if (this.a[t.pos] === t) this.removeAt(t.pos);
  }
  /** All timers, in no particular order. */
  values(): readonly Timer[] {
    return this.a;
  }
  clear(): void {
    this.a.length = 0;
  }

  private removeAt(i: number): void {
    const last = this.a.pop()!;
    if (i === this.a.length) return;
    this.a[i] = last;
    last.pos = i;
    this.down(i);
    this.up(last.pos);
  }
  private up(i: number): void {
    const a = this.a;
    const t = a[i]!;
    while (i > 0) {
      const p = (i - 1) >> 2;
      if (!less(t, a[p]!)) break;
      a[i] = a[p]!;
      a[i]!.pos = i;
      i = p;
    }
    a[i] = t;
    t.pos = i;
  }
  private down(i: number): void {
    const a = this.a;
    const n = a.length;
    const t = a[i]!;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      // the smallest of up to four children
      let c = first;
      const end = first + 4 < n ? first + 4 : n;
      for (let k = first + 1; k < end; k++) if (less(a[k]!, a[c]!)) c = k;
      if (!less(a[c]!, t)) break;
      a[i] = a[c]!;
      a[i]!.pos = i;
      i = c;
    }
    a[i] = t;
    t.pos = i;
  }
}
