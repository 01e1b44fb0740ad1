/**
 * PostgreSQL, RabbitMQ and MQTT connectors against a plain loop of the same client library on the same
 * data, in one run (parallelism 1):
 *  - PostgresTableSource vs a keyset-pagination loop with `pg` (1000 rows per query);
 *  - PostgresSink, exactly-once and at-least-once (checkpoint every second), vs multi-row INSERTs of 500
 *    in one transaction through a named (prepared once) statement, as the sink does; and the
 *    exactly-once sink against the at-least-once one (what two-phase commit costs);
 *  - RabbitMQSource (acknowledged on checkpoints every 200 ms, prefetch 20 000, deduplicating) vs an
 *    amqplib consumer (prefetch 1000, each message acknowledged);
 *  - RabbitMQSink vs publishing on a confirm channel, waiting for confirms every 1000; both publish
 *    transient messages (`persistent: false`, the sink's option set to match) with a message id each;
 *  - MqttSource vs an mqtt.js subscriber (QoS 1): both timed from the first of n QoS-1 publishes (made by
 *    this process) to the end marker, so both include the publisher (and neither counts what it got:
 *    Mosquitto drops QoS-1 messages queued beyond `max_queued_messages` for a slower subscriber);
 *  - MqttSink vs mqtt.js publishes at QoS 1, 1000 in flight.
 * eddy's figures include starting the job (worker threads), measured alone with an empty input (one
 * record for sinks) and subtracted in the second ratio — except the MQTT source's, timed from the first
 * message, when the job is running. The PostgreSQL rows use `--pg-n` rows (default n, at least
 * 1 000 000): at 200 000 the table read lasts about as long as the job's start-up, and the difference
 * of the two is noise.
 *
 *   node --import tsx bench/connectors-pg-amqp-mqtt.ts [--n 100000] [--pg-n 1000000]
 *        [--only pg-table,pg-sink,amqp-source,amqp-sink,mqtt-source,mqtt-sink]
 *
 * Prints a table and writes bench/results/connectors-pg-amqp-mqtt-latest.json.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import amqp from 'amqplib';
import mqtt from 'mqtt';
import { runJob } from 'eddy';
import { reportConnectors, type ConnectorRow } from './connectors-report.ts';

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const N = Number(arg('--n') ?? 0) || 100_000;
const PG_N = Number(arg('--pg-n') ?? 0) || Math.max(N, 1_000_000);
const only = arg('--only')?.split(',');
const run = (what: string): boolean => !only || only.includes(what);
const PG = process.env.EDDY_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const AMQP = process.env.EDDY_TEST_AMQP ?? 'amqp://guest:guest@127.0.0.1:5672';
const MQTT = process.env.EDDY_TEST_MQTT ?? 'mqtt://127.0.0.1:1883';
const JOB = new URL('./connectors-pg-amqp-mqtt-job.ts', import.meta.url);
const tag = `${process.pid}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

const rows: ConnectorRow[] = [];
const db = new pg.Client({ connectionString: PG });
await db.connect();
const conn = await amqp.connect(AMQP);
const ch = await conn.createConfirmChannel();
const tmp = mkdtempSync(join(tmpdir(), 'eddy-bench-'));
const t = { src: `bench_tsrc_${tag}`, empty: `bench_tempty_${tag}`, plain: `bench_tplain_${tag}`, sink: `bench_tsink_${tag}` };
const q = { src: `bench_qsrc_${tag}`, empty: `bench_qempty_${tag}`, sink: `bench_qsink_${tag}` };
const topic = `eddy-bench/${tag}`;

async function amqpFill(queue: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    if (!ch.sendToQueue(queue, Buffer.from(`payload-${i}`), { messageId: `m${i}` })) await new Promise((r) => ch.once('drain', r));
    if (i % 1000 === 999) await ch.waitForConfirms();
  }
  ch.sendToQueue(queue, Buffer.from('END'), { messageId: 'END' });
  await ch.waitForConfirms();
}

async function mqttPublish(c: mqtt.MqttClient, n: number): Promise<void> {
  for (let from = 0; from < n; from += 1000) {
    const ps: Promise<unknown>[] = [];
    for (let i = from; i < Math.min(n, from + 1000); i++) ps.push(c.publishAsync(topic, `payload-${i}`, { qos: 1 }));
    await Promise.all(ps);
  }
}

/** Runs the MQTT source job; publishes probes until it has subscribed, then n messages and 'END'; seconds from the first message to the job's end. */
async function mqttSourceRun(pub: mqtt.MqttClient, n: number): Promise<number> {
  const readyFile = join(tmp, `ready-${Math.random()}`);
  const clientId = `eddy-bench-${tag}-${Math.floor(Math.random() * 1e9)}`;
  const job = runJob(JOB, { params: { mode: 'mqtt-source', url: MQTT, topic, clientId, readyFile } });
  while (!existsSync(readyFile)) {
    await pub.publishAsync(topic, 'probe', { qos: 1 });
    await sleep(20);
  }
  const t0 = performance.now();
  await mqttPublish(pub, n);
  await pub.publishAsync(topic, 'END', { qos: 1 });
  await job;
  // a persistent session of the job's client id stays on the broker; end it
  await mqtt.connectAsync(MQTT, { clientId, clean: true }).then((c) => c.endAsync());
  return (performance.now() - t0) / 1000;
}

