// Keyed running sums over a slow sequence, for savepoint and rescaling tests. Operators have uids,
// so a savepoint restores into the same job at another parallelism.
import { StreamEnvironment, jobParameters } from 'eddy';

const { n = 12_000, p = 2, interval = 100, pace = 0.6 } = jobParameters<{ n?: number; p?: number; interval?: number; pace?: number }>();
const env = StreamEnvironment.create({ parallelism: p });
env.enableCheckpointing(interval);
await env
  .fromSequence(1, n)
  .uid('numbers')
  .map((v) => {
    const until = performance.now() + pace; // slow enough to stop it half-way
    while (performance.now() < until);
    return { key: v % 13, v };
  })
  .uid('pairs')
  .keyBy((r) => r.key)
  .sum('v')
  .uid('sums')
  .executeAndCollect('savepoint-job');
