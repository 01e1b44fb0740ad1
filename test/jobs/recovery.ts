// A stateful job for recovery tests: keyed running sums over a sequence, checkpointed, with faults
// injected on the first attempt (an exception after N records, or a worker that dies).
import { StreamEnvironment, RichMapFunction, RestartStrategies, jobParameters, type CheckpointListener } from 'eddy';

const { n = 20_000, p = 2, fault = 'none', failAt = 7_000, interval = 50, backend = 'heap', pace = 0 } = jobParameters<{
  n?: number;
  p?: number;
  fault?: string;
  failAt?: number;
  interval?: number;
  backend?: 'heap' | 'lmdb';
  pace?: number;
}>();

/** Fails once, on the first attempt: at the first record from `failAt` on that comes after a completed checkpoint. */
class Fault extends RichMapFunction<number, number> implements CheckpointListener {
  private seen = 0;
  private completed = 0;
  private failed = false;
  notifyCheckpointComplete(): void {
    this.completed++;
  }
  map(v: number): number {
    this.seen++;
    if (pace > 0 && this.seen % 100 === 0) {
      const until = performance.now() + pace;
      while (performance.now() < until);
    }
    if (fault === 'always' && this.seen === failAt) throw new Error(`injected failure at record ${this.seen}`);
    // Tests expect a restart from a checkpoint: wait for one (a busy machine may complete none by failAt).
    if (!this.failed && this.getRuntimeContext().getAttemptNumber() === 0 && this.seen >= failAt && this.completed > 0 && this.getRuntimeContext().getIndexOfThisSubtask() === 0) {
      this.failed = true;
      if (fault === 'throw') throw new Error(`injected failure at record ${this.seen}`);
      if (fault === 'exit') process.exit(7);
    }
    return v;
  }
}

const env = StreamEnvironment.create({ parallelism: p, stateBackend: backend });
env.enableCheckpointing(interval);
env.setRestartStrategy(RestartStrategies.fixedDelay(3, 0));
await env
  .fromSequence(1, n)
  .map(new Fault())
  .name('fault')
  .keyBy((v) => v % 7)
  .map((v) => ({ key: v % 7, v }))
  .keyBy((r) => r.key)
  .sum('v')
  .uid('sums')
  .executeAndCollect('recovery');
