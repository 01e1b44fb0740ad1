// A checkpointed job reading a JetStream stream (JetStreamSource) and writing each payload, unchanged,
// to a JetStream subject (exactly-once JetStreamSink) or to files (FileSink); on the first attempt it can
// fail once after a commit, for the NATS connector and chaos tests.
import { StreamEnvironment, RichMapFunction, RestartStrategies, WatermarkStrategy, jobParameters, type Sink } from 'eddy';
import { commits, countingCommits } from './counting-commits.ts';
import { JetStreamSource, JetStreamSink, type JetStreamStart } from 'eddy/connectors/nats';
import { FileSink } from 'eddy/connectors/file';

const {
  job = 'nats-job',
  servers,
  stream,
  subjects,
  start = 'earliest',
  bounded = true,
  p = 2,
  interval = 50,
  fault = 'none',
  failAt = 1_000,
  pace = 0,
  outSubject,
  outDir,
  minWindow,
  restarts = 0,
} = jobParameters<{
  job?: string;
  servers: string;
  stream: string;
  subjects?: string;
  start?: string | number;
  bounded?: boolean;
  p?: number;
  interval?: number;
  fault?: string;
  failAt?: number;
  pace?: number;
  outSubject?: string;
  outDir?: string;
  minWindow?: number;
  restarts?: number;
}>();


class Fault extends RichMapFunction<string, string> {
  private seen = 0;
  map(v: string): string {
    this.seen++;
    if (pace > 0 && this.seen % 100 === 0) {
      const until = performance.now() + pace;
      while (performance.now() < until);
    }
    const rc = this.getRuntimeContext();
    if (rc.getAttemptNumber() === 0 && fault === 'throw' && this.seen >= failAt && commits.count > 0) {
      if (rc.getIndexOfThisSubtask() === 0) throw new Error(`injected failure at record ${this.seen}`);
      // the other subtasks wait for the failure, so none reaches its end of input before it
      const until = performance.now() + 20_000;
      while (performance.now() < until);
    }
    return v;
  }
}

const startOpt: JetStreamStart = typeof start === 'number' ? { sequence: start } : (start as 'earliest' | 'latest');
const env = StreamEnvironment.create({ parallelism: p });
env.enableCheckpointing(interval);
env.setRestartStrategy(restarts === 0 ? RestartStrategies.noRestart() : RestartStrategies.fixedDelay(restarts, 0));
const sink: Sink<string, unknown, unknown> = outSubject
  ? (JetStreamSink.of<string>({ servers, subject: outSubject, ...(minWindow !== undefined ? { minDuplicateWindowMs: minWindow } : {}) }) as Sink<string, unknown, unknown>)
  : (FileSink.forRowFormat<string>(outDir!).build() as Sink<string, unknown, unknown>);
env
  .fromSource(
    JetStreamSource.of({ servers, stream, start: startOpt, bounded, ...(subjects ? { subjects: String(subjects).split(',') } : {}) }),
    WatermarkStrategy.noWatermarks<string>(),
    'nats-in',
  )
  .uid('nats-in')
  .map(new Fault())
  .name('fault')
  .uid('fault')
  .sinkTo(countingCommits(sink))
  .uid('out');
await env.execute(job);
