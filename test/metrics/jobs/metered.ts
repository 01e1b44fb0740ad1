// A job with user metrics and keyed state, for the metrics, REST and state-browser tests.
// n numbers 0..n-1, keyed by x % 10, counted per key in ValueState 'count' (so each key ends at n / 10).
// forever=true adds an unbounded Nexmark branch whose bids a user filter drops, so the job keeps running.
import { KeyedProcessFunction, RichMapFunction, StreamEnvironment, ValueStateDescriptor, WatermarkStrategy, jobParameters, type Collector, type KeyedProcessContext, type ValueState, type Counter, type Histogram, type Meter } from 'eddy';
import { NexmarkSource, type BidEvent } from 'eddy/connectors/nexmark';

const { n = 1000, forever = false, parallelism = 2 } = jobParameters<{ n?: number; forever?: boolean; parallelism?: number }>();

class Metered extends RichMapFunction<number, number> {
  private seen!: Counter;
  private sizes!: Histogram;
  private rate!: Meter;
  private last = 0;
  override open(): void {
    const g = this.getRuntimeContext().getMetricGroup().addGroup('numbers');
    this.seen = g.counter('seen');
    this.sizes = g.histogram('value');
    this.rate = g.meter('perSecond');
    g.addGroup('parity', 'even').gauge('last', () => this.last);
  }
  map(x: number): number {
    this.seen.inc();
    this.sizes.update(x);
    this.rate.markEvent();
    this.last = x;
    return x;
  }
}

class CountPerKey extends KeyedProcessFunction<number, number, number> {
  private count!: ValueState<number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count'));
  }
  processElement(_x: number, _ctx: KeyedProcessContext<number>, out: Collector<number>): void {
    const c = (this.count.value() ?? 0) + 1;
    this.count.update(c);
    out.collect(c);
  }
}

const env = StreamEnvironment.create({ parallelism });
let numbers = env.fromSequence(0, n - 1).map(new Metered()).name('metered map');
if (forever) {
  const bids = env
    .fromSource(NexmarkSource.bids({ events: Infinity, seed: 1 }), WatermarkStrategy.noWatermarks<BidEvent>(), 'bids')
    .filter(function dropEveryBidInUserFunction(b: BidEvent) {
      let h = 0;
      for (let i = 0; i < 2000; i++) h = (h * 31 + b.price + i) | 0;
      return h === 0.5; // never
    })
    .name('drop bids')
    .map((b) => b.auction)
    .name('auction');
  numbers = numbers.union(bids);
}
numbers
  .keyBy((x) => x % 10)
  .process(new CountPerKey())
  .name('count per key')
  .sinkTo({ name: 'Discard', createWriter: () => ({ write() {}, flush() {}, close() {} }) });
await env.execute('metered');
