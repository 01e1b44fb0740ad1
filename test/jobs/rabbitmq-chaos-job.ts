// RabbitMQSource (deduplicating by message id, ends at the body 'END') → a map that burns `pace` ms per
// 100 messages → the exactly-once FileSink, checkpoint every `interval` ms, for the SIGKILL chaos test.
import { StreamEnvironment, RestartStrategies, WatermarkStrategy, jobParameters } from 'eddy';
import { RabbitMQSource } from 'eddy/connectors/rabbitmq';
import { FileSink } from 'eddy/connectors/file';

const { url, queue, outDir, interval = 100, pace = 0, prefetch = 2_000 } = jobParameters<{ url: string; queue: string; outDir: string; interval?: number; pace?: number; prefetch?: number }>();

let seen = 0;
const env = StreamEnvironment.create({ parallelism: 1 });
env.enableCheckpointing(interval);
env.setRestartStrategy(RestartStrategies.fixedDelay(3, 200));
env
  .fromSource(RabbitMQSource.of({ url, queue, prefetch, isEndOfStream: (v: string) => v === 'END' }), WatermarkStrategy.noWatermarks<string>(), 'rmq')
  .uid('rmq')
  .map((v: string) => {
    if (pace > 0 && ++seen % 100 === 0) {
      const until = performance.now() + pace;
      while (performance.now() < until);
    }
    return v;
  })
  .uid('pace')
  .sinkTo(FileSink.forRowFormat<string>(outDir).build())
  .uid('out');
await env.execute('rabbitmq-chaos');
