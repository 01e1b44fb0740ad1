// A checkpointed job reading Redis streams (RedisStreamSource) and writing each entry's `value`, unchanged,
// to a Redis stream (exactly-once RedisStreamSink) or to files (FileSink); on the first attempt it can
// fail once after a commit, for the Redis connector and chaos tests.
import { StreamEnvironment, RichMapFunction, RestartStrategies, WatermarkStrategy, jobParameters, type Sink } from 'eddy';
import { commits, countingCommits } from './counting-commits.ts';
import { RedisStreamSource, RedisStreamSink, type RedisStreamStart } from 'eddy/connectors/redis';
import { FileSink } from 'eddy/connectors/file';

const {
  job = 'redis-job',
  url,
  streams,
  start = 'earliest',
  bounded = true,
  p = 2,
  interval = 50,
  fault = 'none',
  failAt = 1_000,
  pace = 0,
  outStream,
  outDir,
  prefix,
  clientName,
  count,
  restarts = 0,
} = jobParameters<{
  job?: string;
  url: string;
  streams: string;
  start?: string;
  bounded?: boolean;
  p?: number;
  interval?: number;
  fault?: string;
  failAt?: number;
  pace?: number;
  outStream?: string;
  outDir?: string;
  prefix?: string;
  clientName?: string;
  count?: number;
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
      const until = performance.now() + 20_000;
      while (performance.now() < until);
    }
    return v;
  }
}

const startOpt: RedisStreamStart = start === 'earliest' || start === 'latest' ? start : { id: String(start) };
const env = StreamEnvironment.create({ parallelism: p });
env.enableCheckpointing(interval);
env.setRestartStrategy(restarts === 0 ? RestartStrategies.noRestart() : RestartStrategies.fixedDelay(restarts, 0));
const sink: Sink<string, unknown, unknown> = outStream
  ? (RedisStreamSink.of<string>({ url, stream: outStream, ...(prefix ? { idPrefix: prefix } : {}) }) as Sink<string, unknown, unknown>)
  : (FileSink.forRowFormat<string>(outDir!).build() as Sink<string, unknown, unknown>);
env
  .fromSource(
    RedisStreamSource.of({ url, streams: String(streams).split(','), start: startOpt, bounded, deserialize: (f) => f.value!, ...(clientName ? { clientName } : {}), ...(count ? { count } : {}) }),
    WatermarkStrategy.noWatermarks<string>(),
    'redis-in',
  )
  .uid('redis-in')
  .map(new Fault())
  .name('fault')
  .uid('fault')
  .sinkTo(countingCommits(sink))
  .uid('out');
await env.execute(job);
