// How long a checkpoint stops a task: a keyed job with `keys` distinct keys (default 1 M) in ValueState,
// checkpointed every `interval` ms. Run with EDDY_DEBUG_CHECKPOINTS=1: each task logs the synchronous part
// of every checkpoint (capture at the barrier) and the longest encoding slice (asynchronous part).
//   EDDY_DEBUG_CHECKPOINTS=1 node bin/eddy.mjs run bench/checkpoint-pause-job.ts n=4000000 2>&1 | grep -E 'synchronous|longest'
import { StreamEnvironment, KeyedProcessFunction, ValueStateDescriptor, jobParameters, type ValueState, type Sink } from 'eddy';

const { n = 4_000_000, keys = 1_000_000, interval = 1000, backend = 'heap' } = jobParameters<{ n?: number; keys?: number; interval?: number; backend?: 'heap' | 'lmdb' }>();

class CountPerKey extends KeyedProcessFunction<number, number, number> {
  private count!: ValueState<number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count'));
  }
  processElement(_v: number): void {
    this.count.update((this.count.value() ?? 0) + 1);
  }
}

const discard: Sink<number> = { name: 'Discard', createWriter: () => ({ write() {}, flush() {}, close() {} }) };
const env = StreamEnvironment.create({ parallelism: 1, stateBackend: backend });
env.enableCheckpointing(interval);
env.fromSequence(1, n).keyBy((v) => v % keys).process(new CountPerKey()).name('count per key').sinkTo(discard);
await env.execute('checkpoint-pause');
