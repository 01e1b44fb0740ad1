// A job for incremental-checkpoint tests: a build phase touches `keys` distinct keys once each, then a hot
// phase updates only `hot` of them; a keyed running sum per key (lmdb, incremental checkpoints). Fails on
// its first attempt at `failAt` with `fault` (throw | exit), or on every attempt with `fault=always`.
import { StreamEnvironment, KeyedProcessFunction, RichMapFunction, ValueStateDescriptor, RestartStrategies, jobParameters, type Collector, type KeyedProcessContext, type ValueState } from 'eddy';

const {
  keys = 20_000,
  hot = 50,
  n = 40_000,
  p = 2,
  fault = 'none',
  failAt = 0,
  pace = 0,
  interval = 40,
  backend = 'lmdb' as 'heap' | 'lmdb',
  minBytes = 64 * 1024,
  restarts = 3,
  inc = true,
} = jobParameters<{ keys?: number; hot?: number; n?: number; p?: number; fault?: string; failAt?: number; pace?: number; interval?: number; backend?: 'heap' | 'lmdb'; minBytes?: number; restarts?: number; inc?: boolean }>();

/** Record i (1-based) → its key: distinct keys first, then the hot keys over and over. */
export const keyOf = (i: number, k = keys, h = hot) => (i <= k ? i : ((i - k) % h) + 1);

// The fault sits before the keyed operator: a worker that calls process.exit() inside an lmdb write
// transaction (the keyed operator's batch) never finishes exiting (lmdb-js), so faults are injected here.
class Fault extends RichMapFunction<number, number> {
  map(i: number): number {
    if (failAt > 0 && i === failAt && (fault === 'always' || this.getRuntimeContext().getAttemptNumber() === 0)) {
      if (fault === 'exit') process.exit(7);
      throw new Error(`injected failure at record ${i}`);
    }
    return i;
  }
}

class RunningSum extends KeyedProcessFunction<number, number, { key: number; sum: number }> {
  private state!: ValueState<number>;
  private seen = 0;
  override open(): void {
    this.state = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('sum'));
  }
  processElement(i: number, _ctx: KeyedProcessContext<number>, out: Collector<{ key: number; sum: number }>): void {
    this.seen++;
    if (pace > 0 && i > keys && this.seen % 100 === 0) {
      const until = performance.now() + pace;
      while (performance.now() < until);
    }
    const s = (this.state.value() ?? 0) + i;
    this.state.update(s);
    out.collect({ key: keyOf(i), sum: s });
  }
}

// small buffers: barriers do not queue behind seconds of paced records
const env = StreamEnvironment.create({ parallelism: p, stateBackend: backend, batchSize: 64, buffersPerChannel: 2, incrementalCheckpoints: inc ? { minMaterializeBytes: minBytes, maxDeltas: 8 } : false });
env.enableCheckpointing(interval, { retained: 3 }); // after the end: the final checkpoint and the two before it
env.setRestartStrategy(restarts > 0 ? RestartStrategies.fixedDelay(restarts, 0) : RestartStrategies.noRestart());
await env
  .fromSequence(1, n)
  .map(new Fault())
  .name('fault')
  .keyBy((i) => keyOf(i))
  .process(new RunningSum())
  .uid('sums')
  .executeAndCollect('incremental');
