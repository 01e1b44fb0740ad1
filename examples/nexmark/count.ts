// Keyed rolling count: for each bid, the number of bids its auction has had so far.
// Every record crosses a keyBy exchange (a thread boundary at parallelism > 1).
// Run: eddy run examples/nexmark/count.ts events=1000000 -p 2
import { StreamEnvironment, WatermarkStrategy, jobParameters } from 'eddy';
import { NexmarkSource, type BidEvent } from 'eddy/connectors/nexmark';
import { sinkFor } from './sink.ts';

const { events = 1_000_000, seed = 1 } = jobParameters<{ events?: number; seed?: number }>();
const env = StreamEnvironment.create();
const bids = env.fromSource(NexmarkSource.bids({ events, seed }), WatermarkStrategy.noWatermarks<BidEvent>(), 'bids');
const out = bids
  .map((b) => ({ auction: b.auction, count: 1 }))
  .name('to (auction, 1)')
  .keyBy((r) => r.auction)
  .sum('count')
  .name('count per auction');
await sinkFor(out, 'nexmark-count');
