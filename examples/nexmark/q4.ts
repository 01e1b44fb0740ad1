// Nexmark q4 — average closing price per category. An auction's closing price is its highest bid placed
// while it was open (bid time in [auction.dateTime, auction.expires], both ends inclusive); auctions
// without such a bid have none. The result is, per category, the average closing price of its auctions,
// truncated to a whole number as Flink's AVG over BIGINT is.
//
// Two keyed stages:
// 1. auctions and bids connected and keyed by auction id: the auction's winning price is folded in keyed
//    state and emitted when the watermark passes `expires` (no in-time bid can come later); bids seen
//    before their auction (possible at parallelism > 1) wait in state until it arrives, and are dropped
//    once the watermark shows that their auction cannot have started by then.
// 2. keyed by category: sum and count in keyed state. SQL's q4 is an updating query whose answer is the
//    final table; eddy has no retracting (changelog) streams, so this stage emits each category's final
//    average once, from an event-time timer at Number.MAX_VALUE that fires on the final (+∞) watermark of
//    the bounded input. (An unbounded run therefore emits nothing from this stage.)
// Run: eddy run examples/nexmark/q4.ts events=1000000
import {
  KeyedCoProcessFunction,
  KeyedProcessFunction,
  ListStateDescriptor,
  StreamEnvironment,
  ValueStateDescriptor,
  WatermarkStrategy,
  jobParameters,
} from 'eddy';
import type { Collector, KeyedProcessContext, ListState, OnTimerContext, ProcessContext, ValueState } from 'eddy';
import { NexmarkSource } from 'eddy/connectors/nexmark';
import type { NexmarkEvent } from 'eddy/connectors/nexmark';
import { sinkFor } from './sink.ts';

interface OpenAuction { category: number; dateTime: number; expires: number }
/** What crosses the keyBy exchange: only the fields the query uses. */
interface AuctionInfo extends OpenAuction { id: number }
interface BidInfo { auction: number; price: number; dateTime: number }
interface EarlyBid { price: number; dateTime: number }
interface WinningBid { auction: number; category: number; final: number }
interface CategoryAverage { category: number; average: number }

/** Stage 1, keyed by auction id: auctions (input 1) and their bids (input 2) → the winning bid. */
class WinningBids extends KeyedCoProcessFunction<number, AuctionInfo, BidInfo, WinningBid> {
  private auction!: ValueState<OpenAuction>;
  private best!: ValueState<number>;
  private early!: ListState<EarlyBid>;
  override open(): void {
    const rc = this.getRuntimeContext();
    this.auction = rc.getState(new ValueStateDescriptor<OpenAuction>('auction'));
    this.best = rc.getState(new ValueStateDescriptor<number>('best-price'));
    this.early = rc.getListState(new ListStateDescriptor<EarlyBid>('bids-before-auction'));
  }
  private offer(a: OpenAuction, price: number, dateTime: number): void {
    if (dateTime < a.dateTime || dateTime > a.expires) return;
    const best = this.best.value();
    if (best === undefined || price > best) this.best.update(price);
  }
  processElement1(a: AuctionInfo, ctx: ProcessContext): void {
    const open: OpenAuction = { category: a.category, dateTime: a.dateTime, expires: a.expires };
    this.auction.update(open);
    for (const b of this.early.get()) this.offer(open, b.price, b.dateTime);
    this.early.clear();
    ctx.timerService().registerEventTimeTimer(a.expires);
  }
  processElement2(b: BidInfo, ctx: ProcessContext): void {
    const a = this.auction.value();
    if (a !== undefined) this.offer(a, b.price, b.dateTime);
    else {
      this.early.add({ price: b.price, dateTime: b.dateTime });
      ctx.timerService().registerEventTimeTimer(b.dateTime);
    }
  }
  override onTimer(timestamp: number, ctx: OnTimerContext<unknown>, out: Collector<WinningBid>): void {
    const a = this.auction.value();
    if (a === undefined) {
      // Bids before their auction: an auction arriving after this watermark starts after these bids.
      const keep = this.early.get().filter((b) => b.dateTime > timestamp);
      this.early.update(keep);
      return;
    }
    if (timestamp !== a.expires) return;
    const final = this.best.value();
    if (final !== undefined) out.collect({ auction: ctx.getCurrentKey() as number, category: a.category, final });
    this.auction.clear();
    this.best.clear();
  }
}

/** Stage 2, keyed by category: the average winning price, emitted at the end of the input. */
class CategoryAverages extends KeyedProcessFunction<number, WinningBid, CategoryAverage> {
  private sum!: ValueState<number>;
  private count!: ValueState<number>;
  override open(): void {
    this.sum = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('sum', { defaultValue: 0 }));
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', { defaultValue: 0 }));
  }
  processElement(w: WinningBid, ctx: KeyedProcessContext<number>): void {
    this.sum.update(this.sum.value()! + w.final);
    this.count.update(this.count.value()! + 1);
    ctx.timerService().registerEventTimeTimer(Number.MAX_VALUE); // fires on the final watermark
  }
  override onTimer(_ts: number, ctx: OnTimerContext<number>, out: Collector<CategoryAverage>): void {
    out.collect({ category: ctx.getCurrentKey(), average: Math.trunc(this.sum.value()! / this.count.value()!) });
  }
}

// `rate`: events per second of event time (default Nexmark's 10 000); tests lower it to span more windows.
// `winning=true`: emit stage 1's closing prices `{auction, category, final}` instead (tests check them too).
const { events = 1_000_000, seed = 1, rate, winning = false } =
  jobParameters<{ events?: number; seed?: number; rate?: number; winning?: boolean }>();
const env = StreamEnvironment.create();
const all = env.fromSource(
  NexmarkSource.events({ events, seed, rate }),
  WatermarkStrategy.forBoundedOutOfOrderness<NexmarkEvent>(4000).withTimestampAssigner((e) => e.dateTime),
  'events',
);
const auctions = all
  .flatMap((e: NexmarkEvent, out: Collector<AuctionInfo>) => {
    if (e.kind === 'auction') out.collect({ id: e.id, category: e.category, dateTime: e.dateTime, expires: e.expires });
  })
  .name('auctions');
const bids = all
  .flatMap((e: NexmarkEvent, out: Collector<BidInfo>) => {
    if (e.kind === 'bid') out.collect({ auction: e.auction, price: e.price, dateTime: e.dateTime });
  })
  .name('bids');
const closing = auctions
  .connect(bids)
  .keyBy((a) => a.id, (b) => b.auction)
  .process(new WinningBids())
  .name('q4: winning bid per auction');
if (winning) await sinkFor(closing, 'nexmark-q4-winning');
else {
  const out = closing
    .keyBy((w) => w.category)
    .process(new CategoryAverages())
    .name('q4: average per category');
  await sinkFor(out, 'nexmark-q4');
}
