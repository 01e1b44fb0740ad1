// Nexmark q2 — selection: bids on auctions whose id is a multiple of 123, as (auction, price).
// Run: eddy run examples/nexmark/q2.ts events=1000000
import { StreamEnvironment, WatermarkStrategy, jobParameters } from 'eddy';
import { NexmarkSource, type BidEvent } from 'eddy/connectors/nexmark';
import { sinkFor } from './sink.ts';

const { events = 1_000_000, seed = 1 } = jobParameters<{ events?: number; seed?: number }>();
const env = StreamEnvironment.create();
const bids = env.fromSource(NexmarkSource.bids({ events, seed }), WatermarkStrategy.noWatermarks<BidEvent>(), 'bids');
const out = bids
  .filter((b) => b.auction % 123 === 0)
  .name('q2: auction % 123 == 0')
  .map((b) => ({ auction: b.auction, price: b.price }))
  .name('q2: project');
await sinkFor(out, 'nexmark-q2');
