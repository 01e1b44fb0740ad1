// Reconnect tests that restart the server itself mid-job (test/connectors/server-restart.ts; each outage
// lasts seconds and the server is always started again): the job survives with its guarantee.
//  - Mosquitto (persistence on; the session and its unacknowledged messages survive a clean shutdown):
//    every message reaches the job, also those published after the restart (at-least-once, duplicates
//    counted and bounded by what was unacknowledged).
//  - RabbitMQ (the broker application stopped and started; the queue is durable, messages persistent):
//    every message exactly once (redelivered ones are dropped by message id).
//  - NATS JetStream (file storage): every message exactly once in the FileSink's committed output.
//  - Redis (this server keeps nothing on disk: a restart empties it): the job survives; what it read
//    before is a gapless prefix of the stream, nothing is emitted twice, and every entry appended after
//    the restart (ids after the reader's position, as time moves on) reaches the committed output.
// Opt-in: EDDY_TEST_RESTART_SERVERS=1 node scripts/test.mjs test/connectors/server-restart (alone: a
// restart disturbs other tests that use the same server at the same time). Skipped (with the reason)
// otherwise, without the server, or without the rights to restart it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import amqp from 'amqplib';
import { runJob } from 'eddy';
import { MQTT_URL, mqttSkipReason, dropSession, openSession, unique } from './mqtt-test-kit.ts';
import { AMQP_URL, amqpSkipReason } from './rabbitmq-test-kit.ts';
import { NATS_URL, natsSkipReason, publish as natsPublish, uniqueName, withStream } from './nats-test-kit.ts';
import { restart, restartSkipReason, type Server } from './server-restart.ts';
import { REDIS_URL, append, redisSkipReason, withKeys } from './redis-test-kit.ts';
import type { JobClient } from 'eddy';

const T = { timeout: 180_000 };

/** The committed part files (`part-<subtask>-<n>`) in the order they were written: by subtask, then n as a number. */
function partFiles(dir: string): string[] {
  const num = (f: string) => f.split('-').slice(1).map(Number);
  return readdirSync(dir)
    .filter((f) => !f.startsWith('.'))
    .sort((a, b) => {
      const [sa, na] = num(a);
      const [sb, nb] = num(b);
      return sa! - sb! || na! - nb!;
    });
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const bodies = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `m${i + from}`);

function skip(server: Server, unreachable: string | undefined): string | undefined {
  if (unreachable) return unreachable;
  return restartSkipReason(server);
}

