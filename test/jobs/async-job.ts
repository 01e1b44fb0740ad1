// Async I/O on worker threads: a fake slow service (a Promise resolved by setTimeout after a delay that
// depends on the record, so requests complete out of order) enriches a sequence; a process function
// after it flags records that arrive behind the watermark. Options: ordered/unordered, the async operator
// chained to the source or at the head of its own task (after a rebalance), a request that never
// completes (timeout), and a failure injected once after a completed checkpoint.
import { StreamEnvironment, AsyncDataStream, RichAsyncFunction, RestartStrategies, WatermarkStrategy, jobParameters, type ResultFuture, type CheckpointListener } from 'eddy';

const {
  mode = 'unordered',
  n = 2000,
  p = 2,
  capacity = 8,
  head = 'source',
  hangAt = 0,
  timeoutMs = 60_000,
  failAfter = 0,
  interval = 0,
  counters,
} = jobParameters<{
  mode?: 'ordered' | 'unordered';
  n?: number;
  p?: number;
  capacity?: number;
  head?: 'source' | 'input';
  hangAt?: number;
  timeoutMs?: number;
  /** Fails once (attempt 0) at this many requests after the first completed checkpoint. */
  failAfter?: number;
  interval?: number;
  /** Int32Array view: [0] requests started, [1] most in flight in one subtask, [2..] in flight per subtask. */
  counters?: SharedArrayBuffer;
}>();

const c = counters ? new Int32Array(counters) : new Int32Array(2 + p);

export interface Enriched {
  x: number;
  y: number;
  subtask: number;
  late: boolean;
}

class SlowService extends RichAsyncFunction<number, Omit<Enriched, 'late'>> implements CheckpointListener {
  private completedCheckpoints = 0;
  private sinceCheckpoint = 0;
  private subtask = 0;
  override open(): void {
    this.subtask = this.getRuntimeContext().getIndexOfThisSubtask();
  }
  notifyCheckpointComplete(): void {
    this.completedCheckpoints++;
  }
  asyncInvoke(x: number, rf: ResultFuture<Omit<Enriched, 'late'>>): Promise<void> {
    Atomics.add(c, 0, 1);
    const now = Atomics.add(c, 2 + this.subtask, 1) + 1;
    let max = Atomics.load(c, 1);
    while (now > max) {
      Atomics.compareExchange(c, 1, max, now);
      max = Atomics.load(c, 1);
    }
    const fail =
      failAfter > 0 && this.getRuntimeContext().getAttemptNumber() === 0 && this.completedCheckpoints > 0 && ++this.sinceCheckpoint === failAfter;
    return new Promise<void>((resolve, reject) => {
      if (x === hangAt) return; // never completes
      setTimeout(() => {
        Atomics.sub(c, 2 + this.subtask, 1);
        if (fail) reject(new Error(`injected failure at ${x}`));
        else {
          rf.complete([{ x, y: x * 2, subtask: this.subtask }]);
          resolve();
        }
      }, (x * 7919) % 7);
    });
  }
}

// small batches and few buffers: under backpressure a checkpoint barrier waits behind little data
const env = StreamEnvironment.create({ parallelism: p, autoWatermarkInterval: 5, batchSize: 32, buffersPerChannel: 2 });
if (interval > 0) {
  env.enableCheckpointing(interval);
  env.setRestartStrategy(RestartStrategies.fixedDelay(2, 0));
}
let input = env
  .fromSequence(1, n)
  .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((x) => x));
if (head === 'input') input = input.rebalance();
const opts = { timeoutMs, capacity };
const enriched = mode === 'ordered' ? AsyncDataStream.orderedWait(input, new SlowService(), opts) : AsyncDataStream.unorderedWait(input, new SlowService(), opts);
await enriched
  .name('enrich')
  .uid('enrich')
  .process({
    processElement(r: Omit<Enriched, 'late'>, ctx, out) {
      out.collect({ ...r, late: ctx.timestamp()! <= ctx.timerService().currentWatermark() });
    },
  })
  .name('check lateness')
  .executeAndCollect('async-io');
