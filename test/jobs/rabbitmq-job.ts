// RabbitMQ jobs for the connector tests. mode 'source': RabbitMQSource (ends at the body 'END') → a map
// that can fail once after a completed checkpoint → collected. mode 'sink': a sequence → the same map
// (for `pace`) → RabbitMQSink.
import { StreamEnvironment, RichMapFunction, RestartStrategies, WatermarkStrategy, jobParameters, type CheckpointListener } from 'eddy';
import { RabbitMQSink, RabbitMQSource } from 'eddy/connectors/rabbitmq';

const { mode = 'source', url, queue, p = 1, n = 100, fault = 'none', failAt = 0, interval = 50, dedupe = true, pace = 0, prefetch = 50 } = jobParameters<{
  mode?: string;
  url: string;
  queue: string;
  p?: number;
  n?: number;
  fault?: string;
  failAt?: number;
  interval?: number;
  dedupe?: boolean;
  pace?: number;
  prefetch?: number;
}>();

class Fault extends RichMapFunction<string, string> implements CheckpointListener {
  private seen = 0;
  private completed = 0;
  map(v: string): string {
    this.seen++;
    if (pace > 0) {
      const until = performance.now() + pace;
      while (performance.now() < until);
    }
    if (fault === 'throw' && this.getRuntimeContext().getAttemptNumber() === 0 && this.seen > failAt && this.completed > 0)
      throw new Error(`injected failure after ${this.seen - 1} messages`);
    return v;
  }
  notifyCheckpointComplete(): void {
    this.completed++;
  }
}

const env = StreamEnvironment.create({ parallelism: p });
if (interval > 0) env.enableCheckpointing(interval);
env.setRestartStrategy(RestartStrategies.fixedDelay(2, 0));
if (mode === 'sink') {
  env
    .fromSequence(1, n)
    .map((i) => `m${i}`)
    .map(new Fault())
    .sinkTo(RabbitMQSink.of<string>({ url, routingKey: queue, messageId: (v) => v, batchSize: 64 }))
    .uid('rmq-sink');
  await env.execute('rabbitmq-sink-job');
} else {
  const out = await env
    .fromSource(RabbitMQSource.of({ url, queue, deduplicate: dedupe, prefetch, isEndOfStream: (v: string) => v === 'END' }), WatermarkStrategy.noWatermarks<string>(), 'rmq')
    .uid('rmq')
    .map(new Fault())
    .name('fault')
    .executeAndCollect('rabbitmq-source-job');
  if (process.env.EDDY_JOB_PRINT) console.log(out.length);
}
