// MQTT jobs for the connector tests. mode 'source': MqttSource (ends at the payload 'END') → collected.
// mode 'sink': a sequence → MqttSink.
import { StreamEnvironment, WatermarkStrategy, jobParameters } from 'eddy';
import { MqttSink, MqttSource } from 'eddy/connectors/mqtt';

const { mode = 'source', url, topic, clientId = 'eddy-test', n = 100, interval = 50 } = jobParameters<{
  mode?: string;
  url: string;
  topic: string;
  clientId?: string;
  n?: number;
  interval?: number;
}>();

const env = StreamEnvironment.create({ parallelism: 1 });
if (interval > 0) env.enableCheckpointing(interval);
if (mode === 'sink') {
  env
    .fromSequence(1, n)
    .map((i) => `m${i}`)
    .sinkTo(MqttSink.of<string>({ url, topic, batchSize: 64 }))
    .uid('mqtt-sink');
  await env.execute('mqtt-sink-job');
} else {
  await env
    .fromSource(MqttSource.of({ url, topics: topic, clientId, isEndOfStream: (v: string) => v === 'END' }), WatermarkStrategy.noWatermarks<string>(), 'mqtt')
    .uid('mqtt')
    .executeAndCollect('mqtt-source-job');
}
