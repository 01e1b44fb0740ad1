// Nexmark q1 — currency conversion: bid prices from dollars to euros (price * 0.908).
// Run: eddy run examples/nexmark/q1.ts events=1000000
import { StreamEnvironment, WatermarkStrategy, jobParameters } from 'eddy';
import { NexmarkSource, type BidEvent } from 'eddy/connectors/nexmark';
import { sinkFor } from './sink.ts';

const { events = 1_000_000, seed = 1 } = jobParameters<{ events?: number; seed?: number }>();
const env = StreamEnvironment.create();
const bids = env.fromSource(NexmarkSource.bids({ events, seed }), WatermarkStrategy.noWatermarks<BidEvent>(), 'bids');
const out = bids
  .map((b) => ({ auction: b.auction, bidder: b.bidder, price: b.price * 0.908, dateTime: b.dateTime, extra: b.extra }))
  .name('q1: to euros');
await sinkFor(out, 'nexmark-q1');
