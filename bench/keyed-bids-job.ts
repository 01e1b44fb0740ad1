// Keyed rolling count where the whole bid crosses the keyBy exchange (a thread boundary at parallelism
// > 1): for each bid, the number of bids its auction has had so far. The benchmark of the data plane:
// every field of every bid (numbers and three strings, two of them random) is encoded and decoded.
// Run: eddy run bench/keyed-bids-job.ts events=1000000 -p 2
import { KeyedProcessFunction, StreamEnvironment, ValueStateDescriptor, WatermarkStrategy, jobParameters } from 'eddy';
import type { Collector, KeyedProcessContext, ValueState } from 'eddy';
import { NexmarkSource, type BidEvent } from 'eddy/connectors/nexmark';
import { sinkFor } from '../examples/nexmark/sink.ts';

class CountBids extends KeyedProcessFunction<number, BidEvent, number> {
  private count!: ValueState<number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count'));
  }
  processElement(_bid: BidEvent, _ctx: KeyedProcessContext<number>, out: Collector<number>): void {
    const c = (this.count.value() ?? 0) + 1;
    this.count.update(c);
    out.collect(c);
  }
}

const { events = 1_000_000, seed = 1 } = jobParameters<{ events?: number; seed?: number }>();
const env = StreamEnvironment.create();
const bids = env.fromSource(NexmarkSource.bids({ events, seed }), WatermarkStrategy.noWatermarks<BidEvent>(), 'bids');
const out = bids
  .keyBy((b) => b.auction)
  .process(new CountBids())
  .name('count bids per auction');
await sinkFor(out, 'nexmark-keyed-bids');
