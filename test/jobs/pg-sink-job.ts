// A checkpointed job writing a sequence through the PostgresSink (exactly-once, or `guarantee:
// 'at-least-once'`), with faults injected on the first attempt (an exception after N records, or a worker
// that exits) once a checkpoint has completed, for the connector tests.
import { StreamEnvironment, RichMapFunction, RestartStrategies, jobParameters, type CheckpointListener } from 'eddy';
import { commits, countingCommits } from './counting-commits.ts';
import { PostgresSink } from 'eddy/connectors/postgres';

const { job = 'pg-sink', url, table, prefix, n = 4_000, p = 2, fault = 'none', failAt = 1_500, interval = 30, pace = 1, storage, guarantee = 'exactly-once' } = jobParameters<{
  job?: string;
  url: string;
  table: string;
  prefix: string;
  n?: number;
  p?: number;
  fault?: string;
  failAt?: number;
  interval?: number;
  pace?: number;
  storage?: string;
  guarantee?: 'exactly-once' | 'at-least-once';
}>();


class Fault extends RichMapFunction<number, { id: number; note: string }> implements CheckpointListener {
  private seen = 0;
  private completed = 0;
  notifyCheckpointComplete(): void {
    this.completed++;
  }
  map(v: number): { id: number; note: string } {
    this.seen++;
    if (pace > 0 && this.seen % 100 === 0) {
      const until = performance.now() + pace;
      while (performance.now() < until);
    }
    const rc = this.getRuntimeContext();
    if (rc.getAttemptNumber() === 0 && fault !== 'none' && this.seen >= failAt && (guarantee === 'exactly-once' ? commits.count > 0 : this.completed > 0)) {
      if (rc.getIndexOfThisSubtask() === 0) {
        if (fault === 'throw') throw new Error(`injected failure at record ${this.seen}`);
        if (fault === 'exit') process.exit(7);
      }
      // The other subtasks wait here until the failure stops the attempt, so that none reaches the end of
      // its input (where a sink commits everything at once) before it.
      const until = performance.now() + 20_000;
      while (performance.now() < until);
    }
    return { id: v, note: `attempt ${rc.getAttemptNumber()}` };
  }
}

const env = StreamEnvironment.create({ parallelism: p });
env.enableCheckpointing(interval, storage ? { storage } : {});
env.setRestartStrategy(RestartStrategies.fixedDelay(3, 0));
env
  .fromSequence(1, n)
  .map(new Fault())
  .name('fault')
  .sinkTo(countingCommits(PostgresSink.builder<{ id: number; note: string }>({ connectionString: url, table, columns: ['id', 'note'], batchSize: 200, transactionIdPrefix: prefix, deliveryGuarantee: guarantee }).build()))
  .uid('pg-sink');
await env.execute(job);
