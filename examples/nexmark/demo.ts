// The demo that `npm start` runs: Nexmark "hot items" (q5) on 2 worker threads, checkpointed every
// second to a local folder (.eddy/checkpoints/nexmark-demo/), results written exactly-once to out/demo/,
// the hottest auctions printed at the end. Run it yourself with:
//   npx eddy run examples/nexmark/demo.ts events=10000000
// (5 M events by default: a few seconds, long enough for several checkpoints)
import { StreamEnvironment, WatermarkStrategy, SlidingEventTimeWindows, jobParameters, type Sink, type TimeWindow, type Collector } from 'eddy';
import { NexmarkSource, type BidEvent } from 'eddy/connectors/nexmark';
import { FileSink } from 'eddy/connectors/file';

const { events = 5_000_000, seed = 1, top = 5, out = 'out/demo' } = jobParameters<{ events?: number; seed?: number; top?: number; out?: string }>();

interface HotItem {
  auction: number;
  bids: number;
  window: string;
}

/** Prints the auctions with the most bids in any 10 s window when the input ends. */
const leaderboard: Sink<HotItem> = {
  name: 'Leaderboard',
  createWriter: (ctx) => {
    const best = new Map<number, HotItem>(); // per auction, its busiest window
    return {
      write(r) {
        const b = best.get(r.auction);
        if (b === undefined || r.bids > b.bids) best.set(r.auction, r);
      },
      flush(endOfInput) {
        if (!endOfInput) return;
        const lines = [...best.values()]
          .sort((a, b) => b.bids - a.bids)
          .slice(0, top)
          .map((r) => `  auction ${r.auction}: ${r.bids} bids in ${r.window}`).join('\n');
        process.stdout.write(`subtask ${ctx.subtaskIndex + 1}/${ctx.parallelism}, hottest auctions:\n${lines}\n`);
      },
      close() {},
    };
  },
};

const env = StreamEnvironment.create({ parallelism: 2 });
env.enableCheckpointing(1000);
const counts = env
  .fromSource(
    NexmarkSource.bids({ events, seed }),
    WatermarkStrategy.forBoundedOutOfOrderness<BidEvent>(4000).withTimestampAssigner((b) => b.dateTime),
    'bids',
  )
  .keyBy((b) => b.auction)
  .window(SlidingEventTimeWindows.of(10_000, 2_000))
  .aggregate(
    { createAccumulator: () => 0, add: (_b: BidEvent, n: number) => n + 1, getResult: (n: number) => n, merge: (a: number, b: number) => a + b },
    (auction: number, w: TimeWindow, [n]: readonly number[], o: Collector<HotItem>) =>
      o.collect({ auction, bids: n!, window: `[${new Date(w.start).toISOString().slice(11, 19)}, ${new Date(w.end).toISOString().slice(11, 19)})` }),
  )
  .name('bids per auction, 10 s windows every 2 s')
  .uid('hot-items');
counts.sinkTo(FileSink.forRowFormat<HotItem>(out).build()).name('files').uid('files');
counts.sinkTo(leaderboard).uid('leaderboard');
await env.execute('nexmark-demo');
