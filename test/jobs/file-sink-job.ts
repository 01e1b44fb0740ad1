// A checkpointed job writing a sequence through the exactly-once FileSink, with faults injected on the
// first attempt (an exception after N records, or a worker that exits), for the file connector tests.
import { StreamEnvironment, RichMapFunction, RestartStrategies, jobParameters } from 'eddy';
import { commits, countingCommits } from './counting-commits.ts';
import { FileSink } from 'eddy/connectors/file';

const { dir, n = 6_000, p = 2, fault = 'none', failAt = 2_000, interval = 30, pace = 1, maxRecords = 500 } = jobParameters<{
  dir: string;
  n?: number;
  p?: number;
  fault?: string;
  failAt?: number;
  interval?: number;
  pace?: number;
  maxRecords?: number;
}>();


class Fault extends RichMapFunction<number, string | { v: number }> {
  private seen = 0;
  map(v: number): string | { v: number } {
    this.seen++;
    if (pace > 0 && this.seen % 100 === 0) {
      const until = performance.now() + pace;
      while (performance.now() < until);
    }
    const rc = this.getRuntimeContext();
    if (rc.getAttemptNumber() === 0 && fault !== 'none' && this.seen >= failAt && commits.count > 0) {
      if (rc.getIndexOfThisSubtask() === 0) {
        if (fault === 'throw') throw new Error(`injected failure at record ${this.seen}`);
        if (fault === 'exit') process.exit(7);
      }
      // The other subtasks wait here until the failure stops the attempt, so that none reaches the end of
      // its input (where a sink commits everything at once) before it.
      const until = performance.now() + 20_000;
      while (performance.now() < until);
    }
    return v % 2 === 0 ? `line ${v}` : { v };
  }
}

const env = StreamEnvironment.create({ parallelism: p });
env.enableCheckpointing(interval);
env.setRestartStrategy(RestartStrategies.fixedDelay(3, 0));
env
  .fromSequence(1, n)
  .map(new Fault())
  .name('fault')
  .sinkTo(countingCommits(FileSink.forRowFormat<string | { v: number }>(dir).withMaxRecordsPerPart(maxRecords).withPartSuffix('.txt').build()))
  .uid('file-sink');
await env.execute('file-sink');
