// Subtask 1 reaches the end of its input long before subtask 0 fails: its sink must not commit its final
// data until the whole job has finished, or the restart duplicates it (FLIP-147's problem).
import { StreamEnvironment, RichMapFunction, RestartStrategies, jobParameters } from 'eddy';
import { FileSink } from 'eddy/connectors/file';

const { dir, n = 4000 } = jobParameters<{ dir: string; n?: number }>();

class SlowThenFail extends RichMapFunction<number, string> {
  private seen = 0;
  map(v: number): string {
    const rc = this.getRuntimeContext();
    if (rc.getIndexOfThisSubtask() === 0) {
      this.seen++;
      const until = performance.now() + 0.5;
      while (performance.now() < until);
      if (rc.getAttemptNumber() === 0 && this.seen === n / 2 - 100) throw new Error('late failure of subtask 0');
    }
    return String(v);
  }
}

const env = StreamEnvironment.create({ parallelism: 2 });
env.enableCheckpointing(100);
env.setRestartStrategy(RestartStrategies.fixedDelay(2, 0));
env.fromSequence(1, n).map(new SlowThenFail()).sinkTo(FileSink.forRowFormat<string>(dir).build());
await env.execute('final-commit');
