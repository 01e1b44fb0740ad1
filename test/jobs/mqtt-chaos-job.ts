// MqttSource (persistent session `clientId`, ends at the payload 'END') → a map that burns `pace` ms per
// 100 messages → the exactly-once FileSink, checkpoint every `interval` ms, for the SIGKILL chaos test.
import { StreamEnvironment, RestartStrategies, WatermarkStrategy, jobParameters } from 'eddy';
import { MqttSource } from 'eddy/connectors/mqtt';
import { FileSink } from 'eddy/connectors/file';

const { url, topic, clientId, outDir, interval = 100, pace = 0 } = jobParameters<{ url: string; topic: string; clientId: string; outDir: string; interval?: number; pace?: number }>();

let seen = 0;
const env = StreamEnvironment.create({ parallelism: 1 });
env.enableCheckpointing(interval);
env.setRestartStrategy(RestartStrategies.fixedDelay(3, 200));
env
  .fromSource(MqttSource.of({ url, topics: topic, clientId, isEndOfStream: (v: string) => v === 'END' }), WatermarkStrategy.noWatermarks<string>(), 'mqtt')
  .uid('mqtt')
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
await env.execute('mqtt-chaos');
