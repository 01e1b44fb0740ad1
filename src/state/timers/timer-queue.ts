/**
 * {@link TimerQueue}: the pending timers of one time domain, ordered by (timestamp, registration sequence),
 * for the common case where timers are registered nearly in order.
 *
 * Timers go to one of a few *sorted runs* (arrays appended at the end, consumed from the front) when they
 * are not earlier than the run's last timer, and to a {@link TimerHeap} only otherwise. A keyed operator
 * usually registers a few monotone streams of timers (CEP: one at each buffered event's timestamp, which
 * follows the watermark, and one at each partial match's `within` deadline, a window later; windows: one
 * per window end), and each such stream lands in its own run: push and pop are O(1) instead of
 * O(log n) with a million pending timers. Out-of-order timers cost what they did (the heap).
 *
 * A timer is placed in the run whose last timer is the latest one not after it (best fit: keeps runs for
 * the streams they serve), else in an empty run, else in a new run (up to {@link MAX_RUNS}), else in the
 * heap. Deleting a timer from the middle of a run only marks it (`pos = -1`); marked timers are skipped
 * and dropped when they reach the front.
 */
import { TimerHeap, lessTimer, type Timer } from './timer-heap.ts';

/** Runs kept at most: each pop compares the fronts of the runs and the heap's top. */
const MAX_RUNS = 4;
/** Position of a timer that is in no run and not in the heap (popped, deleted, or never queued). */
const NOWHERE = -1;

/** A sorted run: `a[head..]`, consumed from the front. */
class Run {
  a: Timer[] = [];
  head = 0;
  /** Live (unmarked) timers in the run. */
  live = 0;
  constructor(readonly id: number) {}

  get tail(): Timer | undefined {
    return this.head < this.a.length ? this.a[this.a.length - 1] : undefined;
  }
  /** Drops marked timers at the front; empties the array once everything is consumed. */
  clean(): void {
    const a = this.a;
    let h = this.head;
    while (h < a.length && a[h]!.pos === NOWHERE) h++;
    if (h === a.length) {
      a.length = 0;
      h = 0;
    } else if (h > 1024 && h > a.length >>> 1) {
      a.copyWithin(0, h);
      a.length -= h;
      h = 0;
    }
    this.head = h;
  }
}

/** Runs are told apart from heap positions (≥ 0) by negative positions: run i is `-2 - i`. */
const runPos = (id: number): number => -2 - id;

/** Pending timers of one domain: sorted runs for in-order registrations, a heap for the rest. */
export class TimerQueue {
  private readonly heap = new TimerHeap();
  private readonly runs: Run[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The earliest timer, if any. */
  peek(): Timer | undefined {
    let min = this.heap.peek();
    const runs = this.runs;
    for (let i = 0; i < runs.length; i++) {
      const r = runs[i]!;
      if (r.head < r.a.length) {
        const t = r.a[r.head]!;
        if (min === undefined || lessTimer(t, min)) min = t;
      }
    }
    return min;
  }

  push(t: Timer): void {
    this.count++;
    const runs = this.runs;
    let best: Run | undefined;
    let bestTail: Timer | undefined;
    let empty: Run | undefined;
    for (let i = 0; i < runs.length; i++) {
      const r = runs[i]!;
      const tail = r.tail;
      if (tail === undefined) empty ??= r;
      else if (!lessTimer(t, tail) && (bestTail === undefined || lessTimer(bestTail, tail))) {
        best = r;
        bestTail = tail;
      }
    }
    const run = best ?? empty ?? (runs.length < MAX_RUNS ? this.newRun() : undefined);
    if (run === undefined) {
      this.heap.push(t);
      return;
    }
    t.pos = runPos(run.id);
    run.a.push(t);
    run.live++;
  }

  /** Removes and returns the earliest timer if it is due (`ts <= upTo`). */
  pollUpTo(upTo: number): Timer | undefined {
    let min = this.heap.peek();
    let from: Run | undefined;
    const runs = this.runs;
    for (let i = 0; i < runs.length; i++) {
      const r = runs[i]!;
      if (r.head < r.a.length) {
        const t = r.a[r.head]!;
        if (min === undefined || lessTimer(t, min)) {
          min = t;
          from = r;
        }
      }
    }
    if (min === undefined || min.ts > upTo) return undefined;
    if (from === undefined) this.heap.pop();
    else {
      from.head++;
      from.live--;
      from.clean();
    }
    min.pos = NOWHERE;
    this.count--;
    return min;
  }

  /** Removes and returns the earliest timer. */
  pop(): Timer | undefined {
    return this.pollUpTo(Infinity);
  }

  /** Removes `t` if it is queued. */
  remove(t: Timer): void {
    const pos = t.pos;
    if (pos >= 0) {
      this.heap.remove(t);
      t.pos = NOWHERE;
      this.count--;
      return;
    }
    if (pos === NOWHERE) return;
    const run = this.runs[-2 - pos]!;
    t.pos = NOWHERE;
    this.count--;
    run.live--;
    if (run.live === 0) {
      run.a.length = 0;
      run.head = 0;
    } else if (run.a[run.a.length - 1] === t) {
      // the last one: cut it (and marked ones before it) so the run's tail stays live
      const a = run.a;
      while (a.length > run.head && a[a.length - 1]!.pos === NOWHERE) a.pop();
    } else if (run.a[run.head] === t) run.clean();
  }

  /** All queued timers, in no particular order. */
  values(): Timer[] {
    const out = this.heap.values().slice();
    for (const r of this.runs) for (let i = r.head; i < r.a.length; i++) if (r.a[i]!.pos !== NOWHERE) out.push(r.a[i]!);
    return out;
  }

  clear(): void {
    for (const t of this.values()) t.pos = NOWHERE;
    this.heap.clear();
    this.runs.length = 0;
    this.count = 0;
  }

  private newRun(): Run {
    const r = new Run(this.runs.length);
    this.runs.push(r);
    return r;
  }
}
