// A backpressured job for unaligned-checkpoint tests: a fast source (two subtasks) feeds a slow keyed
// operator through a keyed shuffle, so every downstream subtask has two input channels to align and their
// queues are full. Each output row carries the key's running sum, so a replayed or lost record shows as an
// inconsistent sum. Faults: an exception in the slow operator after `failAt` records (first attempt only).
import { StreamEnvironment, KeyedProcessFunction, ValueStateDescriptor, RestartStrategies, jobParameters } from 'eddy';
import type { Collector, KeyedProcessContext, ValueState } from 'eddy';

const {
  n = 20_000,
  p = 2,
  keys = 13,
  slowUs = 30,
  failAt = 0,
  interval = 40,
  unaligned,
  alignedTimeoutMs,
  backend = 'heap',
  batchSize = 64,
  buffers = 4,
} = jobParameters<{
  n?: number;
  p?: number;
  keys?: number;
  slowUs?: number;
  failAt?: number;
  interval?: number;
  unaligned?: boolean;
  alignedTimeoutMs?: number;
  backend?: 'heap' | 'lmdb';
  batchSize?: number;
  buffers?: number;
}>();

type Row = { key: number; v: number; sum: number };

class SlowSum extends KeyedProcessFunction<number, number, Row> {
  private seen = 0;
  private sum!: ValueState<number>;
  override open(): void {
    this.sum = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('sum', { defaultValue: 0 }));
  }
  processElement(v: number, _ctx: KeyedProcessContext<number>, out: Collector<Row>): void {
    this.seen++;
    const until = performance.now() + slowUs / 1000;
    while (performance.now() < until);
    const rc = this.getRuntimeContext();
    if (failAt > 0 && rc.getAttemptNumber() === 0 && rc.getIndexOfThisSubtask() === 0 && this.seen === failAt) throw new Error(`injected failure at record ${this.seen}`);
    const s = this.sum.value()! + v;
    this.sum.update(s);
    out.collect({ key: v % keys, v, sum: s });
  }
}

const env = StreamEnvironment.create({ parallelism: p, stateBackend: backend, batchSize, buffersPerChannel: buffers });
const opts: Record<string, unknown> = { retained: 1000, tolerableFailures: 1000 };
if (unaligned !== undefined) opts.unaligned = unaligned;
if (alignedTimeoutMs !== undefined) opts.alignedTimeoutMs = alignedTimeoutMs;
env.enableCheckpointing(interval, opts);
env.setRestartStrategy(RestartStrategies.fixedDelay(3, 0));
await env
  .fromSequence(1, n)
  .map((v) => v)
  .name('numbers')
  .keyBy((v) => v % keys)
  .process(new SlowSum())
  .uid('slow-sum')
  .name('slow-sum')
  .executeAndCollect('unaligned');
