// Nexmark q0 — pass-through: every bid, projected to (auction, bidder, price, dateTime, extra).
// Measures the engine's raw overhead. Run: eddy run examples/nexmark/q0.ts events=1000000
import { StreamEnvironment, WatermarkStrategy, jobParameters } from 'eddy';
import { NexmarkSource, type BidEvent } from 'eddy/connectors/nexmark';
import { sinkFor } from './sink.ts';

const { events = 1_000_000, seed = 1 } = jobParameters<{ events?: number; seed?: number }>();
const env = StreamEnvironment.create();
const bids = env.fromSource(NexmarkSource.bids({ events, seed }), WatermarkStrategy.noWatermarks<BidEvent>(), 'bids');
const out = bids.map((b) => ({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, extra: b.extra })).name('q0');
await sinkFor(out, 'nexmark-q0');
