/**
 * Bounded built-in sources: a collection (the enumerator holds the elements and hands contiguous
 * slices out as splits, so workers see exactly what the client evaluated) and a number sequence.
 * Splits carry their position, so they are replayable from a checkpoint.
 */
import { InputStatus, type ReaderOutput, type Source, type SourceReader, type SourceReaderContext, type SplitEnumerator, type SplitEnumeratorContext } from '../source.ts';

/** A contiguous slice; `pos` is how far it has been read. */
export interface CollectionSplit<T> {
  id: number;
  elements: T[];
  pos: number;
}
export interface SequenceSplit {
  id: number;
  /** next number to emit */
  next: number;
  /** last number (inclusive) */
  to: number;
}

/**
 * Assigns a fixed list of splits, then signals no more: a split with a numeric `id` to subtask
 * `id % parallelism` (restored splits too, so a restore at the same parallelism gives each subtask the
 * splits it had), others by their position in the list.
 */
export class StaticSplitEnumerator<S> implements SplitEnumerator<S, S[]> {
  private pending = new Map<number, S[]>();
  constructor(
    private readonly ctx: SplitEnumeratorContext<S>,
    splits: S[],
  ) {
    const p = ctx.parallelism;
    splits.forEach((s, i) => {
      const id = (s as { id?: unknown }).id;
      const owner = (typeof id === 'number' && Number.isInteger(id) && id >= 0 ? id : i) % p;
      const list = this.pending.get(owner) ?? [];
      list.push(s);
      this.pending.set(owner, list);
    });
  }
  start(): void {}
  handleSplitRequest(subtask: number): void {
    this.addReader(subtask);
  }
  addReader(subtask: number): void {
    const list = this.pending.get(subtask) ?? [];
    this.pending.delete(subtask);
    for (const s of list) this.ctx.assignSplit(s, subtask);
    this.ctx.signalNoMoreSplits(subtask);
  }
  addSplitsBack(splits: S[], subtask: number): void {
    this.pending.set(subtask, [...(this.pending.get(subtask) ?? []), ...splits]);
  }
  snapshotState(): S[] {
    return [...this.pending.values()].flat();
  }
  close(): void {}
}

/** A reader over a queue of splits, emitting with `readSome` until each is exhausted. */
export abstract class QueueSplitReader<T, S> implements SourceReader<T, S> {
  protected splits: S[] = [];
  private noMore = false;
  constructor(protected readonly ctx: SourceReaderContext) {}
  start(): void {}
  addSplits(splits: S[]): void {
    this.splits.push(...splits);
    this.ctx.wakeup();
  }
  notifyNoMoreSplits(): void {
    this.noMore = true;
    this.ctx.wakeup();
  }
  /** Emits up to `max` records from `split`; returns true when the split is exhausted. */
  protected abstract readSome(split: S, out: ReaderOutput<T>, max: number): boolean;
  pollNext(out: ReaderOutput<T>, max: number): InputStatus {
    const s = this.splits[0];
    if (s === undefined) return this.noMore ? InputStatus.EndOfInput : InputStatus.NothingAvailable;
    if (this.readSome(s, out, max)) this.splits.shift();
    return this.splits.length > 0 || !this.noMore ? (this.splits.length > 0 ? InputStatus.MoreAvailable : InputStatus.NothingAvailable) : InputStatus.EndOfInput;
  }
  snapshotState(): S[] {
    return this.splits.map((s) => ({ ...s }));
  }
  close(): void {}
}

class CollectionReader<T> extends QueueSplitReader<T, CollectionSplit<T>> {
  protected readSome(s: CollectionSplit<T>, out: ReaderOutput<T>, max: number): boolean {
    const end = Math.min(s.elements.length, s.pos + max);
    const els = s.elements;
    for (let i = s.pos; i < end; i++) out.collect(els[i] as T);
    s.pos = end;
    return end >= els.length;
  }
}

export class CollectionSource<T> implements Source<T, CollectionSplit<T>, CollectionSplit<T>[]> {
  readonly boundedness = 'bounded' as const;
  readonly name = 'Collection';
  constructor(private readonly elements: T[]) {}
  createEnumerator(ctx: SplitEnumeratorContext<CollectionSplit<T>>, restored?: CollectionSplit<T>[]): SplitEnumerator<CollectionSplit<T>, CollectionSplit<T>[]> {
    if (restored) return new StaticSplitEnumerator(ctx, restored);
    const p = ctx.parallelism;
    const n = this.elements.length;
    const splits: CollectionSplit<T>[] = [];
    for (let i = 0; i < p; i++) {
      const from = Math.floor((i * n) / p);
      const to = Math.floor(((i + 1) * n) / p);
      splits.push({ id: i, elements: this.elements.slice(from, to), pos: 0 });
    }
    return new StaticSplitEnumerator(ctx, splits);
  }
  createReader(ctx: SourceReaderContext): SourceReader<T, CollectionSplit<T>> {
    return new CollectionReader<T>(ctx);
  }
}

class SequenceReader extends QueueSplitReader<number, SequenceSplit> {
  protected readSome(s: SequenceSplit, out: ReaderOutput<number>, max: number): boolean {
    const end = Math.min(s.to, s.next + max - 1);
    for (let v = s.next; v <= end; v++) out.collect(v);
    s.next = end + 1;
    return s.next > s.to;
  }
}

export class SequenceSource implements Source<number, SequenceSplit, SequenceSplit[]> {
  readonly boundedness = 'bounded' as const;
  readonly name = 'Sequence';
  constructor(
    private readonly from: number,
    private readonly to: number,
  ) {}
  createEnumerator(ctx: SplitEnumeratorContext<SequenceSplit>, restored?: SequenceSplit[]): SplitEnumerator<SequenceSplit, SequenceSplit[]> {
    if (restored) return new StaticSplitEnumerator(ctx, restored);
    const p = ctx.parallelism;
    const n = this.to - this.from + 1;
    const splits: SequenceSplit[] = [];
    for (let i = 0; i < p; i++) {
      const a = this.from + Math.floor((i * n) / p);
      const b = this.from + Math.floor(((i + 1) * n) / p) - 1;
      if (b >= a) splits.push({ id: i, next: a, to: b });
    }
    return new StaticSplitEnumerator(ctx, splits);
  }
  createReader(ctx: SourceReaderContext): SourceReader<number, SequenceSplit> {
    return new SequenceReader(ctx);
  }
}
