// Jobs that fail in the ways a user's job can: an exception in a user function, a record that
// cannot cross threads, a key selector returning undefined.
import { StreamEnvironment, jobParameters } from 'eddy';

const { mode = 'throw', p = 2 } = jobParameters<{ mode?: string; p?: number }>();
const env = StreamEnvironment.create({ parallelism: p });
const src = env.fromSequence(1, 5000);

class Money {
  constructor(readonly cents: number) {}
}

function explode(v: number): number {
  if (v === 1234) throw new RangeError(`bad value ${v}`);
  return v;
}

switch (mode) {
  case 'throw':
    await src.map(explode).name('explode').executeAndCollect('fails');
    break;
  case 'class-instance':
    await src.map((v) => new Money(v)).name('to money').rebalance().map((m) => m.cents).executeAndCollect('fails');
    break;
  case 'function':
    await src.map((v) => ({ v, f: () => v })).name('with function').rebalance().executeAndCollect('fails');
    break;
  case 'undefined-key':
    await src.keyBy((v) => (v === 77 ? undefined : v % 5)).sum().name('sum by key').executeAndCollect('fails');
    break;
  case 'bad-timestamp':
    await src
      .assignTimestampsAndWatermarks(
        (await import('eddy')).WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((v) => (v === 10 ? Number.NaN : v)),
      )
      .name('stamps')
      .executeAndCollect('fails');
    break;
  case 'exit':
    await src.map((v) => (v === 100 ? process.exit(3) : v)).name('exits').executeAndCollect('fails');
    break;
}