try {
  // PostgreSQL table source
  if (run('pg-table')) {
    await db.query(`CREATE TABLE ${t.src} (id bigint PRIMARY KEY, v text NOT NULL)`);
    await db.query(`CREATE TABLE ${t.empty} (id bigint PRIMARY KEY, v text NOT NULL)`);
    await db.query(`INSERT INTO ${t.src} SELECT i, 'payload-' || i FROM generate_series(1, $1) i`, [PG_N]);
    await db.query(`ANALYZE ${t.src}`);
    const startupPg = await time(() => runJob(JOB, { params: { mode: 'pg-table', url: PG, table: t.empty } }));
    const plainScan = await time(async () => {
      let last = -1;
      let got = 0;
      for (;;) {
        const r = await db.query({ text: `SELECT id, v FROM ${t.src} WHERE id > $1 ORDER BY id LIMIT 1000`, values: [last], rowMode: 'array' });
        if (r.rows.length === 0) break;
        got += r.rows.length;
        last = Number((r.rows[r.rows.length - 1] as unknown[])[0]);
      }
      if (got !== PG_N) throw new Error(`read ${got} rows`);
    });
    const eddyScan = await time(() => runJob(JOB, { params: { mode: 'pg-table', url: PG, table: t.src } }));
    rows.push({ what: 'PostgresTableSource vs keyset-pagination loop (pg)', baseline: plainScan, eddy: eddyScan, startup: startupPg, n: PG_N });
  }

  // PostgreSQL sink: the plain loop, then the exactly-once and the at-least-once sink
  if (run('pg-sink')) {
    await db.query(`CREATE TABLE ${t.plain} (id int, note text)`);
    await db.query(`CREATE TABLE ${t.sink} (id int, note text)`);
    const plainInsert = await time(async () => {
      const ph: string[] = [];
      for (let i = 0; i < 500; i++) ph.push(`($${2 * i + 1}, $${2 * i + 2})`);
      const full = `INSERT INTO ${t.plain} (id, note) VALUES ${ph.join(', ')}`;
      await db.query('BEGIN');
      for (let from = 1; from <= PG_N; from += 500) {
        const params: unknown[] = [];
        for (let i = from; i < Math.min(PG_N + 1, from + 500); i++) params.push(i, `payload-${i}`);
        if (params.length === 1000) await db.query({ name: `bench_insert_${tag}`, text: full, values: params });
        else await db.query(`INSERT INTO ${t.plain} (id, note) VALUES ${ph.slice(0, params.length / 2).join(', ')}`, params);
      }
      await db.query('COMMIT');
    });
    const sinkRun = async (guarantee: string, n: number): Promise<number> => {
      const s = await time(() => runJob(JOB, { params: { mode: 'pg-sink', url: PG, table: t.sink, n, prefix: `bench_pg_${tag}`, guarantee } }));
      const stored = Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${t.sink}`)).rows[0]!.n);
      if (stored !== n) throw new Error(`the sink table holds ${stored} rows, expected ${n}`);
      await db.query(`TRUNCATE ${t.sink}`);
      return s;
    };
    const startupEo = await sinkRun('exactly-once', 1);
    const eddyEo = await sinkRun('exactly-once', PG_N);
    const startupAlo = await sinkRun('at-least-once', 1);
    const eddyAlo = await sinkRun('at-least-once', PG_N);
    rows.push({ what: 'PostgresSink (exactly-once) vs multi-row INSERT loop', baseline: plainInsert, eddy: eddyEo, startup: startupEo, n: PG_N });
    rows.push({ what: 'PostgresSink (at-least-once) vs multi-row INSERT loop', baseline: plainInsert, eddy: eddyAlo, startup: startupAlo, n: PG_N });
    rows.push({ what: 'PostgresSink exactly-once vs at-least-once', baseline: eddyAlo, baselineStartup: startupAlo, eddy: eddyEo, startup: startupEo, n: PG_N });
  }

  for (const name of Object.values(q)) await ch.assertQueue(name, { durable: true });

  // RabbitMQ source
  if (run('amqp-source')) {
    await ch.sendToQueue(q.empty, Buffer.from('END'), { messageId: 'END' });
    await ch.waitForConfirms();
    const startupAmqp = await time(() => runJob(JOB, { params: { mode: 'amqp-source', url: AMQP, queue: q.empty } }));
    await amqpFill(q.src, N);
    const plainConsume = await time(async () => {
      const c2 = await conn.createChannel();
      await c2.prefetch(1000);
      await new Promise<void>((resolve) => {
        void c2.consume(q.src, (m) => {
          if (!m) return;
          c2.ack(m);
          if (m.content.toString() === 'END') resolve();
        });
      });
      await c2.close();
    });
    await amqpFill(q.src, N);
    const eddyConsume = await time(() => runJob(JOB, { params: { mode: 'amqp-source', url: AMQP, queue: q.src, interval: 200, prefetch: 20_000 } }));
    rows.push({ what: 'RabbitMQSource vs amqplib consume loop', baseline: plainConsume, eddy: eddyConsume, startup: startupAmqp });
  }

  // RabbitMQ sink
  if (run('amqp-sink')) {
    const plainPublish = await time(() => amqpFill(q.sink, N));
    await ch.purgeQueue(q.sink);
    const startupAmqpSink = await time(() => runJob(JOB, { params: { mode: 'amqp-sink', url: AMQP, queue: q.sink, n: 1 } }));
    const eddyPublish = await time(() => runJob(JOB, { params: { mode: 'amqp-sink', url: AMQP, queue: q.sink, n: N } }));
    const inQueue = (await ch.checkQueue(q.sink)).messageCount;
    if (inQueue !== N + 1) throw new Error(`the sink queue holds ${inQueue} messages, expected ${N + 1}`);
    rows.push({ what: 'RabbitMQSink vs confirm-channel publish loop', baseline: plainPublish, eddy: eddyPublish, startup: startupAmqpSink });
  }

  // MQTT source: both include this process publishing
  const pub = await mqtt.connectAsync(MQTT, { clientId: `eddy-bench-pub-${tag}` });
  if (run('mqtt-source')) {
    await mqttSourceRun(pub, 0); // warm-up: the runs are timed from the first message, after the job has started
    const sub = await mqtt.connectAsync(MQTT, { clientId: `eddy-bench-sub-${tag}`, clean: true });
    await sub.subscribeAsync(topic, { qos: 1 });
    const plainSubscribe = await time(async () => {
      const done = new Promise<void>((resolve) => sub.on('message', (_t, p) => p.toString() === 'END' && resolve()));
      await mqttPublish(pub, N);
      await pub.publishAsync(topic, 'END', { qos: 1 });
      await done;
    });
    await sub.endAsync();
    const eddySubscribe = await mqttSourceRun(pub, N);
    rows.push({ what: 'MqttSource vs mqtt.js subscribe loop (publisher included)', baseline: plainSubscribe, eddy: eddySubscribe, startup: 0 });
  }

  // MQTT sink
  if (run('mqtt-sink')) {
    const plainMqttPub = await time(() => mqttPublish(pub, N));
    const startupMqttSink = await time(() => runJob(JOB, { params: { mode: 'mqtt-sink', url: MQTT, topic, n: 1 } }));
    const eddyMqttPub = await time(() => runJob(JOB, { params: { mode: 'mqtt-sink', url: MQTT, topic, n: N } }));
    rows.push({ what: 'MqttSink vs mqtt.js QoS-1 publish loop', baseline: plainMqttPub, eddy: eddyMqttPub, startup: startupMqttSink });
  }
  await pub.endAsync();
} finally {
  await db.query(`DROP TABLE IF EXISTS ${Object.values(t).join(', ')}`).catch(() => undefined);
  for (const name of Object.values(q)) await ch.deleteQueue(name).catch(() => undefined);
  await db.end();
  await conn.close().catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
}

reportConnectors('connectors-pg-amqp-mqtt', 'PostgreSQL, RabbitMQ and MQTT connectors', N, rows);
