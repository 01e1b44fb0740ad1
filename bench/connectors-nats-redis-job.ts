// Benchmark job for bench/connectors-nats-redis.ts: `mode=nats-source|redis-source` reads a bounded
// stream into a sink that only counts; `mode=nats-sink|redis-sink` writes n strings through the
// exactly-once sink (checkpoint every `interval` ms).
import { StreamEnvironment, WatermarkStrategy, jobParameters, type Sink } from 'eddy';
import { JetStreamSource, JetStreamSink } from 'eddy/connectors/nats';
import { RedisStreamSource, RedisStreamSink } from 'eddy/connectors/redis';

const { mode, servers, url, stream, subject, n = 0, interval = 1000 } = jobParameters<{ mode: string; servers: string; url: string; stream: string; subject: string; n?: number; interval?: number }>();

const discard: Sink<unknown> = { name: 'Discard', createWriter: () => ({ write() {}, flush() {}, close() {} }) };
const env = StreamEnvironment.create({ parallelism: 1 });
env.enableCheckpointing(interval);
if (mode === 'nats-source') env.fromSource(JetStreamSource.of({ servers, stream, bounded: true }), WatermarkStrategy.noWatermarks(), 'in').sinkTo(discard);
else if (mode === 'redis-source') env.fromSource(RedisStreamSource.of({ url, streams: [stream], bounded: true }), WatermarkStrategy.noWatermarks(), 'in').sinkTo(discard);
else if (mode === 'nats-sink') env.fromSequence(1, n).map((i) => `payload-${i}`).sinkTo(JetStreamSink.of<string>({ servers, subject }));
else if (mode === 'redis-sink') env.fromSequence(1, n).map((i) => `payload-${i}`).sinkTo(RedisStreamSink.of<string>({ url, stream }));
else throw new Error(`unknown mode ${mode}`);
await env.execute(`bench-${mode}`);