test('MQTT: Mosquitto restarted mid-job: every message reaches the job (at-least-once)', T, async (t) => {
  const why = skip('mosquitto', await mqttSkipReason());
  if (why) return t.skip(why);
  const topic = unique('eddy/restart');
  const clientId = unique('eddy-restart');
  const dir = mkdtempSync(join(tmpdir(), 'eddy-mqtt-'));
  await openSession(clientId, topic);
  const publishAll = async (xs: string[]) => {
    const pub = await mqtt.connectAsync(MQTT_URL, { reconnectPeriod: 0 });
    for (const b of xs) await pub.publishAsync(topic, b, { qos: 1 });
    await pub.endAsync();
  };
  try {
    await publishAll(bodies(200));
    const job = runJob(new URL('../jobs/mqtt-job.ts', import.meta.url), { params: { url: MQTT_URL, topic, clientId }, checkpointDir: dir });
    await sleep(1_500);
    await restart('mosquitto', 1_000);
    await publishAll([...bodies(200, 201), 'END']);
    const r = await job;
    const got = r.collected as string[];
    const distinct = [...new Set(got)];
    console.log(`mqtt restart: ${got.length} received, ${got.length - distinct.length} duplicates`);
    assert.deepEqual(distinct.sort(), bodies(400).sort());
    assert.ok(got.length - distinct.length <= 200, 'duplicates only of messages unacknowledged at the restart');
  } finally {
    await dropSession(clientId).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('RabbitMQ: the broker restarted mid-job: every message exactly once', T, async (t) => {
  const why = skip('rabbitmq', await amqpSkipReason());
  if (why) return t.skip(why);
  const queue = `eddy_restart_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  const dir = mkdtempSync(join(tmpdir(), 'eddy-rmq-'));
  const fill = async (xs: string[]) => {
    const conn = await amqp.connect(AMQP_URL);
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue(queue, { durable: true });
    for (const b of xs) ch.sendToQueue(queue, Buffer.from(b), { persistent: true, messageId: b === 'END' ? 'end' : b });
    await ch.waitForConfirms();
    await conn.close();
  };
  try {
    await fill(bodies(600));
    // 2 ms per message: about 1.2 s of reading before the restart's outage
    const job = runJob(new URL('../jobs/rabbitmq-job.ts', import.meta.url), { params: { url: AMQP_URL, queue, pace: 2, interval: 100 }, checkpointDir: dir });
    await sleep(2_000);
    await restart('rabbitmq', 1_000);
    await fill([...bodies(100, 601), 'END']);
    const r = await job;
    assert.deepEqual(r.collected, bodies(700));
  } finally {
    const conn = await amqp.connect(AMQP_URL).catch(() => undefined);
    if (conn) {
      const ch = await conn.createChannel();
      await ch.deleteQueue(queue).catch(() => undefined);
      await conn.close().catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

test('NATS: the server restarted mid-job: every message exactly once in the committed output', T, async (t) => {
  const why = skip('nats', await natsSkipReason());
  if (why) return t.skip(why);
  const stream = uniqueName('eddy_restart');
  const out = mkdtempSync(join(tmpdir(), 'eddy-nats-'));
  try {
    await withStream(stream, async () => {
      const input = bodies(20_000);
      await natsPublish(input, () => `${stream}.a`);
      // 30 ms per 100 records: about 6 s of reading, the restart in the middle
      const job = runJob(new URL('../jobs/nats-job.ts', import.meta.url), { params: { servers: NATS_URL, stream, p: 1, pace: 30, interval: 100, outDir: out, job: 'nats-restart' }, checkpointDir: join(out, '.ckpt') });
      await sleep(2_500);
      await restart('nats', 1_000);
      await job;
      const got: string[] = [];
      for (const f of partFiles(out)) got.push(...readFileSync(join(out, f), 'utf8').split('\n').filter(Boolean));
      assert.equal(got.length, input.length, 'no duplicate, no loss');
      assert.deepEqual([...got].sort(), [...input].sort());
    });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('Redis: the server restarted (and emptied) mid-job: a gapless prefix, no duplicate, everything appended after it', T, async (t) => {
  const why = skip('redis', await redisSkipReason());
  if (why) return t.skip(why);
  await withKeys(['eddy-restart'], async (key) => {
    const out = mkdtempSync(join(tmpdir(), 'eddy-redis-'));
    const committed = () => {
      const got: string[] = [];
      for (const f of partFiles(out)) got.push(...readFileSync(join(out, f), 'utf8').split('\n').filter(Boolean));
      return got;
    };
    let client: JobClient | undefined;
    try {
      const before = Array.from({ length: 6_000 }, (_, i) => `r${i}`);
      const after = Array.from({ length: 2_000 }, (_, i) => `n${i}`);
      await append(before, () => key!);
      // 40 ms per 100 records: about 2.4 s of reading, the restart in the middle
      const job = runJob(new URL('../jobs/redis-job.ts', import.meta.url), {
        params: { url: REDIS_URL, streams: key, bounded: false, p: 1, pace: 40, interval: 100, outDir: out, job: 'redis-restart' },
        checkpointDir: join(out, '.ckpt'),
        onJobStart: (c) => (client = c),
      });
      for (let i = 0; i < 400 && committed().length === 0; i++) await sleep(25);
      await restart('redis', 500);
      await append(after, () => key!);
      for (let i = 0; i < 1200 && !committed().includes('n1999'); i++) await sleep(50);
      await client!.stopWithSavepoint(join(out, '.savepoints'));
      await job;
      const got = committed();
      const old = got.filter((v) => v.startsWith('r'));
      console.log(`redis restart: ${old.length} entries read before the restart, ${got.length - old.length} after`);
      assert.deepEqual(old, before.slice(0, old.length), 'a gapless prefix of the stream before the restart');
      assert.ok(old.length > 0 && old.length < before.length, `the restart came mid-read (${old.length} of ${before.length})`);
      assert.deepEqual(got.slice(old.length), after, 'every entry appended after the restart, once, in order');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
