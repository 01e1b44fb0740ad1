/**
 * `PositionedQueue`: the bounded queue between a source reader's fetching pump and the task's loop, as
 * parallel columns (value, position, owning split, timestamp) so draining allocates nothing per record.
 * The pump `push`es fetched records; `drain` emits up to `max` of them and hands each record's position
 * to the reader's `advance` (a method bound once, not a closure per record), so a split's position
 * moves only when its record is emitted and a snapshot names exactly what the task has seen. Each owner
 * counts its queued records (`queued`), which tells a reader when a finished split is fully emitted.
 */
import type { ReaderOutput } from '../../api/index.ts';

export interface QueueOwner {
  /** records of this owner in the queue */
  queued: number;
}

export class PositionedQueue<T, O extends QueueOwner, P> {
  private vals: (T | undefined)[] = [];
  private positions: P[] = [];
  private owners: O[] = [];
  private times: number[] = [];
  private head = 0;

  /** `advance(owner, position)` runs as each record is emitted. */
  constructor(private readonly advance: (owner: O, position: P) => void) {}

  /** Records queued and not yet emitted. */
  get size(): number {
    return this.vals.length - this.head;
  }

  push(owner: O, value: T, position: P, time: number): void {
    this.vals.push(value);
    this.positions.push(position);
    this.owners.push(owner);
    this.times.push(time);
    owner.queued++;
  }

  /** Emits up to `max` records; the columns are reset (kept allocated) once all are emitted. */
  drain(out: ReaderOutput<T>, max: number): void {
    const end = Math.min(this.vals.length, this.head + max);
    const { vals, positions, owners, times, advance } = this;
    for (let i = this.head; i < end; i++) {
      const o = owners[i]!;
      advance(o, positions[i]!);
      o.queued--;
      out.collect(vals[i] as T, times[i]!);
      vals[i] = undefined;
    }
    this.head = end;
    if (end === vals.length) {
      vals.length = 0;
      positions.length = 0;
      owners.length = 0;
      times.length = 0;
      this.head = 0;
    }
  }
}
