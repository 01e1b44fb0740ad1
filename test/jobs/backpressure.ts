// A fast source feeding a slow sink through a channel. Counters in a SharedArrayBuffer (passed as a
// job parameter, shared by every worker) let the test see how far the source ran ahead of the sink.
import { StreamEnvironment, jobParameters, type Sink } from 'eddy';

const { counters, p = 1, n = 30_000, batchSize = 64, buffers = 2 } = jobParameters<{ counters: SharedArrayBuffer; p?: number; n?: number; batchSize?: number; buffers?: number }>();
const c = new Int32Array(counters); // [0] emitted by the source side, [1] consumed by the sink, [2] max gap seen

const slowSink: Sink<number> = {
  name: 'SlowSink',
  createWriter: () => ({
    write() {
      const consumed = Atomics.add(c, 1, 1) + 1;
      const gap = Atomics.load(c, 0) - consumed;
      if (gap > Atomics.load(c, 2)) Atomics.store(c, 2, gap);
      const until = performance.now() + 0.02; // 20 µs per record: far slower than the source
      while (performance.now() < until);
    },
    flush() {},
    close() {},
  }),
};

const env = StreamEnvironment.create({ parallelism: p, batchSize, buffersPerChannel: buffers });
env
  .fromSequence(1, n)
  .map((v) => {
    Atomics.add(c, 0, 1);
    return v;
  })
  .name('count emitted')
  .keyBy((v) => v % 16)
  .sinkTo(slowSink);
await env.execute('backpressure');
