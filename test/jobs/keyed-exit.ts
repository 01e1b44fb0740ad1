// A job whose keyed function calls process.exit() from inside the keyed operator's batch (with the lmdb
// backend: inside an open lmdb write transaction), once, on the first attempt, after `failAt` records and
// a completed checkpoint. Keyed running counts per key, collected; the test checks exactly-once output.
import { StreamEnvironment, KeyedProcessFunction, ValueStateDescriptor, RestartStrategies, jobParameters, type CheckpointListener, type Collector, type KeyedProcessContext, type ValueState } from 'eddy';

const { n = 20_000, p = 2, failAt = 3_000, interval = 50, backend = 'lmdb', inc = false, pace = 10, code = 7, keys = 64 } = jobParameters<{
  keys?: number;
  n?: number;
  p?: number;
  failAt?: number;
  interval?: number;
  backend?: 'heap' | 'lmdb';
  inc?: boolean;
  pace?: number;
  code?: number;
}>();

class ExitingCount extends KeyedProcessFunction<number, number, { key: number; count: number; v: number }> implements CheckpointListener {
  private count!: ValueState<number>;
  private seen = 0;
  private completed = 0;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', { defaultValue: 0 }));
  }
  notifyCheckpointComplete(): void {
    this.completed++;
  }
  processElement(v: number, ctx: KeyedProcessContext<number>, out: Collector<{ key: number; count: number; v: number }>): void {
    this.seen++;
    if (pace > 0 && this.seen % 100 === 0) {
      const until = performance.now() + pace;
      while (performance.now() < until);
    }
    const c = this.count.value()! + 1;
    this.count.update(c);
    const rc = this.getRuntimeContext();
    if (rc.getAttemptNumber() === 0 && rc.getIndexOfThisSubtask() === 0 && this.seen >= failAt && this.completed > 0) process.exit(code);
    out.collect({ key: ctx.getCurrentKey(), count: c, v });
  }
}

const env = StreamEnvironment.create({ parallelism: p, stateBackend: backend, incrementalCheckpoints: inc });
env.enableCheckpointing(interval);
env.setRestartStrategy(RestartStrategies.fixedDelay(3, 0));
await env
  .fromSequence(1, n)
  .keyBy((v) => v % keys)
  .process(new ExitingCount())
  .uid('counts')
  .executeAndCollect('keyed-exit');
