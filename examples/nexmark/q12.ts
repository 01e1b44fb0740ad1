// Nexmark q12 — processing-time windows: how many bids does each user make per 10 s of wall-clock time?
// Per bidder, bids counted in 10 s tumbling processing-time windows, with the window bounds (processing
// time, epoch ms). Not deterministic: which window a bid lands in depends on when it is processed.
// At the end of a bounded input, eddy (like Flink) does not fire pending processing-time timers, which
// would lose the last windows' counts; this job's trigger therefore also fires (and purges) every open
// window on the final watermark, through an event-time timer at Number.MAX_VALUE.
// Run: eddy run examples/nexmark/q12.ts events=1000000
import {
  ProcessingTimeTrigger,
  StreamEnvironment,
  TriggerResult,
  TumblingProcessingTimeWindows,
  WatermarkStrategy,
  jobParameters,
} from 'eddy';
import type { Collector, TimeWindow, Trigger, TriggerContext } from 'eddy';
import { NexmarkSource } from 'eddy/connectors/nexmark';
import type { BidEvent } from 'eddy/connectors/nexmark';
import { sinkFor } from './sink.ts';

interface BidCount { bidder: number; bidCount: number; windowStart: number; windowEnd: number }

const END_OF_INPUT = Number.MAX_VALUE;
const processingTime = ProcessingTimeTrigger.create();

/** ProcessingTimeTrigger that also fires, and purges, at the end of the input. */
const processingTimeOrEndOfInput: Trigger<number, TimeWindow> = {
  onElement(e: number, ts: number, w: TimeWindow, ctx: TriggerContext): TriggerResult {
    ctx.registerEventTimeTimer(END_OF_INPUT);
    return processingTime.onElement(e, ts, w, ctx); // a processing-time timer at the window end
  },
  onProcessingTime: () => TriggerResult.FIRE,
  onEventTime: (time: number) => (time === END_OF_INPUT ? TriggerResult.FIRE_AND_PURGE : TriggerResult.CONTINUE),
  clear(w: TimeWindow, ctx: TriggerContext): void {
    ctx.deleteEventTimeTimer(END_OF_INPUT);
    ctx.deleteProcessingTimeTimer(w.maxTimestamp());
  },
  toString: () => 'ProcessingTimeTrigger(or end of input)',
};

const { events = 1_000_000, seed = 1 } = jobParameters<{ events?: number; seed?: number }>();
const env = StreamEnvironment.create();
const bids = env.fromSource(
  NexmarkSource.bids({ events, seed }),
  WatermarkStrategy.forBoundedOutOfOrderness<BidEvent>(4000).withTimestampAssigner((b) => b.dateTime),
  'bids',
);
const out = bids
  .map((b) => b.bidder) // only the bidder crosses the keyBy exchange
  .name('q12: bidder of each bid')
  .keyBy((bidder) => bidder)
  .window(TumblingProcessingTimeWindows.of(10_000))
  .trigger(processingTimeOrEndOfInput)
  .aggregate(
    {
      createAccumulator: () => 0,
      add: (_bidder: number, n: number) => n + 1,
      getResult: (n: number) => n,
    },
    (bidder: number, w: TimeWindow, [bidCount]: readonly number[], out: Collector<BidCount>) =>
      out.collect({ bidder, bidCount: bidCount!, windowStart: w.start, windowEnd: w.end }),
  )
  .name('q12: bids per bidder and processing-time window');
await sinkFor(out, 'nexmark-q12');
