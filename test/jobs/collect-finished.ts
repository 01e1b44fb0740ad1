// A two-phase sink across a restore from a checkpoint taken after one subtask finished: subtask 1 reads its
// 1000 numbers at once and finishes; subtask 0 reads slowly (checkpoints complete meanwhile, with subtask 1
// finished) and fails once at record 700. Output: executeAndCollect(), or the PostgresSink with `url`+`table`.
import { StreamEnvironment, RichMapFunction, RestartStrategies, jobParameters } from 'eddy';
import { PostgresSink } from 'eddy/connectors/postgres';

const { url = '', table = '' } = jobParameters<{ url?: string; table?: string }>();

class SlowThenFail extends RichMapFunction<number, number> {
  map(v: number): number {
    const rc = this.getRuntimeContext();
    if (rc.getIndexOfThisSubtask() === 0) {
      const until = performance.now() + 2;
      while (performance.now() < until);
      if (v === 700 && rc.getAttemptNumber() === 0) throw new Error('planned failure at 700');
    }
    return v;
  }
}

const env = StreamEnvironment.create({ parallelism: 2 });
env.enableCheckpointing(20);
env.setRestartStrategy(RestartStrategies.fixedDelay(1, 0));
const numbers = env.fromSequence(1, 2000).map(new SlowThenFail()).name('slow');
if (url) {
  numbers.map((id) => ({ id })).sinkTo(PostgresSink.builder<{ id: number }>({ connectionString: url, table, columns: ['id'], batchSize: 100, transactionIdPrefix: table }).build());
  await env.execute('pg-finished');
} else await numbers.executeAndCollect('collect-finished');
