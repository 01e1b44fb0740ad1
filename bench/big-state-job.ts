// A job with N distinct keys (default 20 M), each keeping a count in ValueState: with the lmdb backend
// it holds state larger than the heap. Run with a capped heap (each worker gets the same cap):
//   node --max-old-space-size=512 bin/eddy.mjs run bench/big-state-job.ts --state-backend lmdb n=20000000
import { StreamEnvironment, KeyedProcessFunction, ValueStateDescriptor, jobParameters, type ValueState, type Sink } from 'eddy';

const { n = 20_000_000 } = jobParameters<{ n?: number }>();

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
env.fromSequence(1, n).keyBy((v) => v).process(new CountPerKey()).name('count per key').sinkTo(discard);
await env.execute('big-state');
