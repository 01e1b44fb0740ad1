// Nexmark q11 — user sessions: how many bids does a user make while active? Per bidder, bids are grouped
// into sessions that end after 10 s without a bid (event-time session windows, gap 10 s); per session
// the bid count, its start (the first bid's time) and its end (the last bid's time + 10 s).
// Run: eddy run examples/nexmark/q11.ts events=1000000
import { EventTimeSessionWindows, StreamEnvironment, WatermarkStrategy, jobParameters } from 'eddy';
import type { Collector, TimeWindow } from 'eddy';
import { NexmarkSource } from 'eddy/connectors/nexmark';
import type { BidEvent } from 'eddy/connectors/nexmark';
import { sinkFor } from './sink.ts';

interface Session { bidder: number; bidCount: number; windowStart: number; windowEnd: number }

// `rate`: events per second of event time (default Nexmark's 10 000); tests lower it to span more windows.
const { events = 1_000_000, seed = 1, rate } = jobParameters<{ events?: number; seed?: number; rate?: number }>();
const env = StreamEnvironment.create();
const bids = env.fromSource(
  NexmarkSource.bids({ events, seed, rate }),
  WatermarkStrategy.forBoundedOutOfOrderness<BidEvent>(4000).withTimestampAssigner((b) => b.dateTime),
  'bids',
);
const out = bids
  .map((b) => b.bidder) // only the bidder crosses the keyBy exchange
  .name('q11: bidder of each bid')
  .keyBy((bidder) => bidder)
  .window(EventTimeSessionWindows.withGap(10_000))
  .aggregate(
    {
      createAccumulator: () => 0,
      add: (_bidder: number, n: number) => n + 1,
      getResult: (n: number) => n,
      merge: (a: number, b: number) => a + b,
    },
    (bidder: number, w: TimeWindow, [bidCount]: readonly number[], out: Collector<Session>) =>
      out.collect({ bidder, bidCount: bidCount!, windowStart: w.start, windowEnd: w.end }),
  )
  .name('q11: bids per bidder session');
await sinkFor(out, 'nexmark-q11');
