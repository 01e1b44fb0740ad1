// Nexmark q5 — hot items: which auctions got the most bids recently? Every 2 s, over the last 10 s
// (HOP windows: slide 2 s, size 10 s), count the bids per auction, and emit the auction(s) with the
// highest count of that window — all of them when several tie.
// Stage 1 counts per auction in sliding event-time windows; stage 2 is keyed by window and keeps the
// current leaders in keyed state until the watermark passes the window's end (all its counts are in,
// since every count carries the window's max timestamp), then emits them.
// Run: eddy run examples/nexmark/q5.ts events=1000000
import {
  KeyedProcessFunction,
  ListStateDescriptor,
  SlidingEventTimeWindows,
  StreamEnvironment,
  ValueStateDescriptor,
  WatermarkStrategy,
  jobParameters,
} from 'eddy';
import type { Collector, KeyedProcessContext, ListState, OnTimerContext, TimeWindow, ValueState } from 'eddy';
import { NexmarkSource } from 'eddy/connectors/nexmark';
import type { BidEvent } from 'eddy/connectors/nexmark';
import { sinkFor } from './sink.ts';

interface HotItem { auction: number; num: number; windowStart: number; windowEnd: number }

/** Keyed by window end: the auctions with the window's highest count, emitted when the window is complete. */
class MaxCount extends KeyedProcessFunction<number, HotItem, HotItem> {
  private max!: ValueState<number>;
  private leaders!: ListState<HotItem>;
  override open(): void {
    this.max = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('max-count'));
    this.leaders = this.getRuntimeContext().getListState(new ListStateDescriptor<HotItem>('leaders'));
  }
  processElement(r: HotItem, ctx: KeyedProcessContext<number>): void {
    const max = this.max.value();
    if (max === undefined || r.num > max) {
      this.max.update(r.num);
      this.leaders.update([r]);
      ctx.timerService().registerEventTimeTimer(r.windowEnd - 1);
    } else if (r.num === max) this.leaders.add(r);
  }
  override onTimer(_ts: number, _ctx: OnTimerContext<number>, out: Collector<HotItem>): void {
    for (const r of this.leaders.get()) out.collect(r);
    this.leaders.clear();
    this.max.clear();
  }
}

// `rate`: events per second of event time (default Nexmark's 10 000); tests lower it to span more windows.
const { events = 1_000_000, seed = 1, rate } = jobParameters<{ events?: number; seed?: number; rate?: number }>();
const env = StreamEnvironment.create();
const bids = env.fromSource(
  NexmarkSource.bids({ events, seed, rate }),
  WatermarkStrategy.forBoundedOutOfOrderness<BidEvent>(4000).withTimestampAssigner((b) => b.dateTime),
  'bids',
);
const out = bids
  .map((b) => b.auction) // only the auction id crosses the keyBy exchange
  .name('q5: auction of each bid')
  .keyBy((auction) => auction)
  .window(SlidingEventTimeWindows.of(10_000, 2_000))
  .aggregate(
    {
      createAccumulator: () => 0,
      add: (_auction: number, n: number) => n + 1,
      getResult: (n: number) => n,
      merge: (a: number, b: number) => a + b, // mergeable: eddy aggregates sliding windows by 2 s slices
    },
    (auction: number, w: TimeWindow, [num]: readonly number[], out: Collector<HotItem>) =>
      out.collect({ auction, num: num!, windowStart: w.start, windowEnd: w.end }),
  )
  .name('q5: bids per auction and window')
  .keyBy((r) => r.windowEnd)
  .process(new MaxCount())
  .name('q5: max count per window');
await sinkFor(out, 'nexmark-q5');
