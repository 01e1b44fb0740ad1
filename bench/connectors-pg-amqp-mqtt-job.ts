// Benchmark job for bench/connectors-pg-amqp-mqtt.ts, parallelism 1, checkpoint every `interval` ms.
// Sources read into a sink that only counts: `pg-table` (PostgresTableSource), `amqp-source`
// (RabbitMQSource, ends at 'END'), `mqtt-source` (MqttSource, ends at 'END'; writes `readyFile` at its
// first message, so the benchmark knows it is subscribed). Sinks write n records: `pg-sink`
// (PostgresSink, exactly-once unless `guarantee`), `amqp-sink` (RabbitMQSink, transient messages unless
// `persistent`), `mqtt-sink` (MqttSink).
import { writeFileSync } from 'node:fs';
import { StreamEnvironment, WatermarkStrategy, jobParameters, type Sink } from 'eddy';
import { PostgresSink, PostgresTableSource } from 'eddy/connectors/postgres';
import { RabbitMQSink, RabbitMQSource } from 'eddy/connectors/rabbitmq';
import { MqttSink, MqttSource } from 'eddy/connectors/mqtt';

const { mode, url, table, queue, topic, clientId, readyFile, prefix = 'bench_pg', n = 0, interval = 1000, prefetch = 1000, persistent = false, guarantee = 'exactly-once' } = jobParameters<{
  mode: string;
  url: string;
  table: string;
  queue: string;
  topic: string;
  clientId: string;
  readyFile: string;
  prefix?: string;
  n?: number;
  interval?: number;
  prefetch?: number;
  persistent?: boolean;
  guarantee?: 'exactly-once' | 'at-least-once';
}>();

const discard: Sink<unknown> = { name: 'Discard', createWriter: () => ({ write() {}, flush() {}, close() {} }) };
let ready = false;
const env = StreamEnvironment.create({ parallelism: 1 });
env.enableCheckpointing(interval);
const nothing = WatermarkStrategy.noWatermarks<never>();
if (mode === 'pg-table') env.fromSource(PostgresTableSource.of({ connection: url, table, fetchSize: 1000 }), nothing, 'in').sinkTo(discard);
else if (mode === 'amqp-source') env.fromSource(RabbitMQSource.of({ url, queue, prefetch, isEndOfStream: (v: string) => v === 'END' }), nothing, 'in').sinkTo(discard);
else if (mode === 'mqtt-source')
  env
    .fromSource(MqttSource.of({ url, topics: topic, clientId, isEndOfStream: (v: string) => v === 'END' }), nothing, 'in')
    .filter((v: string) => {
      if (!ready) {
        ready = true;
        writeFileSync(readyFile, 'ok');
      }
      return v !== 'probe';
    })
    .sinkTo(discard);
else if (mode === 'pg-sink')
  env
    .fromSequence(1, n)
    .map((i) => ({ id: i, note: `payload-${i}` }))
    .sinkTo(PostgresSink.builder<{ id: number; note: string }>({ connectionString: url, table, columns: ['id', 'note'], batchSize: 500, transactionIdPrefix: prefix, deliveryGuarantee: guarantee }).build());
else if (mode === 'amqp-sink') env.fromSequence(1, n).map((i) => `payload-${i}`).sinkTo(RabbitMQSink.of<string>({ url, routingKey: queue, messageId: (v) => v, persistent }));
else if (mode === 'mqtt-sink') env.fromSequence(1, n).map((i) => `payload-${i}`).sinkTo(MqttSink.of<string>({ url, topic }));
else throw new Error(`unknown mode ${mode}`);
await env.execute(`bench-${mode}`);
