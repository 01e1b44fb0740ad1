// Nexmark q7 — highest bid: for every 10 s tumbling window, the bid(s) with the highest price in it (all
// of them when several tie), with the window's bounds.
// Stage 1 takes partial maxima in parallel: bids are spread over 32 buckets (by the millisecond of their
// time, so the hot auction does not land on one subtask) and each bucket keeps, per window, its highest
// price and the bids at that price (an incremental aggregate). Stage 2 is keyed by window: it merges the
// buckets' maxima and emits the winners once the watermark passes the window's end.
// Follows the DataStream reading of the query: a bid is only compared with bids of its own window (the
// SQL's `BETWEEN e - 10 s AND e` would also match a bid at exactly the next window's start).
// Run: eddy run examples/nexmark/q7.ts events=1000000
import {
  KeyedProcessFunction,
  StreamEnvironment,
  TumblingEventTimeWindows,
  ValueStateDescriptor,
  WatermarkStrategy,
  jobParameters,
} from 'eddy';
import type { Collector, KeyedProcessContext, OnTimerContext, TimeWindow, ValueState } from 'eddy';
import { NexmarkSource } from 'eddy/connectors/nexmark';
import type { BidEvent } from 'eddy/connectors/nexmark';
import { sinkFor } from './sink.ts';

/** The bid fields q7 outputs (all that crosses the keyBy exchange). */
interface BidRow { auction: number; bidder: number; price: number; dateTime: number; extra: string }
interface HighestBid extends BidRow { windowStart: number; windowEnd: number }
/** The highest price seen and every bid at that price. */
interface Top { price: number; bids: HighestBid[] }

const BUCKETS = 32;
const SIZE = 10_000;

/** Keeps the higher of two tops; on equal prices, the bids of both. */
function better(a: Top, b: Top): Top {
  if (a.price > b.price || b.bids.length === 0) return a;
  if (b.price > a.price || a.bids.length === 0) return b;
  return { price: a.price, bids: [...a.bids, ...b.bids] };
}

/** Stage 2, keyed by window end: merges the buckets' tops, emits when the window is complete. */
class WindowMax extends KeyedProcessFunction<number, Top, HighestBid> {
  private top!: ValueState<Top>;
  override open(): void {
    this.top = this.getRuntimeContext().getState(new ValueStateDescriptor<Top>('top'));
  }
  processElement(t: Top, ctx: KeyedProcessContext<number>): void {
    const cur = this.top.value();
    if (cur === undefined) ctx.timerService().registerEventTimeTimer(ctx.getCurrentKey() - 1);
    this.top.update(cur === undefined ? t : better(cur, t));
  }
  override onTimer(_ts: number, _ctx: OnTimerContext<number>, out: Collector<HighestBid>): void {
    for (const b of this.top.value()?.bids ?? []) out.collect(b);
    this.top.clear();
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
  .map((b): BidRow => ({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, extra: b.extra }))
  .name('q7: bid fields')
  .keyBy((b) => b.dateTime % BUCKETS)
  .window(TumblingEventTimeWindows.of(SIZE))
  .aggregate(
    {
      createAccumulator: (): Top => ({ price: -Infinity, bids: [] }),
      add: (b: BidRow, acc: Top): Top => {
        if (b.price < acc.price) return acc;
        const s = b.dateTime - (b.dateTime % SIZE);
        const row = { ...b, windowStart: s, windowEnd: s + SIZE };
        return b.price > acc.price ? { price: b.price, bids: [row] } : { price: acc.price, bids: [...acc.bids, row] };
      },
      getResult: (acc: Top): Top => acc,
    },
    (_bucket: number, _w: TimeWindow, [top]: readonly Top[], out: Collector<Top>) => out.collect(top!),
  )
  .name('q7: top bids per bucket and window')
  .keyBy((t) => t.bids[0]!.windowEnd)
  .process(new WindowMax())
  .name('q7: top bids per window');
await sinkFor(out, 'nexmark-q7');
