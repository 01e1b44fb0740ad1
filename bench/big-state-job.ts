// A job with `keys` distinct keys (default: one per record, n = 20 M), each keeping a count in ValueState.
// - State larger than the heap (lmdb). Run with a capped heap (each worker gets the same cap):
//   node --max-old-space-size=512 bin/eddy.mjs run bench/big-state-job.ts --state-backend lmdb n=20000000
// - How long a checkpoint stops a task (`interval` > 0 checkpoints every `interval` ms). With
//   EDDY_DEBUG_CHECKPOINTS=1 each task logs the synchronous part of every checkpoint (capture at the barrier)
//   and the longest encoding slice (asynchronous part):
//   EDDY_DEBUG_CHECKPOINTS=1 node bin/eddy.mjs run bench/big-state-job.ts n=4000000 keys=1000000 interval=1000 2>&1 | grep -E 'synchronous|longest'
import { StreamEnvironment, KeyedProcessFunction, ValueStateDescriptor, jobParameters, type ValueState, type Sink } from 'eddy';

const { n = 20_000_000, keys = 0, interval = 0 } = jobParameters<{ n?: number; keys?: number; interval?: number }>();

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
const env = StreamEnvironment.create({ parallelism: 1 });
if (interval > 0) env.enableCheckpointing(interval);
env
  .fromSequence(1, n)
  .keyBy((v) => (keys > 0 ? v % keys : v))
  .process(new CountPerKey())
  .name('count per key')
  .sinkTo(discard);
await env.execute('big-state');
