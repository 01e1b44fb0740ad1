// Unbounded Nexmark bids into a sink that is ~10× slower than the source (busy work per record),
// for the backpressure benchmark: memory must stay flat because the source is slowed, not buffered.
import { StreamEnvironment, WatermarkStrategy, jobParameters, type Sink } from 'eddy';
import { NexmarkSource, type BidEvent } from 'eddy/connectors/nexmark';

const { sinkMicros = 5 } = jobParameters<{ sinkMicros?: number }>();
const slow: Sink<unknown> = {
  name: 'SlowSink',
  createWriter: () => ({
    write() {
      const until = performance.now() + sinkMicros / 1000;
      while (performance.now() < until);
    },
    flush() {},
    close() {},
  }),
};
const env = StreamEnvironment.create({ parallelism: 2 });
env
  .fromSource(NexmarkSource.bids({ events: Infinity, seed: 1 }), WatermarkStrategy.noWatermarks<BidEvent>(), 'bids')
  .keyBy((b) => b.auction)
  .sinkTo(slow);
await env.execute('backpressure');
