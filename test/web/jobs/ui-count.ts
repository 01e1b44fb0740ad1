// The Web UI test's job: n numbers 0..n-1, keyed by x % 10 and counted per key in ValueState 'count' (so
// each key ends at n / 10), every count printed as `key=<k> count=<c>`; checkpoints every `interval` ms.
// An unbounded Nexmark branch, paced (the map sleeps 1 ms every 20 bids), keeps the job running, busy and
// checkpointing after the numbers ran out, with little CPU: its bids go to a vertex that drops them
// (records flowing between two vertices), and into the keyed count through a filter that drops them all
// (so the count keeps running, and its state stays readable). With failOnce=true the first bid of the first
// attempt throws in the user's function (RejectFirstBid.map): one restart, an entry in the exceptions.
// Windowed state for the state browser: the numbers again at event time FUTURE + x, keyed by x % 10 into
// tumbling 100 ms windows ('window contents per key'). The bids' watermarks stay far below FUTURE, so no
// window fires: key k's window [FUTURE + 100·w, +100) keeps 100·w + k, 100·w + k + 10, …, 100·w + k + 90.
import { KeyedProcessFunction, RichMapFunction, StreamEnvironment, TumblingEventTimeWindows, ValueStateDescriptor, WatermarkStrategy, jobParameters, type Collector, type KeyedProcessContext, type ValueState } from 'eddy';
import { NexmarkSource, type BidEvent } from 'eddy/connectors/nexmark';

const { n = 1000, parallelism = 2, interval = 300, failOnce = false } = jobParameters<{ n?: number; parallelism?: number; interval?: number; failOnce?: boolean }>();

class CountPerKey extends KeyedProcessFunction<number, number, { key: number; count: number }> {
  private count!: ValueState<number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count'));
  }
  processElement(_x: number, ctx: KeyedProcessContext<number>, out: Collector<{ key: number; count: number }>): void {
    const c = (this.count.value() ?? 0) + 1;
    this.count.update(c);
    out.collect({ key: ctx.getCurrentKey(), count: c });
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));
let seen = 0;

class RejectFirstBid extends RichMapFunction<BidEvent, BidEvent> {
  map(b: BidEvent): BidEvent {
    const rc = this.getRuntimeContext();
    if (failOnce && rc.getAttemptNumber() === 0 && rc.getIndexOfThisSubtask() === 0) throw new RangeError(`bid of auction ${b.auction} rejected on the first attempt`);
    return b;
  }
}

const env = StreamEnvironment.create({ parallelism });
env.enableCheckpointing(interval);
const bids = env
  .fromSource(NexmarkSource.bids({ events: Infinity, seed: 1 }), WatermarkStrategy.forBoundedOutOfOrderness<BidEvent>(1000).withTimestampAssigner((b) => b.dateTime), 'bids')
  .map((b) => {
    if (++seen % 20 === 0) Atomics.wait(pause, 0, 0, 1);
    return b;
  })
  .name('paced')
  .map(new RejectFirstBid())
  .name('reject first bid');
bids
  .rebalance()
  .filter((b) => b.price < 0)
  .name('drop bids')
  .sinkTo({ name: 'Discard', createWriter: () => ({ write() {}, flush() {}, close() {} }) });
const none = bids
  .filter((b) => b.price < 0)
  .name('no bids')
  .map((b) => b.auction)
  .name('auction');
env
  .fromSequence(0, n - 1)
  .name('numbers')
  .union(none)
  .keyBy((x) => x % 10)
  .process(new CountPerKey())
  .name('count per key')
  .uid('count-per-key')
  .map((r) => `key=${r.key} count=${r.count}`)
  .name('format')
  .print();
const FUTURE = 4_000_000_000_000;
env
  .fromSequence(0, n - 1)
  .name('timed numbers')
  .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((x) => FUTURE + x))
  .union(none)
  .keyBy((x) => x % 10)
  .window(TumblingEventTimeWindows.of(100))
  .process({ process: (key: number, _ctx, elements: readonly number[], out: Collector<string>) => out.collect(`${key}: ${elements.length}`) })
  .name('window contents per key')
  .sinkTo({ name: 'Discard windows', createWriter: () => ({ write() {}, flush() {}, close() {} }) });
await env.execute('ui-count');
