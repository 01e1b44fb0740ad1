// RabbitMQSource (deduplicating by message id, ends at the body 'END') → a map that burns `pace` ms per
// 100 messages → the exactly-once FileSink (paced-to-files.ts), checkpoint every `interval` ms, for the SIGKILL chaos test.
import { StreamEnvironment, RestartStrategies, WatermarkStrategy, jobParameters } from 'eddy';
import { RabbitMQSource } from 'eddy/connectors/rabbitmq';
import { pacedToFiles } from './paced-to-files.ts';

const { url, queue, outDir, interval = 100, pace = 0, prefetch = 2_000 } = jobParameters<{ url: string; queue: string; outDir: string; interval?: number; pace?: number; prefetch?: number }>();

const env = StreamEnvironment.create({ parallelism: 1 });
env.enableCheckpointing(interval);
env.setRestartStrategy(RestartStrategies.fixedDelay(3, 200));
pacedToFiles(
  env.fromSource(RabbitMQSource.of({ url, queue, prefetch, isEndOfStream: (v: string) => v === 'END' }), WatermarkStrategy.noWatermarks<string>(), 'rmq').uid('rmq'),
  pace,
  outDir,
);
await env.execute('rabbitmq-chaos');
