// MqttSource (persistent session `clientId`, ends at the payload 'END') → a map that burns `pace` ms per
// 100 messages → the exactly-once FileSink (paced-to-files.ts), checkpoint every `interval` ms, for the SIGKILL chaos test.
import { StreamEnvironment, RestartStrategies, WatermarkStrategy, jobParameters } from 'eddy';
import { MqttSource } from 'eddy/connectors/mqtt';
import { pacedToFiles } from './paced-to-files.ts';

const { url, topic, clientId, outDir, interval = 100, pace = 0 } = jobParameters<{ url: string; topic: string; clientId: string; outDir: string; interval?: number; pace?: number }>();

const env = StreamEnvironment.create({ parallelism: 1 });
env.enableCheckpointing(interval);
env.setRestartStrategy(RestartStrategies.fixedDelay(3, 200));
pacedToFiles(
  env.fromSource(MqttSource.of({ url, topics: topic, clientId, isEndOfStream: (v: string) => v === 'END' }), WatermarkStrategy.noWatermarks<string>(), 'mqtt').uid('mqtt'),
  pace,
  outDir,
);
await env.execute('mqtt-chaos');
