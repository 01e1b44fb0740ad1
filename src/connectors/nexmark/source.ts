/**
 * `NexmarkSource`: the Nexmark generator as a parallel, replayable FLIP-27 source. Reader i of p reads
 * event numbers i, i + p, i + 2p, … (bounded or not), so the same events come out at any parallelism and
 * every reader's event time advances together. A split's position is its next event number, which is
 * all a checkpoint needs. Records carry their `dateTime` as timestamp.
 *
 * @example
 * env.fromSource(NexmarkSource.bids({ events: 1e6, seed: 1 }),
 *   WatermarkStrategy.forBoundedOutOfOrderness<Bid>(4000).withTimestampAssigner(b => b.dateTime), 'bids')
 */
import {
  InputStatus,
  StaticSplitEnumerator,
  QueueSplitReader,
  type ReaderOutput,
  type Source,
  type SourceReader,
  type SourceReaderContext,
  type SplitEnumerator,
  type SplitEnumeratorContext,
} from '../../api/index.ts';
import { ConfigurationError } from '../../core/index.ts';
import type { NexmarkConfig } from './config.ts';
import { resolveConfig } from './config.ts';
import { NexmarkGenerator } from './generator.ts';
import type { AuctionEvent, BidEvent, EventKind, NexmarkEvent, PersonEvent } from './model.ts';

export interface NexmarkSplit {
  id: number;
  /** next event number */
  pos: number;
  /** one past the last event number (Infinity when unbounded) */
  to: number;
  stride: number;
}

export interface NexmarkSourceOptions extends NexmarkConfig {
  /** Caps the emission rate (events per second of processing time, summed over readers). Default: as fast as possible. */
  maxEventsPerSecond?: number;
}

class NexmarkReader<T> extends QueueSplitReader<T, NexmarkSplit> {
  private gen: NexmarkGenerator | undefined;
  private genFor: NexmarkSplit | undefined;
  private readonly buf: NexmarkEvent[] = [];
  private readonly perReaderRate: number;
  private windowStart = 0;
  private emittedInWindow = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  constructor(
    ctx: SourceReaderContext,
    private readonly config: NexmarkSourceOptions,
    private readonly kind: EventKind | undefined,
  ) {
    super(ctx);
    this.perReaderRate = config.maxEventsPerSecond ? config.maxEventsPerSecond / ctx.parallelism : Infinity;
  }
  override pollNext(out: ReaderOutput<T>, max: number): InputStatus {
    if (this.perReaderRate !== Infinity) {
      const now = Date.now();
      if (now - this.windowStart >= 100) {
        this.windowStart = now;
        this.emittedInWindow = 0;
      }
      const budget = Math.floor(this.perReaderRate / 10) - this.emittedInWindow;
      if (budget <= 0) {
        if (!this.timer)
          this.timer = setTimeout(() => {
            this.timer = undefined;
            this.ctx.wakeup();
          }, this.windowStart + 100 - now);
        return InputStatus.NothingAvailable;
      }
      max = Math.min(max, budget);
      this.emittedInWindow += max;
    }
    return super.pollNext(out, max);
  }
  protected readSome(s: NexmarkSplit, out: ReaderOutput<T>, max: number): boolean {
    if (this.genFor !== s) {
      this.gen = new NexmarkGenerator(this.config, s.pos, s.to, s.stride);
      this.genFor = s;
    }
    const g = this.gen!;
    const buf = this.buf;
    const k = g.nextBatch(buf, max);
    const kind = this.kind;
    for (let i = 0; i < k; i++) {
      const e = buf[i]!;
      if (kind === undefined || e.kind === kind) out.collect(e as T, e.dateTime);
    }
    s.pos = g.position;
    return k === 0 || !g.hasNext();
  }
  override close(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

export class NexmarkSource<T> implements Source<T, NexmarkSplit, NexmarkSplit[]> {
  readonly boundedness: 'bounded' | 'unbounded';
  readonly name: string;
  private constructor(
    private readonly config: NexmarkSourceOptions,
    private readonly kind: EventKind | undefined,
  ) {
    resolveConfig(config); // validates
    if (config.maxEventsPerSecond !== undefined && !(config.maxEventsPerSecond > 0))
      throw new ConfigurationError(`NexmarkSource: maxEventsPerSecond must be > 0, got ${config.maxEventsPerSecond}`);
    this.boundedness = config.events === Infinity ? 'unbounded' : 'bounded';
    this.name = `Nexmark ${kind ?? 'events'}`;
  }
  /** Every event (people, auctions and bids, with `kind`). */
  static events(config: NexmarkSourceOptions): NexmarkSource<NexmarkEvent> {
    return new NexmarkSource<NexmarkEvent>(config, undefined);
  }
  static bids(config: NexmarkSourceOptions): NexmarkSource<BidEvent> {
    return new NexmarkSource<BidEvent>(config, 'bid');
  }
  static auctions(config: NexmarkSourceOptions): NexmarkSource<AuctionEvent> {
    return new NexmarkSource<AuctionEvent>(config, 'auction');
  }
  static persons(config: NexmarkSourceOptions): NexmarkSource<PersonEvent> {
    return new NexmarkSource<PersonEvent>(config, 'person');
  }
  createEnumerator(ctx: SplitEnumeratorContext<NexmarkSplit>, restored?: NexmarkSplit[]): SplitEnumerator<NexmarkSplit, NexmarkSplit[]> {
    if (restored) return new StaticSplitEnumerator(ctx, restored);
    // Reader i of p reads events i, i + p, i + 2p, …: every reader's event time advances at the stream's
    // pace, so downstream watermarks (the minimum over readers) keep up with every reader. Contiguous
    // ranges would put reader i's timestamps (i / p) of the stream ahead of reader 0's, and an event-time
    // operator downstream would hold all of the later readers' data until reader 0 caught up.
    const p = ctx.parallelism;
    const to = this.config.events;
    const splits: NexmarkSplit[] = Array.from({ length: p }, (_, i) => ({ id: i, pos: i, to, stride: p }));
    return new StaticSplitEnumerator(ctx, splits);
  }
  createReader(ctx: SourceReaderContext): SourceReader<T, NexmarkSplit> {
    return new NexmarkReader<T>(ctx, this.config, this.kind);
  }
}
