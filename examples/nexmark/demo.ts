// The demo that `npm start` runs: Nexmark bids, counted per auction in parallel, the hottest
// auctions printed at the end. Run it yourself with:
//   npx eddy run examples/nexmark/demo.ts --parallelism 2 events=2000000
import { StreamEnvironment, WatermarkStrategy, jobParameters, type Sink } from 'eddy';
import { NexmarkSource, type BidEvent } from 'eddy/connectors/nexmark';

const { events = 2_000_000, seed = 1, top = 5 } = jobParameters<{ events?: number; seed?: number; top?: number }>();

/** Keeps the highest count per auction and prints the top ones when the input ends. */
const topAuctions: Sink<{ auction: number; count: number }> = {
  name: 'Top auctions',
  createWriter: (ctx) => {
    const best = new Map<number, number>();
    return {
      write(r) {
        best.set(r.auction, r.count);
      },
      flush(endOfInput) {
        if (!endOfInput) return;
        const rows = [...best].sort((a, b) => b[1] - a[1]).slice(0, top);
        const lines = rows.map(([a, c]) => `  auction ${a}: ${c} bids`).join('\n');
        process.stdout.write(`subtask ${ctx.subtaskIndex + 1}/${ctx.parallelism}, hottest auctions:\n${lines}\n`);
      },
      close() {},
    };
  },
};

const env = StreamEnvironment.create({ parallelism: 2 });
env
  .fromSource(
    NexmarkSource.bids({ events, seed }),
    WatermarkStrategy.forBoundedOutOfOrderness<BidEvent>(4000).withTimestampAssigner((b) => b.dateTime),
    'bids',
  )
  .map((b) => ({ auction: b.auction, count: 1 }))
  .name('to (auction, 1)')
  .keyBy((r) => r.auction)
  .sum('count')
  .name('bids per auction')
  .sinkTo(topAuctions);
await env.execute('nexmark-demo');
