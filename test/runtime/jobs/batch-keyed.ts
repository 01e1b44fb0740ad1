// Keyed jobs whose head operators take whole batches (rolling aggregates, keyed process functions):
// results, and failures that must name the record. Parameters: case, p, n.
import { StreamEnvironment, KeyedProcessFunction, ValueStateDescriptor, jobParameters, type Collector, type KeyedProcessContext, type ValueState } from 'eddy';

const { case: c = 'sum', p = 2, n = 20_000 } = jobParameters<{ case?: string; p?: number; n?: number }>();
const env = StreamEnvironment.create({ parallelism: p });
const src = env.fromSequence(1, n);

/** Counts per key with a ValueState, emits `key:count`; throws on the record `v === 777` in case 'process-throw'. */
class CountPerKey extends KeyedProcessFunction<number, number, string> {
  private count!: ValueState<number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count'));
  }
  processElement(v: number, _ctx: KeyedProcessContext<number>, out: Collector<string>): void {
    if (c === 'process-throw' && v === 777) throw new RangeError(`cannot count ${v}`);
    const k = v % 10;
    const next = (this.count.value() ?? 0) + 1;
    this.count.update(next);
    out.collect(`${k}:${next}`);
  }
}

switch (c) {
  case 'sum':
    await src.map((v) => ({ k: v % 7, x: v })).keyBy((r) => r.k).sum('x').name('sum x').executeAndCollect('batch-sum');
    break;
  case 'reduce':
    await src
      .map((v) => ({ k: `k${v % 5}`, x: v }))
      .keyBy((r) => r.k)
      .reduce((a, b) => ({ k: a.k, x: a.x + b.x }))
      .name('reduce')
      .executeAndCollect('batch-reduce');
    break;
  case 'sum-throw':
    // the value 4321 has a string field; at parallelism 1 it is record #4321 of the aggregate's input
    await src
      .map((v) => (v === 4321 ? { k: v % 7, x: 'oops' } : { k: v % 7, x: v }))
      .keyBy((r) => r.k)
      .sum('x' as never)
      .name('sum x')
      .executeAndCollect('batch-sum-throw');
    break;
  case 'process':
  case 'process-throw':
    await src.keyBy((v) => v % 10).process(new CountPerKey()).name('count per key').executeAndCollect('batch-process');
    break;
}
